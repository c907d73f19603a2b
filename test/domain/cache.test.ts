import t from 'tap';
import { createEpochCache } from '../../src/domain/cache.js';

t.test('entries lapse after their time to live', async (t) => {
  let now = 1000;
  const c = createEpochCache<string>({ ttlMs: 100, now: () => now });
  c.set('a', 'one', c.epoch);
  t.equal(c.get('a'), 'one');
  now += 99;
  t.equal(c.get('a'), 'one', 'still alive just before the end');
  now += 1;
  t.equal(c.get('a'), undefined, 'gone at the end');
  t.equal(c.size, 0, 'and forgotten');
  c.set('b', 'two', c.epoch, 10);
  now += 10;
  t.equal(c.get('b'), undefined, 'a shorter life given to set is kept');
  c.set('c', 'three', c.epoch, 10_000);
  now += 100;
  t.equal(c.get('c'), undefined, 'a longer life than the cache allows is cut to it');
});

t.test('a read that began before an eviction is not kept', async (t) => {
  const c = createEpochCache<string>({ ttlMs: 1000 });
  const before = c.epoch;
  c.evict('x'); // a write elsewhere, while the read was in flight
  c.set('x', 'stale', before);
  t.equal(c.get('x'), undefined, 'evict');
  const before2 = c.epoch;
  c.clear();
  c.set('x', 'stale', before2);
  t.equal(c.get('x'), undefined, 'clear');
  const before3 = c.epoch;
  c.evictWhere(() => false);
  c.set('x', 'stale', before3);
  t.equal(c.get('x'), undefined, 'evictWhere');
  c.set('x', 'fresh', c.epoch);
  t.equal(c.get('x'), 'fresh', 'a read after the eviction is kept');
});

t.test('evictions and the size bound', async (t) => {
  const c = createEpochCache<number>({ ttlMs: 1000, max: 3 });
  for (const [i, k] of ['a', 'b', 'c', 'd'].entries()) c.set(k, i, c.epoch);
  t.equal(c.size, 3);
  t.equal(c.get('a'), undefined, 'the oldest went first');
  c.set('b', 10, c.epoch); // refreshed: now the newest
  c.set('e', 4, c.epoch);
  t.equal(c.get('b'), 10, 'a refreshed entry is not the oldest');
  t.equal(c.get('c'), undefined);
  c.evictWhere((v) => v >= 4);
  t.same([c.get('b'), c.get('d'), c.get('e')], [undefined, 3, undefined], 'evictWhere removes what matches');
  c.evict('d');
  t.equal(c.size, 0);
  t.equal(createEpochCache<number>({ ttlMs: 0 }).size, 0);
  const off = createEpochCache<number>({ ttlMs: 0 });
  off.set('a', 1, off.epoch);
  t.equal(off.get('a'), undefined, 'a time to live of 0 keeps nothing');
});
