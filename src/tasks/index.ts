/**
 * The graphile-worker tasks of a Tendril: one per job type (each claims and runs the provision job
 * its payload names), and two periodic ones — the dead-Tendril check (the heartbeat's own check,
 * once a minute as a backstop) and graphile-worker's own clean-up of empty per-vine queues.
 */
import type { TaskList, WorkerUtils } from 'graphile-worker';
import type { Knex } from 'knex';
import { JOB_TYPES } from '../domain/jobs/status.js';
import { reapDeadTendrils } from '../domain/tendrils/reaper.js';
import { runProvisionJob, type CancelRegistry, type RunnerDeps } from '../runner/index.js';

export interface TaskDeps {
  knex: Knex;
  deadAfterSeconds: number;
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
    list[type] = async (payload) => {
      await runProvisionJob(deps.runner, assertJobPayload(payload).jobId, deps.cancels, deps.shutdown);
    };
  }
  list[REAP] = async (_payload, helpers) => {
    for (const t of await reapDeadTendrils(deps.knex, deps.deadAfterSeconds)) helpers.logger.warn(`Tendril ${t.name} declared dead; failed jobs: ${t.jobs.join(', ') || 'none'}`);
  };
  // Per-vine queue names are many: graphile-worker asks for periodic clean-up of empty queues.
  list[GC_QUEUES] = async () => (await deps.workerUtils()).cleanup({ tasks: ['GC_JOB_QUEUES'] });
  return list;
}
