/**
 * Jobs: creating one inserts `provision_jobs` and calls graphile-worker's `add_job` in the same
 * transaction (never lost, never doubled), with the vine's lifecycle move in that transaction too.
 * Every read is scoped to the acting user (a job belongs to a vine or an identity of theirs).
 */
import type { Knex } from 'knex';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import { vineLifecycle, type VineStatus } from '../vines/status.js';
import { JobStatus, JOB_TERMINAL, JobType, IDENTITY_JOB_TYPES, type JobType as JobTypeT } from './status.js';
import { CHANNEL, notify } from './events.js';
import { readLogs, type StoredLogLine } from './log-writer.js';
import { isUuid } from '../validation.js';

export interface JobRow {
  id: string;
  vine_id: string | null;
  identity_id: string | null;
  created_by: string | null;
  type: JobTypeT;
  status: JobStatus;
  previous_vine_status: VineStatus | null;
  plan_job_id: string | null;
  config_version: number | null;
  tendril_id: string | null;
  graphile_job_id: number | null;
  error: string | null;
  result: Record<string, unknown> | null;
  queued_at: Date;
  claimed_at: Date | null;
  processing_at: Date | null;
  finished_at: Date | null;
  cancel_requested_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

/** Columns safe to hand to a page or the API: never the (encrypted) plan file. */
export const JOB_COLUMNS = [
  'id', 'vine_id', 'identity_id', 'created_by', 'type', 'status', 'previous_vine_status', 'plan_job_id', 'config_version',
  'tendril_id', 'graphile_job_id', 'error', 'result', 'queued_at', 'claimed_at', 'processing_at', 'finished_at',
  'cancel_requested_at', 'created_at', 'updated_at',
].map((c) => `provision_jobs.${c}`);

export const queueName = (vineId: string) => `vine:${vineId}`;
/** Terraform jobs are never blindly retried: the user retries a FAILED vine. */
const MAX_ATTEMPTS: Record<JobTypeT, number> = {
  CONNECTION_TEST: 3, FETCH_RESOURCES: 3, BOOTSTRAP: 1, PLAN: 1, DEPLOY: 1, DESTROY: 1, DEPLOY_WORKER: 1, DESTROY_WORKER: 1,
};
const VINE_JOB_TYPES: readonly JobTypeT[] = [JobType.BOOTSTRAP, JobType.PLAN, JobType.DEPLOY, JobType.DESTROY, JobType.DEPLOY_WORKER, JobType.DESTROY_WORKER];

export interface CreateJobInput {
  userId: string;
  type: JobTypeT;
  vineId?: string;
  identityId?: string;
  planJobId?: string;
}

interface VineForJob {
  id: string;
  status: VineStatus;
  config_version: number;
  identity_id: string;
}

/** The vine, locked for this transaction, if it belongs to the user. */
async function lockVine(trx: Knex.Transaction, userId: string, vineId: string): Promise<VineForJob> {
  const vine = await trx('vines')
    .join('vineyards', 'vineyards.id', 'vines.vineyard_id')
    .where({ 'vines.id': vineId, 'vineyards.user_id': userId })
    .forUpdate('vines')
    .first<VineForJob | undefined>('vines.id', 'vines.status', 'vines.config_version', 'vines.identity_id');
  if (!vine) throw new NotFoundError(`vine ${vineId} not found`);
  return vine;
}

export function createJobService(knex: Knex) {
  /** The job if the user may see it (its vine's vineyard or its identity is theirs). */
  function scoped(userId: string, db: Knex | Knex.Transaction = knex) {
    return db('provision_jobs')
      .leftJoin('vines', 'vines.id', 'provision_jobs.vine_id')
      .leftJoin('vineyards', 'vineyards.id', 'vines.vineyard_id')
      .leftJoin('cloud_identities', 'cloud_identities.id', 'provision_jobs.identity_id')
      .where((q) => q.where('vineyards.user_id', userId).orWhere('cloud_identities.user_id', userId));
  }

  async function get(userId: string, jobId: string, db: Knex | Knex.Transaction = knex): Promise<JobRow> {
    if (!isUuid(jobId)) throw new NotFoundError(`job ${jobId} not found`);
    const job = await scoped(userId, db).where('provision_jobs.id', jobId).first<JobRow | undefined>(JOB_COLUMNS);
    if (!job) throw new NotFoundError(`job ${jobId} not found`);
    return job;
  }

  async function enqueue(trx: Knex.Transaction, job: JobRow, queue: string | null): Promise<JobRow> {
    const { rows } = await trx.raw<{ rows: Array<{ id: number }> }>(
      `SELECT id FROM graphile_worker.add_job(?, json_build_object('jobId', ?::text), queue_name => ?, max_attempts => ?, job_key => ?)`,
      [job.type, job.id, queue, MAX_ATTEMPTS[job.type], `provision:${job.id}`],
    );
    const [updated] = await trx('provision_jobs').where({ id: job.id }).update({ graphile_job_id: rows[0]!.id }).returning(JOB_COLUMNS.map((c) => c.replace('provision_jobs.', '')));
    await notify(trx, CHANNEL.jobStatus, `${job.id}:${job.vine_id ?? '-'}:${job.status}`);
    if (job.vine_id) await notify(trx, CHANNEL.vineStatus, job.vine_id);
    return updated as JobRow;
  }

  async function createVineJob(trx: Knex.Transaction, input: CreateJobInput): Promise<JobRow> {
    const vine = await lockVine(trx, input.userId, input.vineId!);
    let previous: VineStatus | null = null;
    if (input.type === JobType.DEPLOY || input.type === JobType.DESTROY) {
      const to: VineStatus = input.type === JobType.DEPLOY ? 'QUEUED' : 'DESTROYING';
      if (!vineLifecycle.can(vine.status, to)) {
        const open = await trx('provision_jobs').where({ vine_id: vine.id }).whereIn('status', ['QUEUED', 'CLAIMED', 'PROCESSING']).whereIn('type', ['DEPLOY', 'DESTROY']).first('id', 'type');
        throw new ConflictError(
          open
            ? `vine is ${vine.status}: ${open.type} job ${open.id} must finish (or be cancelled) before a ${input.type} can start`
            : `vine is ${vine.status}: a ${input.type} cannot start now`,
        );
      }
      if (input.type === JobType.DESTROY && vine.status === 'DRAFT') throw new ConflictError('vine is DRAFT: nothing to destroy');
      previous = vine.status;
      await trx('vines').where({ id: vine.id, status: vine.status }).update({ status: to, error: null, updated_at: trx.fn.now() });
    }
    if (input.planJobId !== undefined) {
      if (input.type !== JobType.DEPLOY) throw new ValidationError('only a DEPLOY can apply a plan', [{ field: 'planJobId', message: 'only for DEPLOY' }]);
      const plan = isUuid(input.planJobId) ? await trx('provision_jobs').where({ id: input.planJobId, vine_id: vine.id }).first('id', 'type', 'status', 'config_version') : undefined;
      if (!plan || plan.type !== JobType.PLAN) throw new ValidationError(`plan ${input.planJobId} is not a PLAN job of this vine`, [{ field: 'planJobId', message: 'not a plan of this vine' }]);
      if (plan.status !== JobStatus.SUCCESS) throw new ConflictError(`plan ${plan.id} is ${plan.status}: only a successful plan can be applied`);
      if (plan.config_version !== vine.config_version) {
        throw new ConflictError(`plan ${plan.id} is stale: the vine's configuration changed since it was planned; run a new plan`);
      }
    }
    const [job] = await trx('provision_jobs')
      .insert({
        vine_id: vine.id,
        identity_id: vine.identity_id,
        created_by: input.userId,
        type: input.type,
        previous_vine_status: previous,
        plan_job_id: input.planJobId ?? null,
        config_version: vine.config_version,
      })
      .returning('*');
    return enqueue(trx, job as JobRow, queueName(vine.id));
  }

  async function createIdentityJob(trx: Knex.Transaction, input: CreateJobInput): Promise<JobRow> {
    const identity = isUuid(input.identityId)
      ? await trx('cloud_identities').where({ id: input.identityId, user_id: input.userId }).first('id')
      : undefined;
    if (!identity) throw new NotFoundError(`identity ${input.identityId} not found`);
    const [job] = await trx('provision_jobs').insert({ identity_id: identity.id, created_by: input.userId, type: input.type }).returning('*');
    return enqueue(trx, job as JobRow, `identity:${identity.id}`);
  }

  return {
    get,

    /** Creates a job and enqueues it, or refuses with the reason the vine's state gives. */
    async create(input: CreateJobInput): Promise<JobRow> {
      try {
        return await knex.transaction(async (trx) => {
          if (IDENTITY_JOB_TYPES.includes(input.type)) return createIdentityJob(trx, input);
          if (!VINE_JOB_TYPES.includes(input.type)) throw new ValidationError(`unknown job type ${input.type}`, [{ field: 'type', message: 'unknown job type' }]);
          if (!isUuid(input.vineId)) throw new NotFoundError(`vine ${input.vineId} not found`);
          return createVineJob(trx, input);
        });
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
    async cancel(userId: string, jobId: string): Promise<JobRow> {
      return knex.transaction(async (trx) => {
        const job = await get(userId, jobId, trx);
        await trx('provision_jobs').where({ id: job.id }).forUpdate().first('id');
        const [current] = await trx('provision_jobs').where({ id: job.id }).select('status');
        const status = current.status as JobStatus;
        if (JOB_TERMINAL.includes(status)) throw new ConflictError(`job is already ${status}`);
        if (status === JobStatus.QUEUED) {
          await trx('provision_jobs').where({ id: job.id, status: 'QUEUED' }).update({ status: 'CANCELLED', finished_at: trx.fn.now(), cancel_requested_at: trx.fn.now(), error: 'cancelled before it started', updated_at: trx.fn.now() });
          await trx.raw('SELECT graphile_worker.remove_job(?)', [`provision:${job.id}`]);
          if (job.vine_id && job.previous_vine_status && (job.type === 'DEPLOY' || job.type === 'DESTROY')) {
            const from = job.type === 'DEPLOY' ? 'QUEUED' : 'DESTROYING';
            await trx('vines').where({ id: job.vine_id, status: from }).update({ status: job.previous_vine_status, updated_at: trx.fn.now() });
            await notify(trx, CHANNEL.vineStatus, job.vine_id);
          }
          await notify(trx, CHANNEL.jobStatus, `${job.id}:${job.vine_id ?? '-'}:CANCELLED`);
        } else {
          await trx('provision_jobs').where({ id: job.id }).update({ cancel_requested_at: trx.fn.now(), updated_at: trx.fn.now() });
          await notify(trx, CHANNEL.cancel, job.id);
        }
        return get(userId, jobId, trx);
      });
    },

    async listForVine(userId: string, vineId: string, opts: { limit?: number; before?: Date } = {}): Promise<JobRow[]> {
      let q = scoped(userId).where('provision_jobs.vine_id', vineId).orderBy([{ column: 'provision_jobs.created_at', order: 'desc' }, { column: 'provision_jobs.id', order: 'desc' }]).limit(Math.min(opts.limit ?? 50, 200));
      if (opts.before) q = q.where('provision_jobs.created_at', '<', opts.before);
      return q.select(JOB_COLUMNS);
    },

    /** The user's jobs, newest first; `identityId`: only those that used that identity. */
    async listForUser(userId: string, opts: { limit?: number; identityId?: string } = {}): Promise<JobRow[]> {
      let q = scoped(userId).orderBy('provision_jobs.created_at', 'desc').limit(Math.min(opts.limit ?? 50, 200));
      if (opts.identityId) q = q.where('provision_jobs.identity_id', opts.identityId);
      return q.select(JOB_COLUMNS);
    },

    async logs(userId: string, jobId: string, afterSeq = 0, limit = 1000): Promise<StoredLogLine[]> {
      await get(userId, jobId);
      return readLogs(knex, jobId, afterSeq, Math.min(Math.max(limit, 1), 5000));
    },
  };
}

export type JobService = ReturnType<typeof createJobService>;
