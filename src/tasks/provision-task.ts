import type { Task } from 'graphile-worker';
import { runProvisionJob, type CancelRegistry, type RunnerDeps } from '../domain/jobs/runner.js';

export interface TaskDeps {
  runner: RunnerDeps;
  cancels: CancelRegistry;
  /** Aborted when the Tendril shuts down: running jobs are interrupted cleanly. */
  shutdown: AbortSignal;
}

/** Payloads come from our own add_job calls, but the queue is a database table: check anyway. */
export function assertJobPayload(payload: unknown): { jobId: string } {
  const p = payload as { jobId?: unknown } | null;
  if (!p || typeof p.jobId !== 'string' || !/^[0-9a-f-]{36}$/i.test(p.jobId)) {
    throw new Error(`invalid job payload: ${JSON.stringify(payload)?.slice(0, 200)}`);
  }
  return { jobId: p.jobId };
}

/** The task for one job type: claim and run the provision job the payload names. */
export const provisionTask =
  (deps: TaskDeps): Task =>
  async (payload) => {
    const { jobId } = assertJobPayload(payload);
    await runProvisionJob(deps.runner, jobId, deps.cancels, deps.shutdown);
  };
