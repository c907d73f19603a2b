/**
 * `tendril_pools` and `pool_tokens`: the one owner of both tables. Every read of a pool is scoped
 * to its user, except `findTokenByHash` (a Tendril presenting a token: the token is the proof).
 * Token hashes are read only to authenticate, never listed. It reads, never writes, the tables of
 * others: the identities bound to a pool, its Tendrils and their jobs, its Terraform state.
 */
import type { Knex } from 'knex';
import { JOB_OPEN, JOB_RUNNING } from '../jobs/status.js';
import { TendrilStatus } from '../tendrils/status.js';
import type { Provider } from '../identities/schema.js';
import { updateAndNotify } from '../lifecycle.js';
import { stateKey } from '../state/history.js';
import { POOL_TOKEN_REVOKED_CHANNEL } from './tokens.js';

type Db = Knex | Knex.Transaction;

export interface PoolRow {
  id: string;
  user_id: string;
  name: string;
  description: string;
  created_at: Date;
  updated_at: Date;
}

export interface PoolWithCounts extends PoolRow {
  tendrils_online: number;
  running_jobs: number;
  active_tokens: number;
}

export interface PoolTokenRow {
  id: string;
  pool_id: string;
  name: string;
  prefix: string;
  last_used_at: Date | null;
  revoked_at: Date | null;
  created_at: Date;
}

export interface PoolIdentityRow {
  pool_id: string;
  id: string;
  name: string;
  provider: Provider;
  credentials_from_pool: boolean;
}

export interface PoolTendrilRow {
  id: string;
  name: string;
  status: TendrilStatus;
  location: string | null;
  host: string;
  version: string;
  terraform_version: string | null;
  concurrency: number;
  started_at: Date;
  last_seen_at: Date;
  heartbeat_age_seconds: number;
  running_jobs: number;
}

/** A job that keeps a pool from going: one its Tendrils run, or a DEPLOY_WORKER / DESTROY_WORKER of it. */
export interface PoolBusyJob {
  id: string;
  type: string;
  status: string;
  tendril_name: string | null;
}

export const POOL_NAME_UNIQUE = 'tendril_pools_user_id_name_unique';
export const POOL_TOKEN_HASH_UNIQUE = 'pool_tokens_token_hash_unique';

/** Every token column but the hash. */
const TOKEN_COLUMNS = ['id', 'pool_id', 'name', 'prefix', 'last_used_at', 'revoked_at', 'created_at'];
/** A revoked token's NOTIFY: its id on POOL_TOKEN_REVOKED_CHANNEL. */
const REVOKED = { table: 'pool_tokens', channel: POOL_TOKEN_REVOKED_CHANNEL, payload: 'c.id::text', returning: TOKEN_COLUMNS };

export function createPoolRepository(knex: Knex) {
  /** Pools with their counts, one statement. */
  const withCounts = (db: Db) =>
    db('tendril_pools as p').select(
      'p.*',
      db.raw(`(SELECT count(*) FROM tendrils t WHERE t.pool_id = p.id AND t.status = ?)::int AS tendrils_online`, [TendrilStatus.RUNNING]),
      db.raw(
        `(SELECT count(*) FROM provision_jobs j JOIN tendrils t ON t.id = j.tendril_id WHERE t.pool_id = p.id AND j.status = ANY(?))::int AS running_jobs`,
        [JOB_RUNNING as string[]],
      ),
      db.raw(`(SELECT count(*) FROM pool_tokens k WHERE k.pool_id = p.id AND k.revoked_at IS NULL)::int AS active_tokens`),
    );

  return {
    listByUser: (userId: string, db: Db = knex): Promise<PoolWithCounts[]> => withCounts(db).where('p.user_id', userId).orderBy('p.name'),
    findById: (userId: string, id: string, db: Db = knex): Promise<PoolWithCounts | undefined> => withCounts(db).where({ 'p.user_id': userId, 'p.id': id }).first(),
    findByName: (userId: string, name: string, db: Db = knex): Promise<PoolWithCounts | undefined> => withCounts(db).where({ 'p.user_id': userId, 'p.name': name }).first(),
    /** SELECT … FOR UPDATE, scoped to the user. */
    lock: (userId: string, id: string, trx: Knex.Transaction): Promise<PoolRow | undefined> => trx('tendril_pools').where({ user_id: userId, id }).forUpdate().first(),
    /** The user's row, locked: two creations of one name wait for each other. */
    lockUser: (userId: string, trx: Knex.Transaction) => trx('users').where({ id: userId }).forUpdate().first('id'),

    async insert(row: { user_id: string; name: string; description: string }, db: Db = knex): Promise<PoolRow> {
      const [created] = await db('tendril_pools').insert(row).returning('*');
      return created as PoolRow;
    },
    async update(id: string, patch: { name?: string; description?: string }, db: Db = knex): Promise<void> {
      await db('tendril_pools').where({ id }).update({ ...patch, updated_at: db.fn.now() });
    },
    async delete(id: string, db: Db = knex): Promise<void> {
      await db('tendril_pools').where({ id }).delete();
    },

    /** The identities bound to these pools, by name. */
    async identities(poolIds: string[], db: Db = knex): Promise<PoolIdentityRow[]> {
      if (!poolIds.length) return [];
      return db('cloud_identities').whereIn('pool_id', poolIds).orderBy('name').select('pool_id', 'id', 'name', 'provider', 'credentials_from_pool');
    },


    /** Its Tendrils: running ones, and those seen in the last `keepStoppedHours` (24). */
    async tendrils(poolId: string, opts: { keepStoppedHours?: number } = {}, db: Db = knex): Promise<PoolTendrilRow[]> {
      const rows = await db('tendrils as t')
        .where('t.pool_id', poolId)
        .where((q) => q.where('t.status', TendrilStatus.RUNNING).orWhere('t.last_seen_at', '>', db.raw('now() - make_interval(hours => ?)', [opts.keepStoppedHours ?? 24])))
        .orderByRaw("t.status = 'RUNNING' desc, t.last_seen_at desc, t.name")
        .select(
          't.id', 't.name', 't.status', 't.location', 't.host', 't.version', 't.terraform_version', 't.concurrency', 't.started_at', 't.last_seen_at',
          db.raw('extract(epoch from now() - t.last_seen_at)::float8 AS heartbeat_age_seconds'),
          db.raw('(SELECT count(*) FROM provision_jobs j WHERE j.tendril_id = t.id AND j.status = ANY(?))::int AS running_jobs', [JOB_RUNNING as string[]]),
        );
      return rows as PoolTendrilRow[];
    },

    /** Jobs that keep the pool from being deleted: those its Tendrils hold, and its own open DEPLOY_WORKER / DESTROY_WORKER. */
    async busyJobs(poolId: string, db: Db = knex): Promise<PoolBusyJob[]> {
      const { rows } = await db.raw<{ rows: PoolBusyJob[] }>(
        `SELECT j.id, j.type, j.status, t.name AS tendril_name
           FROM provision_jobs j LEFT JOIN tendrils t ON t.id = j.tendril_id
          WHERE (t.pool_id = ? AND j.status = ANY(?)) OR (j.pool_id = ? AND j.status = ANY(?))
          ORDER BY j.created_at`,
        [poolId, JOB_RUNNING as string[], poolId, JOB_OPEN as string[]],
      );
      return rows;
    },

    /** How many resources the newest version of the pool's own Terraform state holds (what DEPLOY_WORKER made in the cloud). */
    async deployedResources(poolId: string, db: Db = knex): Promise<number> {
      const row = (await db('terraform_states').where({ state_key: stateKey({ poolId }) }).orderBy('id', 'desc').first('resources')) as { resources: number } | undefined;
      return row?.resources ?? 0;
    },

    /** `job_id`: the DEPLOY_WORKER that minted it for the Tendrils it deploys (a later deploy or the destroy revokes it). */
    async insertToken(row: { pool_id: string; name: string; token_hash: string; prefix: string; job_id?: string }, db: Db = knex): Promise<PoolTokenRow> {
      const [token] = await db('pool_tokens').insert(row).returning(TOKEN_COLUMNS);
      return token as PoolTokenRow;
    },
    /** Newest first. */
    listTokens: (poolId: string, db: Db = knex): Promise<PoolTokenRow[]> => db('pool_tokens').where({ pool_id: poolId }).orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id' }]).select(TOKEN_COLUMNS),
    /**
     * Sets revoked_at once; revoking again keeps the first time. Every revocation NOTIFYs its token's
     * id in the same statement (a long-poll holding the token ends at once, on commit).
     */
    async revokeToken(poolId: string, id: string, db: Db = knex): Promise<PoolTokenRow | undefined> {
      const [row] = await updateAndNotify<PoolTokenRow>(db, REVOKED, { pool_id: poolId, id }, { revoked_at: db.raw('coalesce(revoked_at, now())') });
      return row;
    },
    /** Revokes the tokens worker jobs minted for the pool (`job_id` set), all but `keepId`, with their NOTIFYs; answers their ids. */
    async revokeWorkerTokens(poolId: string, keepId: string | null, db: Db = knex): Promise<string[]> {
      const rows = await updateAndNotify<PoolTokenRow>(db, REVOKED, { pool_id: poolId }, { revoked_at: db.fn.now() }, (q) => {
        q.whereNotNull('job_id').whereNull('revoked_at');
        if (keepId) q.whereNot({ id: keepId });
      });
      return rows.map((r) => r.id);
    },
    /** The token with that hash, with its pool's owner, whatever its state (the caller decides). */
    findTokenByHash: (hash: string, db: Db = knex): Promise<(PoolTokenRow & { user_id: string }) | undefined> =>
      db('pool_tokens as k')
        .join('tendril_pools as p', 'p.id', 'k.pool_id')
        .where('k.token_hash', hash)
        .first(...TOKEN_COLUMNS.map((c) => `k.${c}`), 'p.user_id'),
    /** Records a use at most once a minute, so authenticating stays one read most of the time. */
    async touchToken(id: string, db: Db = knex): Promise<void> {
      await db('pool_tokens')
        .where({ id })
        .andWhere((q) => q.whereNull('last_used_at').orWhereRaw("last_used_at < now() - interval '1 minute'"))
        .update({ last_used_at: db.fn.now() });
    },
  };
}

export type PoolRepository = ReturnType<typeof createPoolRepository>;
