/**
 * Jobs: creating one inserts `provision_jobs` and calls graphile-worker's `add_job` in the same
 * transaction (never lost, never doubled), with the vine's lifecycle move in that transaction too.
 * Every read is scoped to the acting user (a job belongs to a vine or an identity of theirs).
 */
import type { Knex } from 'knex';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import { vineLifecycle } from '../vines/status.js';
import { createVineRepository } from '../vines/repository.js';
import { createIdentityRepository } from '../identities/repository.js';
import { JobStatus, JOB_TERMINAL, JOB_TYPE_INFO, isJobType, type JobType } from './status.js';
import { readLogs } from './log-writer.js';
import type { StoredLogLine } from './schema.js';
import { createJobRepository, type JobRecord } from './repository.js';
import { isUuid } from '../validation.js';

export const queueName = (vineId: string) => `vine:${vineId}`;
export const identityQueueName = (identityId: string) => `identity:${identityId}`;

export interface CreateJobInput {
  userId: string;
  type: JobType;
  vineId?: string;
  identityId?: string;
  planJobId?: string;
  /** BOOTSTRAP: push back the state kept with that failed job of the vine. */
  recoverJobId?: string;
  /** DEPLOY_WORKER / DESTROY_WORKER: the Tendril pool whose Tendril infrastructure the job makes or removes. */
  poolId?: string;
}

export function createJobService(knex: Knex) {
  const jobs = createJobRepository(knex);
  const vines = createVineRepository(knex);
  const identities = createIdentityRepository(knex);

  async function get(userId: string, jobId: string, db: Knex | Knex.Transaction = knex): Promise<JobRecord> {
    const job = isUuid(jobId) && isUuid(userId) ? await jobs.findForUser(userId, jobId, db) : undefined;
    if (!job) throw new NotFoundError(`job ${jobId} not found`);
    return job;
  }

  async function enqueue(trx: Knex.Transaction, job: JobRecord, queue: string): Promise<JobRecord> {
    const { rows } = await trx.raw<{ rows: Array<{ id: string }> }>(
      `SELECT id FROM graphile_worker.add_job(?, json_build_object('jobId', ?::text), queue_name => ?, max_attempts => ?, job_key => ?)`,
      [job.type, job.id, queue, JOB_TYPE_INFO[job.type].maxAttempts, `provision:${job.id}`],
    );
    return jobs.enqueued(job, String(rows[0]!.id), trx);
  }

  async function createVineJob(trx: Knex.Transaction, input: CreateJobInput): Promise<JobRecord> {
    const vine = isUuid(input.vineId) ? await vines.lock(input.userId, input.vineId, trx) : undefined;
    if (!vine) throw new NotFoundError(`vine ${input.vineId} not found`);
    const move = JOB_TYPE_INFO[input.type].vine;
    let previous = null;
    if (move) {
      if (!vineLifecycle.can(vine.status, move.start)) {
        const open = await jobs.openLifecycleJob(vine.id, trx);
        throw new ConflictError(
          open
            ? `vine is ${vine.status}: ${open.type} job ${open.id} must finish (or be cancelled) before a ${input.type} can start`
            : `vine is ${vine.status}: a ${input.type} cannot start now`,
        );
      }
      if (input.type === 'DESTROY' && vine.status === 'DRAFT') throw new ConflictError('vine is DRAFT: nothing to destroy');
      previous = vine.status;
      await vines.transition(vine.id, move.start, { error: null }, trx);
    }
    if (input.planJobId !== undefined) {
      if (input.type !== 'DEPLOY') throw new ValidationError('only a DEPLOY can apply a plan', [{ field: 'plan_job_id', message: 'only for DEPLOY' }]);
      const plan = isUuid(input.planJobId) ? await jobs.planOfVine(vine.id, input.planJobId, trx) : undefined;
      if (!plan || plan.type !== 'PLAN') throw new ValidationError(`plan ${input.planJobId} is not a PLAN job of this vine`, [{ field: 'plan_job_id', message: 'not a plan of this vine' }]);
      if (plan.status !== JobStatus.SUCCESS) throw new ConflictError(`plan ${plan.id} is ${plan.status}: only a successful plan can be applied`);
      if (plan.config_version !== vine.config_version) {
        throw new ConflictError(`plan ${plan.id} is stale: the vine's configuration changed since it was planned; run a new plan`);
      }
      // A restore of an older state after the plan: Terraform would refuse the plan as stale.
      const restored = await trx('terraform_states as s')
        .join('provision_jobs as p', 'p.id', trx.raw('?', [plan.id]))
        .where('s.state_key', `vine:${vine.id}`)
        .whereNotNull('s.restored_from')
        .whereRaw('s.created_at > coalesce(p.finished_at, p.queued_at)')
        .first('s.id');
      if (restored) throw new ConflictError(`plan ${plan.id} is stale: an older state was restored since it was planned; run a new plan`);
    }
    if (input.recoverJobId !== undefined) {
      if (input.type !== 'BOOTSTRAP') throw new ValidationError('only a BOOTSTRAP recovers a kept state', [{ field: 'recover_job_id', message: 'only for BOOTSTRAP' }]);
      const kept = isUuid(input.recoverJobId) ? await jobs.keptState(input.recoverJobId, trx) : undefined;
      if (!kept || kept.vine_id !== vine.id) throw new ValidationError(`job ${input.recoverJobId} is not a job of this vine`, [{ field: 'recover_job_id', message: 'not a job of this vine' }]);
      if (!kept.state_recovery_encrypted) throw new ConflictError(`job ${input.recoverJobId} keeps no state: there is nothing to recover (it was recovered already, or Terraform saved its state)`);
    }
    const job = await jobs.insert(
      {
        vine_id: vine.id,
        recover_job_id: input.recoverJobId ?? null,
        identity_id: vine.identity_id,
        created_by: input.userId,
        type: input.type,
        previous_vine_status: previous,
        plan_job_id: input.planJobId ?? null,
        config_version: vine.config_version,
      },
      trx,
    );
    return enqueue(trx, job, queueName(vine.id));
  }

  async function createIdentityJob(trx: Knex.Transaction, input: CreateJobInput): Promise<JobRecord> {
    const identity = isUuid(input.identityId) ? await identities.findById(input.userId, input.identityId, trx) : undefined;
    if (!identity) throw new NotFoundError(`identity ${input.identityId} not found`);
    const job = await jobs.insert({ identity_id: identity.id, created_by: input.userId, type: input.type }, trx);
    return enqueue(trx, job, identityQueueName(identity.id));
  }

  return {
    get,

    /** Creates a job and enqueues it, or refuses with the reason the vine's state gives. */
    async create(input: CreateJobInput): Promise<JobRecord> {
      if (!isJobType(input.type)) throw new ValidationError(`unknown job type ${String(input.type)}`, [{ field: 'type', message: 'unknown job type' }]);
      if (!isUuid(input.userId)) throw new NotFoundError('user not found');
      try {
        return await knex.transaction((trx) => (JOB_TYPE_INFO[input.type].subject === 'identity' ? createIdentityJob(trx, input) : createVineJob(trx, input)));
      } catch (err) {
        // The partial unique index: a concurrent request won the race for this vine.
        if ((err as { code?: string }).code === '23505') throw new ConflictError('another DEPLOY or DESTROY of this vine is already queued or running');
        throw err;
      }
    },

    /**
     * QUEUED → CANCELLED at once (the vine returns to where it was). CLAIMED/PROCESSING → the
     * Tendril running it is told over NOTIFY; it interrupts Terraform and records CANCELLED.
     */
    async cancel(userId: string, jobId: string): Promise<JobRecord> {
      return knex.transaction(async (trx) => {
        const seen = await get(userId, jobId, trx);
        const job = (await jobs.lock(seen.id, trx))!;
        if (JOB_TERMINAL.includes(job.status)) throw new ConflictError(`job is already ${job.status}`);
        if (job.status === JobStatus.QUEUED) {
          await jobs.transition({ id: job.id }, 'CANCELLED', { cancel_requested_at: trx.fn.now(), error: 'cancelled before it started' }, trx, { from: ['QUEUED'] });
          await trx.raw('SELECT graphile_worker.remove_job(?)', [`provision:${job.id}`]);
          const move = JOB_TYPE_INFO[job.type].vine;
          if (job.vine_id && job.previous_vine_status && move) {
            await vines.transition(job.vine_id, job.previous_vine_status, {}, trx, { from: [move.start] });
          }
        } else {
          await jobs.requestCancel(job.id, trx);
        }
        return get(userId, jobId, trx);
      });
    },

    /** A vine's jobs, newest first (the vine page's history). */
    listForVine: async (userId: string, vineId: string, opts: { limit?: number } = {}): Promise<JobRecord[]> => (isUuid(vineId) && isUuid(userId) ? jobs.listForUser(userId, { ...opts, vineId }) : []),

    /** The user's jobs, newest first; `identityId`: only those that used that identity. */
    listForUser: async (userId: string, opts: { limit?: number; identityId?: string } = {}): Promise<JobRecord[]> => (isUuid(userId) ? jobs.listForUser(userId, opts) : []),

    page: jobs.page,

    async logs(userId: string, jobId: string, afterSeq = 0, limit = 1000): Promise<StoredLogLine[]> {
      await get(userId, jobId);
      return readLogs(knex, jobId, afterSeq, Math.min(Math.max(limit, 1), 5000));
    },
  };
}

export type JobService = ReturnType<typeof createJobService>;
