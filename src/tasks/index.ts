/**
 * The graphile-worker tasks of a Tendril: one per job type (each claims and runs the provision job
 * its payload names), and two periodic ones — the dead-Tendril check (the heartbeat's own check,
 * once a minute as a backstop) and graphile-worker's own clean-up of empty per-vine queues.
 */
import type { TaskList, WorkerUtils } from 'graphile-worker';
import type { Knex } from 'knex';
import { JOB_TYPES } from '../domain/jobs/status.js';
import { reap } from '../domain/tendrils/reaper.js';
import type { LeaseTiming } from '../domain/jobs/lease.js';
import { untilReachable } from '../db/errors.js';
import { runProvisionJob, type CancelRegistry, type RunnerDeps } from '../runner/index.js';

export interface TaskDeps {
  knex: Knex;
  timing: LeaseTiming;
  /** graphile-worker ids of this Tendril (its pool's and its workers'). */
  workerIds: () => string[];
  runner: RunnerDeps;
  cancels: CancelRegistry;
  /** Aborted when the Tendril shuts down: running jobs are interrupted cleanly. */
  shutdown: AbortSignal;
  /** graphile-worker's utilities on the Tendril's pool (its clean-up). */
  workerUtils: () => Promise<WorkerUtils>;
}

const REAP = 'reap_tendrils';
const GC_QUEUES = 'gc_job_queues';

export const CRONTAB = [
  { task: REAP, match: '* * * * *', identifier: REAP, options: { backfillPeriod: 0 } },
  { task: GC_QUEUES, match: '17 * * * *', identifier: GC_QUEUES, options: { backfillPeriod: 0 } },
];

/** Payloads come from our own add_job calls, but the queue is a database table: check anyway. */
export function assertJobPayload(payload: unknown): { jobId: string } {
  const p = payload as { jobId?: unknown } | null;
  if (!p || typeof p.jobId !== 'string' || !/^[0-9a-f-]{36}$/i.test(p.jobId)) {
    throw new Error(`invalid job payload: ${JSON.stringify(payload)?.slice(0, 200)}`);
  }
  return { jobId: p.jobId };
}

export function createTaskList(deps: TaskDeps): TaskList {
  const list: TaskList = {};
  for (const type of JOB_TYPES) {
    list[type] = async (payload, helpers) => {
      await runProvisionJob(deps.runner, assertJobPayload(payload).jobId, deps.cancels, deps.shutdown);
      // The graphile-worker job is completed here, waiting out a database outage, rather than by
      // graphile-worker after this returns: its own completion is tried once, and a failed one
      // leaves the vine's queue locked for hours.
      await untilReachable(() => completeJob(deps.knex, helpers.job.id, deps.workerIds())).catch((err: Error) => helpers.logger.error(`completing graphile job ${helpers.job.id} failed: ${err.message}`));
    };
  }
  list[REAP] = async (_payload, helpers) => {
    const r = await reap(deps.knex, deps.timing);
    for (const t of r.tendrils) helpers.logger.warn(`Tendril ${t.name} declared dead; failed jobs: ${t.jobs.join(', ') || 'none'}`);
  };
  // Per-vine queue names are many: graphile-worker asks for periodic clean-up of empty queues.
  list[GC_QUEUES] = async () => (await deps.workerUtils()).cleanup({ tasks: ['GC_JOB_QUEUES'] });
  return list;
}

/** graphile-worker's own completion (dist/sql/completeJobs.js): the job deleted, its queue unlocked if we hold it. */
async function completeJob(knex: Knex, graphileJobId: string, workerIds: string[]): Promise<void> {
  await knex.raw(
    `WITH j AS (DELETE FROM graphile_worker._private_jobs WHERE id = ?::bigint RETURNING job_queue_id)
     UPDATE graphile_worker._private_job_queues q SET locked_by = NULL, locked_at = NULL
     FROM j WHERE q.id = j.job_queue_id AND q.locked_by = ANY(?::text[])`,
    [graphileJobId, workerIds],
  );
}
