/**
 * Finds Tendrils whose heartbeat stopped and cleans up after them: their jobs FAILED with
 * "Tendril <name> stopped responding", their vines FAILED (retryable), components caught mid-change
 * FAILED, Terraform's database sessions (holding the state lock) terminated, and their
 * graphile-worker locks released — otherwise the vine's named queue stays locked for 4 hours.
 * Idempotent and safe to run from every Tendril at once: each step is a guarded transition.
 */
import type { Knex } from 'knex';
import { createComponentRepository } from '../components/repository.js';
import { createJobRepository } from '../jobs/repository.js';
import { appendSystemLine } from '../jobs/log-writer.js';
import { JOB_RUNNING, JOB_TYPE_INFO } from '../jobs/status.js';
import { createVineRepository } from '../vines/repository.js';
import { createTendrilRepository } from './repository.js';

export interface ReapedTendril {
  id: string;
  name: string;
  jobs: string[];
}

/** Terraform runs connect with this application_name, so their sessions can be found. */
export const terraformSessionName = (jobId: string) => `vintner-tf-${jobId}`;

export async function reapDeadTendrils(knex: Knex, deadAfterSeconds: number): Promise<ReapedTendril[]> {
  const tendrils = createTendrilRepository(knex);
  const jobs = createJobRepository(knex);
  const vines = createVineRepository(knex);
  const components = createComponentRepository(knex);
  const dead = await tendrils.transition({ status: 'RUNNING' }, 'DEAD', knex, tendrils.silentFor(deadAfterSeconds));
  const reaped: ReapedTendril[] = [];
  for (const t of dead) {
    const message = `Tendril ${t.name} stopped responding (no heartbeat for over ${deadAfterSeconds} s); retry when ready`;
    const failedIds = await knex.transaction(async (trx) => {
      const failed = await jobs.transition({ tendril_id: t.id }, 'FAILED', { error: message }, trx, { from: JOB_RUNNING });
      for (const job of failed) {
        await appendSystemLine(trx, job.id, `failed: ${message}`, 'error');
        await trx.raw('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = ?', [terraformSessionName(job.id)]);
        const move = JOB_TYPE_INFO[job.type].vine;
        if (job.vine_id && move) {
          await vines.transition(job.vine_id, 'FAILED', { error: message }, trx, { from: [move.start, ...(move.running ? [move.running] : [])] });
          await components.failInFlight(job.vine_id, message, trx);
        }
      }
      if (t.worker_ids.length) await trx.raw('SELECT graphile_worker.force_unlock_workers(?::text[])', [t.worker_ids]);
      const gids = failed.map((j) => j.graphile_job_id).filter((g): g is string => g !== null);
      // max_attempts is 1 for Terraform jobs: the row would only sit there; the user retries.
      if (gids.length) await trx.raw('SELECT graphile_worker.complete_jobs(?::bigint[])', [gids]);
      return failed.map((j) => j.id);
    });
    reaped.push({ id: t.id, name: t.name, jobs: failedIds });
  }
  return reaped;
}
