/**
 * What DEPLOY_WORKER / DESTROY_WORKER need of a Tendril pool: the pool (scoped to its user), its
 * last successful deployment, and the pool tokens minted for the Tendrils a deployment runs
 * (`pool_tokens.job_id`: the DEPLOY_WORKER that minted it; only its hash is stored, like every
 * token). A deployment mints a new token each time — a pool token like any other (`vtp_`, made
 * and stored by the pool repository, checked by `authenticatePoolToken`), its plaintext living
 * only in that job's Terraform environment and then in the customer's Secrets Manager — and once
 * it succeeded, the tokens earlier deployments minted are revoked; a destroy revokes them all.
 */
import type { Knex } from 'knex';
import { createPoolRepository, type PoolRow } from './repository.js';
import { newPoolToken } from './tokens.js';
import { JOB_OPEN } from '../jobs/status.js';

type Db = Knex | Knex.Transaction;

type PoolRef = Pick<PoolRow, 'id' | 'user_id' | 'name'>;

export const WORKER_JOB_TYPES = ['DEPLOY_WORKER', 'DESTROY_WORKER'] as const;

/** The token's name in the pool's list: says which job minted it and for what. */
export const workerTokenName = (jobId: string) => `in-account Tendrils (DEPLOY_WORKER ${jobId.slice(0, 8)})`;

export function createInAccountPools(knex: Knex) {
  const repo = createPoolRepository(knex);
  return {
    /** The user's pool, locked for the transaction (one worker job of a pool is created at a time). */
    lockForUser: (userId: string, poolId: string, trx: Knex.Transaction): Promise<PoolRow | undefined> => repo.lock(userId, poolId, trx),

    /** A pool by id, whoever owns it: for a Tendril running that pool's job only. */
    find: (poolId: string, db: Db = knex): Promise<PoolRef | undefined> => db('tendril_pools').where({ id: poolId }).first('id', 'user_id', 'name'),

    /** The pool's DEPLOY_WORKER or DESTROY_WORKER that is queued or running, if any. */
    openWorkerJob: (poolId: string, db: Db = knex): Promise<{ id: string; type: string; status: string } | undefined> =>
      db('provision_jobs').where({ pool_id: poolId }).whereIn('type', WORKER_JOB_TYPES).whereIn('status', JOB_OPEN).first('id', 'type', 'status'),

    /**
     * The pool's last DEPLOY_WORKER that ran (it may have created something even when it failed),
     * or with `succeeded` its last successful one: its identity and settings.
     */
    lastDeployment(poolId: string, opts: { succeeded?: boolean } = {}, db: Db = knex): Promise<{ id: string; identity_id: string | null; params: Record<string, unknown> | null } | undefined> {
      const q = db('provision_jobs').where({ pool_id: poolId, type: 'DEPLOY_WORKER' }).whereNotNull('processing_at');
      if (opts.succeeded) q.where({ status: 'SUCCESS' });
      return q.orderBy([{ column: 'processing_at', order: 'desc' }, { column: 'id', order: 'desc' }]).first('id', 'identity_id', 'params');
    },

    /**
     * The region the pool's Tendrils stand in (their last DEPLOY_WORKER that ran), or undefined
     * when none stand: never deployed, or destroyed since.
     */
    async deployedRegion(poolId: string, db: Db = knex): Promise<string | undefined> {
      const last = await db('provision_jobs')
        .where({ pool_id: poolId })
        .whereIn('type', WORKER_JOB_TYPES)
        .whereNotNull('processing_at')
        .orderBy([{ column: 'processing_at', order: 'desc' }, { column: 'id', order: 'desc' }])
        .first('type', 'status', 'params');
      if (!last || (last.type === 'DESTROY_WORKER' && last.status === 'SUCCESS')) return undefined;
      const region = (last.params as { region?: unknown } | null)?.region;
      return typeof region === 'string' && region ? region : undefined;
    },

    /** A new pool token for the Tendrils `jobId` deploys: the plaintext is answered once, its hash stored. */
    async mintWorkerToken(poolId: string, jobId: string, db: Db = knex): Promise<{ id: string; token: string; prefix: string }> {
      const { token, stored } = newPoolToken();
      const row = await repo.insertToken({ pool_id: poolId, job_id: jobId, name: workerTokenName(jobId), ...stored }, db);
      return { id: row.id, token, prefix: row.prefix };
    },

    /**
     * Revokes the tokens earlier worker jobs minted for the pool, all but `keepId`; answers how
     * many. A long-poll holding one ends at once, as when the user revokes it (the NOTIFY is
     * delivered when the transaction commits).
     */
    async retireWorkerTokens(poolId: string, keepId: string | null, db: Db = knex): Promise<number> {
      return (await repo.revokeWorkerTokens(poolId, keepId, db)).length;
    },
  };
}

export type InAccountPools = ReturnType<typeof createInAccountPools>;
