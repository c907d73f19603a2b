/** Shared reads: a caller joins only a read that began after it asked; failures shared; nothing kept after. */
import t from 'tap';
import { createCoalescer } from '../../src/domain/coalesce.js';

const deferred = <T>() => {
  let resolve!: (v: T) => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
};

t.test('callers during a read share the next one, which begins after the running one ends', async (t) => {
  const c = createCoalescer<number>();
  const reads: Array<ReturnType<typeof deferred<number>>> = [];
  const read = () => {
    const d = deferred<number>();
    reads.push(d);
    return d.promise;
  };
  const first = c.run('vine', read);
  t.equal(reads.length, 1, 'the first caller starts a read');
  const during = [c.run('vine', read), c.run('vine', read), c.run('vine', read)];
  t.equal(reads.length, 1, 'callers during it do not join it: they wait for the next');
  const other = c.run('other', read);
  t.equal(reads.length, 2, 'another key reads on its own');
  reads[0]!.resolve(1);
  t.equal(await first, 1, 'the first caller gets its read');
  await new Promise((r) => setImmediate(r));
  t.equal(reads.length, 3, 'the next read begins once the first ended');
  reads[2]!.resolve(2);
  t.same(await Promise.all(during), [2, 2, 2], 'the callers that came during the first read share the second');
  reads[1]!.resolve(9);
  t.equal(await other, 9);
  t.equal(c.size, 0, 'nothing is kept once reads end');
  const later = c.run('vine', read);
  t.equal(reads.length, 4, 'a caller after that reads afresh');
  reads[3]!.resolve(3);
  t.equal(await later, 3);
});

t.test('a failed read fails the callers that shared it, and the next caller reads again', async (t) => {
  const c = createCoalescer<number>();
  let n = 0;
  const gate = deferred<void>();
  const failing = async () => {
    n++;
    await gate.promise;
    throw new Error('not found');
  };
  const a = c.run('k', failing);
  const b = c.run('k', failing);
  const c2 = c.run('k', failing);
  gate.resolve();
  await t.rejects(a, /not found/);
  await t.rejects(b, /not found/);
  await t.rejects(c2, /not found/);
  t.equal(n, 2, 'two reads: the first, and the one shared by the callers during it');
  t.equal(await c.run('k', async () => 5), 5, 'then a fresh read');
  t.equal(c.size, 0);
});
