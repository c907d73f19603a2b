/** The Postgres session store's memory: two stores (two processes) on one database. */
import t from 'tap';
import { setTimeout as sleep } from 'node:timers/promises';
import type * as Fastify from 'fastify';
import { createNotifyHub } from '../../src/db/notify.js';
import { createPgSessionStore, type PgSessionStore } from '../../src/routes/plugins/session-store.js';
import { eventually as waitFor, freshDatabase } from '../helpers.js';

const call = <T>(fn: (cb: (err?: unknown, v?: T) => void) => void) =>
  new Promise<T | undefined>((resolve, reject) => fn((err, v) => (err ? reject(err) : resolve(v))));
const get = (s: PgSessionStore, sid: string) => call<Fastify.Session | null>((cb) => s.get(sid, cb as never));
const set = (s: PgSessionStore, sid: string, session: object) => call<void>((cb) => s.set(sid, session as Fastify.Session, cb as never));
const destroy = (s: PgSessionStore, sid: string) => call<void>((cb) => s.destroy(sid, cb as never));

t.test('remembered reads follow writes, sign-outs and expiry in every process', async (t) => {
  const db = await freshDatabase(t);
  const stores = await Promise.all([1, 2].map(async () => {
    const hub = createNotifyHub(db.url);
    const store = createPgSessionStore(db.knex, { cacheMs: 60_000 });
    const off = await store.listen(hub);
    t.teardown(async () => {
      off();
      await hub.close();
    });
    return store;
  }));
  const [a, b] = stores as [PgSessionStore, PgSessionStore];
  const later = (ms: number) => new Date(Date.now() + ms).toISOString();
  const eventually = async (what: string, test: () => Promise<boolean>) => {
    await waitFor(what, test, 3000);
    t.pass(what);
  };

  await set(a, 'sid-1', { userId: 'u1', cookie: { expires: later(60_000) } });
  t.match(await get(b, 'sid-1'), { userId: 'u1' }, 'read in the other process (and remembered there)');
  await set(a, 'sid-1', { userId: 'u1', flash: 'Saved.', cookie: { expires: later(60_000) } });
  await eventually('a write in one process reaches the other\'s memory', async () => (await get(b, 'sid-1'))?.flash === 'Saved.');
  const copy = (await get(b, 'sid-1')) as Fastify.Session & { flash?: string };
  copy.flash = 'changed by this request only';
  t.equal((await get(b, 'sid-1'))?.flash, 'Saved.', 'each read gets its own copy');

  await destroy(a, 'sid-1');
  await eventually('a sign-out in one process ends the session in the other', async () => (await get(b, 'sid-1')) === null);

  await set(a, 'sid-2', { userId: 'u2', cookie: { expires: later(400) } });
  t.ok(await get(a, 'sid-2'), 'a short session is read');
  await sleep(500);
  t.equal(await get(a, 'sid-2'), null, 'and is gone when it expires, remembered or not');
});
