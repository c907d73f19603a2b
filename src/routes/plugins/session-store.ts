/**
 * @fastify/session store on the `sessions` table: sessions survive a restart.
 *
 * Every page request reads its session, so reads are remembered for a short while (`cacheMs`):
 * without that, a signed-in page cost a database round trip before its own reads began. A write
 * or a destroy (sign-in, flash, sign-out) updates this process's memory at once and NOTIFYs
 * `SESSION_CHANNEL` with a digest of the id, so every other Trellis process forgets the session
 * too; a lost LISTEN connection forgets everything. A signed-out session therefore cannot be used
 * again in any process, and an entry never outlives the session's own expiry.
 */
import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import type { SessionStore } from '@fastify/session';
import type * as Fastify from 'fastify';
import { createEpochCache } from '../../domain/cache.js';
import type { NotifyHub } from '../../db/notify.js';

const DAY = 24 * 3600 * 1000;
export const SESSION_CHANNEL = 'vintner_session';

/** What travels in a NOTIFY: not the session id itself, which is a bearer secret. */
export const sessionDigest = (sid: string) => createHash('sha256').update(sid).digest('base64url').slice(0, 22);

export interface PgSessionStore extends SessionStore {
  /** Starts listening for other processes' writes; returns the unsubscribe. */
  listen(hub: NotifyHub): Promise<() => void>;
}

export function createPgSessionStore(knex: Knex, opts: { cacheMs?: number } = {}): PgSessionStore {
  const cacheMs = opts.cacheMs ?? 0;
  // Keyed by digest, so a notification finds its entry directly. Values are JSON: each request
  // gets its own copy to change. An entry lapses at the session's expiry if that comes first.
  const cache = createEpochCache<string>({ ttlMs: cacheMs, max: 50_000 });
  let listening = false;
  const remember = (digest: string, json: string, expires: Date | string, epoch: number) => {
    if (cacheMs > 0 && listening) cache.set(digest, json, epoch, new Date(expires).getTime() - Date.now());
  };
  const told = (digest: string) => (listening ? knex.raw('SELECT pg_notify(?, ?)', [SESSION_CHANNEL, digest]) : undefined);

  return {
    set(sid, session, cb) {
      const expires = (session as { cookie?: { expires?: Date | null } }).cookie?.expires ?? new Date(Date.now() + DAY);
      const json = JSON.stringify(session);
      const digest = sessionDigest(sid);
      cache.evict(digest);
      knex('sessions')
        .insert({ sid, sess: json, expires_at: expires })
        .onConflict('sid')
        .merge()
        .then(() => told(digest))
        .then(
          () => {
            remember(digest, json, expires, cache.epoch);
            cb();
          },
          (err: Error) => cb(err),
        );
    },
    get(sid, cb) {
      const digest = sessionDigest(sid);
      const hit = cacheMs > 0 ? cache.get(digest) : undefined;
      if (hit) return cb(null, JSON.parse(hit) as Fastify.Session);
      const epoch = cache.epoch;
      knex('sessions')
        .where({ sid })
        .andWhere('expires_at', '>', knex.fn.now())
        .first('sess', 'expires_at')
        .then(
          (row: { sess: Fastify.Session; expires_at: Date } | undefined) => {
            if (row) remember(digest, JSON.stringify(row.sess), row.expires_at, epoch);
            cb(null, row?.sess ?? null);
          },
          (err: Error) => cb(err),
        );
    },
    destroy(sid, cb) {
      const digest = sessionDigest(sid);
      cache.evict(digest);
      knex('sessions')
        .where({ sid })
        .delete()
        .then(() => told(digest))
        .then(() => cb(), (err: Error) => cb(err));
    },
    async listen(hub) {
      const off = await hub.subscribe(SESSION_CHANNEL, (digest) => cache.evict(digest));
      const offReconnect = hub.onReconnect(() => cache.clear());
      listening = true;
      return () => {
        listening = false;
        cache.clear();
        off();
        offReconnect();
      };
    },
  };
}
