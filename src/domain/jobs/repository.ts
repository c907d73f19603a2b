/**
 * `provision_jobs`: the one owner of the table. Every status change is `transition`, a guarded
 * UPDATE derived from the job lifecycle with its NOTIFY in the same statement; every other
 * module reads and writes jobs through here.
 */
import type { Knex } from 'knex';
import { transitionRows, type StatusTable, type TransitionOptions } from '../lifecycle.js';
import { CHANNEL, notify } from './events.js';
import { JOB_FIELDS, type Job } from './schema.js';
import { IN_HOUSE_JOB_TYPES, JOB_OPEN, JOB_RUNNING, jobLifecycle, LIFECYCLE_JOB_TYPES, type JobStatus, type JobType } from './status.js';
import type { Lease } from './lease.js';

/** SQL: the run holding `lease` still holds it (the job running, the epoch its own). Bindings: job id, epoch. */
export const LEASE_HELD = `EXISTS (SELECT 1 FROM provision_jobs l WHERE l.id = ? AND l.lease_epoch = ? AND l.status IN ('CLAIMED', 'PROCESSING'))`;
export const leaseBindings = (lease: Lease) => [lease.jobId, lease.epoch];

type Db = Knex | Knex.Transaction;

/**
 * SQL: the Tendril pool a job runs on (NULL: Vintner's own Tendrils), over the job row `alias`.
 * A job goes where its identity's pool says at the moment it is claimed; DEPLOY_WORKER and
 * DESTROY_WORKER always run in-house (they provision the pool). docs/DESIGN.md "Tendril pools".
 */
export const poolOfJob = (alias: string) =>
  `(CASE WHEN ${alias}.type = ANY('{${IN_HOUSE_JOB_TYPES.join(',')}}'::text[]) THEN NULL ELSE (SELECT ci.pool_id FROM cloud_identities ci WHERE ci.id = ${alias}.identity_id) END)`;

/**
 * SQL: the job `alias` is next in its line — no other job of its vine (or, for an identity's own
 * jobs, of its identity) is running or queued before it. What graphile-worker's per-vine queue
 * gives in-house Tendrils, for pool Tendrils' claims.
 */
const HEAD_OF_LINE = (alias: string) => `NOT EXISTS (
  SELECT 1 FROM provision_jobs o
  WHERE o.id <> ${alias}.id AND o.status IN ('QUEUED', 'CLAIMED', 'PROCESSING')
    AND (CASE WHEN ${alias}.vine_id IS NOT NULL THEN o.vine_id = ${alias}.vine_id ELSE o.vine_id IS NULL AND o.identity_id = ${alias}.identity_id END)
    AND (o.status <> 'QUEUED' OR (o.created_at, o.id) < (${alias}.created_at, ${alias}.id)))`;

/** A job row as the repository hands it out: the public fields, the graphile-worker job id and its lease's epoch. */
export type JobRecord = Job & { graphile_job_id: string | null; lease_epoch: number };

export const JOB_COLUMNS = [...JOB_FIELDS, 'graphile_job_id', 'lease_epoch'] as const;
const qualified = (alias: string) => JOB_COLUMNS.map((c) => `${alias}.${c}`);

const TABLE: StatusTable<JobStatus> = {
  table: 'provision_jobs',
  lifecycle: jobLifecycle,
  channel: CHANNEL.jobStatus,
  payload: `c.id || ':' || coalesce(c.vine_id::text, '-') || ':' || c.status`,
  returning: JOB_COLUMNS,
};

/** The time column each status stamps. */
const STAMP: Partial<Record<JobStatus, string>> = { CLAIMED: 'claimed_at', PROCESSING: 'processing_at', SUCCESS: 'finished_at', FAILED: 'finished_at', CANCELLED: 'finished_at' };

export interface NewJob {
  vine_id?: string | null;
  identity_id?: string | null;
  pool_id?: string | null;
  /** DEPLOY_WORKER / DESTROY_WORKER: the settings (JSON). */
  params?: string | null;
  created_by: string;
  type: JobType;
  previous_vine_status?: string | null;
  plan_job_id?: string | null;
  recover_job_id?: string | null;
  config_version?: number | null;
}

export interface JobPageRequest {
  limit: number;
  /** The last row of the previous page. */
  after?: { createdAt: string; id: string } | undefined;
}

export function createJobRepository(knex: Knex) {
  /** Jobs the user may see: their vine's vineyard, their identity, or their pool is theirs. */
  const scoped = (userId: string, db: Db = knex) =>
    db('provision_jobs as j')
      .leftJoin('vines as v', 'v.id', 'j.vine_id')
      .leftJoin('vineyards as vy', 'vy.id', 'v.vineyard_id')
      .leftJoin('cloud_identities as ci', 'ci.id', 'j.identity_id')
      .leftJoin('tendril_pools as tp', 'tp.id', 'j.pool_id')
      .where((q) => q.where('vy.user_id', userId).orWhere('ci.user_id', userId).orWhere('tp.user_id', userId));

  return {
    scoped,

    findForUser: (userId: string, id: string, db: Db = knex): Promise<JobRecord | undefined> =>
      scoped(userId, db).where('j.id', id).first(qualified('j')),

    /** A job by id, whoever it belongs to: for Tendrils and the reaper only. */
    find: (id: string, db: Db = knex): Promise<JobRecord | undefined> => db('provision_jobs').where({ id }).first(JOB_COLUMNS),

    /** SELECT … FOR UPDATE of the job row (cancel decides on its status). */
    lock: (id: string, trx: Knex.Transaction): Promise<JobRecord | undefined> => trx('provision_jobs').where({ id }).forUpdate().first(JOB_COLUMNS),

    async insert(row: NewJob, trx: Db = knex): Promise<JobRecord> {
      const [job] = await trx('provision_jobs').insert(row).returning(JOB_COLUMNS);
      return job as JobRecord;
    },

    /** Records the graphile-worker job that carries this one (none: routed to a pool) and announces the new job. */
    async enqueued(job: JobRecord, graphileJobId: string | null, trx: Db = knex): Promise<JobRecord> {
      const [updated] = await trx('provision_jobs').where({ id: job.id }).update({ graphile_job_id: graphileJobId }).returning(JOB_COLUMNS);
      await notify(trx, CHANNEL.jobStatus, `${job.id}:${job.vine_id ?? '-'}:${job.status}`);
      return updated as JobRecord;
    },

    /**
     * Moves the matching jobs to `to` (only those in a status the lifecycle lets move there, or in
     * `opts.from`), stamping the status's time, with `set` and one NOTIFY per job in the same
     * statement. Answers the jobs that moved.
     */
    transition(match: Record<string, unknown>, to: JobStatus, set: Record<string, unknown> = {}, db: Db = knex, opts: TransitionOptions<JobStatus> = {}): Promise<JobRecord[]> {
      const stamp = STAMP[to];
      return transitionRows<JobStatus, JobRecord>(db, TABLE, match, to, { ...(stamp ? { [stamp]: db.fn.now() } : {}), updated_at: db.fn.now(), ...set }, opts);
    },

    /**
     * QUEUED → CLAIMED by a Tendril, with a new lease (epoch + 1) ending `ttlSeconds` from now on
     * the database's clock, and the job's own credential (its hash; the claimer keeps the token).
     */
    async claim(id: string, tendrilId: string, ttlSeconds: number, jobTokenHash: string, db: Db = knex, opts: { inHouse?: boolean } = {}): Promise<JobRecord | undefined> {
      const [job] = await transitionRows<JobStatus, JobRecord>(
        db,
        TABLE,
        { id },
        'CLAIMED',
        {
          claimed_at: db.fn.now(),
          updated_at: db.fn.now(),
          tendril_id: tendrilId,
          job_token_hash: jobTokenHash,
          lease_epoch: db.raw('lease_epoch + 1'),
          lease_expires_at: db.raw('now() + make_interval(secs => ?)', [ttlSeconds]),
        },
        // An in-house Tendril never takes a job routed to a pool (its identity was bound meanwhile).
        opts.inHouse ? { where: (q) => void q.whereRaw(`${poolOfJob('provision_jobs')} IS NULL`) } : {},
      );
      return job;
    },

    /**
     * A pool Tendril's claim: the oldest QUEUED job routed to the pool that is next in its vine's
     * line, QUEUED → CLAIMED with a new lease and credential, in one transaction. Concurrent claims
     * skip each other's candidate (SKIP LOCKED) and never take two jobs of one vine: the second
     * job of a vine is not next in line while the first is queued or running.
     */
    async claimNextForPool(poolId: string, tendrilId: string, ttlSeconds: number, jobTokenHash: string): Promise<JobRecord | undefined> {
      return knex.transaction(async (trx) => {
        const { rows } = await trx.raw<{ rows: Array<{ id: string }> }>(
          `SELECT j.id FROM provision_jobs j
           WHERE j.status = 'QUEUED' AND ${poolOfJob('j')} = ? AND ${HEAD_OF_LINE('j')}
           ORDER BY j.created_at, j.id
           LIMIT 1
           FOR UPDATE OF j SKIP LOCKED`,
          [poolId],
        );
        const id = rows[0]?.id;
        return id ? this.claim(id, tendrilId, ttlSeconds, jobTokenHash, trx) : undefined;
      });
    },

    /**
     * A job this Tendril claimed whose answer never reached it (the connection dropped): it holds
     * the job CLAIMED but does not know it. Handed out again with a new credential and the lease
     * moved on (epoch + 1: anything sent under the first answer is refused).
     */
    async reissue(tendrilId: string, holding: string[], ttlSeconds: number, jobTokenHash: string, db: Db = knex): Promise<JobRecord | undefined> {
      const lost = await db('provision_jobs').where({ tendril_id: tendrilId, status: 'CLAIMED' }).whereNotIn('id', holding).orderBy('claimed_at').first('id');
      if (!lost) return undefined;
      const [job] = await db('provision_jobs')
        .where({ id: lost.id, tendril_id: tendrilId, status: 'CLAIMED' })
        .update({ job_token_hash: jobTokenHash, lease_epoch: db.raw('lease_epoch + 1'), lease_expires_at: db.raw('now() + make_interval(secs => ?)', [ttlSeconds]), updated_at: db.fn.now() })
        .returning(JOB_COLUMNS);
      return job as JobRecord | undefined;
    },

    /** A job claimed by a Tendril of the pool, with its credential's hash: what a pool Tendril may ask about. */
    findForPool: (poolId: string, id: string, db: Db = knex): Promise<(JobRecord & { job_token_hash: string | null; lease_expires_at: Date | null }) | undefined> =>
      db('provision_jobs as j')
        .join('tendrils as t', 't.id', 'j.tendril_id')
        .where({ 'j.id': id, 't.pool_id': poolId })
        .first([...qualified('j'), 'j.job_token_hash', 'j.lease_expires_at']),

    /** Of `jobIds`, those the Tendril runs that a user asked to cancel. */
    async cancelRequested(tendrilId: string, jobIds: string[], db: Db = knex): Promise<string[]> {
      if (!jobIds.length) return [];
      return db('provision_jobs').where({ tendril_id: tendrilId }).whereIn('id', jobIds).whereIn('status', JOB_RUNNING).whereNotNull('cancel_requested_at').pluck('id');
    },

    /** A transition of the run holding `lease`: refused (no row) once the lease was taken away. */
    transitionLeased(lease: Lease, to: JobStatus, set: Record<string, unknown> = {}, db: Db = knex): Promise<JobRecord[]> {
      return this.transition({ id: lease.jobId }, to, set, db, { where: (q) => q.where('lease_epoch', lease.epoch) });
    },

    /**
     * Extends the leases a Tendril holds to `ttlSeconds` from now; answers the ids still held
     * (a lease missing from the answer was taken away: the reaper failed its job).
     */
    async renew(tendrilId: string, leases: Lease[], ttlSeconds: number, db: Db = knex): Promise<Set<string>> {
      if (!leases.length) return new Set();
      const rows: Array<{ id: string }> = await db('provision_jobs')
        .where({ tendril_id: tendrilId })
        .whereIn('status', JOB_RUNNING)
        .whereIn(['id', 'lease_epoch'], leases.map((l) => [l.jobId, l.epoch]))
        .update({ lease_expires_at: db.raw('now() + make_interval(secs => ?)', [ttlSeconds]) })
        .returning('id');
      return new Set(rows.map((r) => r.id));
    },

    /**
     * Fails the running jobs whose lease ended more than `marginSeconds` ago, counting no time in
     * which every Tendril was silent (an outage: `tendril_clock.outage_ended_at` starts the lease
     * anew), and takes their leases away (epoch + 1). Answers the jobs failed.
     */
    reapExpired(ttlSeconds: number, marginSeconds: number, message: string | Knex.Raw, db: Db = knex): Promise<JobRecord[]> {
      return this.transition({}, 'FAILED', { error: message, lease_epoch: db.raw('lease_epoch + 1') }, db, {
        from: JOB_RUNNING,
        where: (q) =>
          q
            .where('lease_expires_at', '<', db.raw('now() - make_interval(secs => ?)', [marginSeconds]))
            .whereRaw('(SELECT outage_ended_at FROM tendril_clock WHERE id = 1) < now() - make_interval(secs => ?)', [ttlSeconds + marginSeconds]),
      });
    },

    /** Keeps the state a run could not push back (sealed), with its job, until it is recovered. */
    async keepErroredState(lease: Lease, sealed: Buffer, db: Db = knex): Promise<boolean> {
      const n = await db('provision_jobs').where({ id: lease.jobId, lease_epoch: lease.epoch }).update({ state_recovery_encrypted: sealed, updated_at: db.fn.now() });
      return n > 0;
    },

    /** The same, for a run whose Tendril died: salvaged from its work directory by the next Tendril. */
    async keepOrphanedState(jobId: string, sealed: Buffer, db: Db = knex): Promise<boolean> {
      const n = await db('provision_jobs').where({ id: jobId }).whereNull('state_recovery_encrypted').update({ state_recovery_encrypted: sealed, updated_at: db.fn.now() });
      return n > 0;
    },

    /** The kept state of a job (sealed), and the job's vine. */
    keptState: (jobId: string, db: Db = knex): Promise<{ id: string; vine_id: string | null; state_recovery_encrypted: Buffer | null } | undefined> =>
      db('provision_jobs').where({ id: jobId }).first('id', 'vine_id', 'state_recovery_encrypted'),

    async clearKeptState(jobId: string, db: Db = knex): Promise<void> {
      await db('provision_jobs').where({ id: jobId }).update({ state_recovery_encrypted: null, updated_at: db.fn.now() });
    },

    /** Asks the Tendril running the job to stop it (`vintner_cancel`); its status is the Tendril's to change. */
    async requestCancel(id: string, trx: Db = knex): Promise<void> {
      await trx('provision_jobs').where({ id }).update({ cancel_requested_at: trx.fn.now(), updated_at: trx.fn.now() });
      await notify(trx, CHANNEL.cancel, id);
    },

    statusOf: async (id: string, db: Db = knex): Promise<JobStatus | undefined> => (await db('provision_jobs').where({ id }).first('status'))?.status,

    /** The vine's DEPLOY or DESTROY that is queued or running, if any. */
    openLifecycleJob: (vineId: string, db: Db = knex): Promise<Pick<Job, 'id' | 'type' | 'status'> | undefined> =>
      db('provision_jobs').where({ vine_id: vineId }).whereIn('status', JOB_OPEN).whereIn('type', LIFECYCLE_JOB_TYPES).first('id', 'type', 'status'),

    /** Any job of the vine that is queued or running. */
    openForVine: (vineId: string, db: Db = knex): Promise<Pick<Job, 'id' | 'type' | 'status'> | undefined> =>
      db('provision_jobs').where({ vine_id: vineId }).whereIn('status', JOB_OPEN).first('id', 'type', 'status'),

    /** A PLAN job of the vine, with what a DEPLOY of it needs. */
    planOfVine: (vineId: string, planJobId: string, db: Db = knex): Promise<Pick<JobRecord, 'id' | 'type' | 'status' | 'config_version'> | undefined> =>
      db('provision_jobs').where({ id: planJobId, vine_id: vineId }).first('id', 'type', 'status', 'config_version'),

    /** The stored, sealed plan file of a PLAN job, with its summary. */
    planFile: (planJobId: string, db: Db = knex): Promise<{ id: string; config_version: number | null; result: Record<string, unknown> | null; plan_file_encrypted: Buffer | null } | undefined> =>
      db('provision_jobs').where({ id: planJobId }).first('id', 'config_version', 'result', 'plan_file_encrypted'),

    /** Jobs waiting and running, for the home page. */
    async counts(db: Db = knex): Promise<{ waiting: number; running: number }> {
      const rows = await db('provision_jobs').whereIn('status', JOB_OPEN).select('status').count<{ status: JobStatus; count: string }[]>('* as count').groupBy('status');
      const n = (pred: (s: JobStatus) => boolean) => rows.filter((r) => pred(r.status)).reduce((a, r) => a + Number(r.count), 0);
      return { waiting: n((s) => !JOB_RUNNING.includes(s)), running: n((s) => JOB_RUNNING.includes(s)) };
    },

    /** Jobs each Tendril holds now, by Tendril id. */
    async runningByTendril(db: Db = knex): Promise<Map<string, number>> {
      const rows = await db('provision_jobs').whereIn('status', JOB_RUNNING).whereNotNull('tendril_id').select('tendril_id').count<{ tendril_id: string; count: string }[]>('* as count').groupBy('tendril_id');
      return new Map(rows.map((r) => [r.tendril_id, Number(r.count)]));
    },

    /** The user's jobs, newest first; `identityId`: only those that used that identity. */
    listForUser(userId: string, opts: { limit?: number; identityId?: string; vineId?: string } = {}): Promise<JobRecord[]> {
      const q = scoped(userId).orderBy([{ column: 'j.created_at', order: 'desc' }, { column: 'j.id', order: 'desc' }]).limit(Math.min(opts.limit ?? 50, 200));
      if (opts.identityId) q.where('j.identity_id', opts.identityId);
      if (opts.vineId) q.where('j.vine_id', opts.vineId);
      return q.select(qualified('j'));
    },

    /**
     * A vine's (an identity's, a pool's) jobs one page at a time, newest first. Keyset paging on
     * (created_at, id): the cursor holds the last row's exact timestamp (as Postgres prints it, to
     * the microsecond; a JS Date would round it and skip rows), so pages never repeat or skip a job.
     * The caller has checked that the vine, identity or pool is the user's.
     */
    async page(of: { vineId: string } | { identityId: string } | { poolId: string }, page: JobPageRequest): Promise<{ jobs: JobRecord[]; last?: { createdAt: string; id: string }; more: boolean }> {
      const q = knex('provision_jobs as j')
        .where('vineId' in of ? { 'j.vine_id': of.vineId } : 'poolId' in of ? { 'j.pool_id': of.poolId } : { 'j.identity_id': of.identityId })
        .orderBy([{ column: 'j.created_at', order: 'desc' }, { column: 'j.id', order: 'desc' }])
        .limit(page.limit + 1)
        .select([...qualified('j'), knex.raw('j.created_at::text AS cursor_at')]);
      if (page.after) q.whereRaw('(j.created_at, j.id) < (?::timestamptz, ?::uuid)', [page.after.createdAt, page.after.id]);
      const rows = (await q) as Array<JobRecord & { cursor_at: string }>;
      const more = rows.length > page.limit;
      const kept = rows.slice(0, page.limit);
      const tail = kept[kept.length - 1];
      return {
        jobs: kept.map(({ cursor_at: _c, ...job }) => job as JobRecord),
        ...(tail ? { last: { createdAt: tail.cursor_at, id: tail.id } } : {}),
        more,
      };
    },
  };
}

export type JobRepository = ReturnType<typeof createJobRepository>;
