/** @fastify/session store on the `sessions` table: sessions survive a restart. */
import type { Knex } from 'knex';
import type { SessionStore } from '@fastify/session';
import type * as Fastify from 'fastify';

const DAY = 24 * 3600 * 1000;

export function createPgSessionStore(knex: Knex): SessionStore {
  return {
    set(sid, session, cb) {
      const expires = (session as { cookie?: { expires?: Date | null } }).cookie?.expires ?? new Date(Date.now() + DAY);
      knex('sessions')
        .insert({ sid, sess: JSON.stringify(session), expires_at: expires })
        .onConflict('sid')
        .merge()
        .then(() => cb(), (err: Error) => cb(err));
    },
    get(sid, cb) {
      knex('sessions')
        .where({ sid })
        .andWhere('expires_at', '>', knex.fn.now())
        .first('sess')
        .then((row) => cb(null, (row?.sess ?? null) as Fastify.Session | null), (err: Error) => cb(err));
    },
    destroy(sid, cb) {
      knex('sessions')
        .where({ sid })
        .delete()
        .then(() => cb(), (err: Error) => cb(err));
    },
  };
}
