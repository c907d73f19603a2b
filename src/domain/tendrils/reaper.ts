/**
 * Finds Tendrils whose heartbeat stopped and cleans up after them: their jobs FAILED with
 * "Tendril <name> stopped responding", their vines FAILED (retryable), components caught mid-change
 * FAILED, Terraform's database sessions (holding the state lock) terminated, and their
 * graphile-worker locks released — otherwise the vine's named queue stays locked for 4 hours.
 * Idempotent and safe to run from every Tendril at once: each step is a guarded UPDATE.
 */
import type { Knex } from 'knex';
import { COMPONENT_KINDS } from '../components/catalogue.js';
import { CHANNEL, notify } from '../jobs/events.js';
import { nextSeq } from '../jobs/log-writer.js';

export interface ReapedTendril {
  id: string;
  name: string;
  jobs: string[];
}

/** Terraform runs connect with this application_name, so their sessions can be found. */
export const terraformSessionName = (jobId: string) => `vintner-tf-${jobId}`;

export async function reapDeadTendrils(knex: Knex, deadAfterSeconds: number): Promise<ReapedTendril[]> {
  const dead: Array<{ id: string; name: string; worker_ids: string[] }> = await knex('tendrils')
    .where({ status: 'RUNNING' })
    .andWhere('last_seen_at', '<', knex.raw('now() - make_interval(secs => ?)', [deadAfterSeconds]))
    .update({ status: 'DEAD', stopped_at: knex.fn.now() })
    .returning(['id', 'name', 'worker_ids']);
  const reaped: ReapedTendril[] = [];
  for (const t of dead) {
    const message = `Tendril ${t.name} stopped responding (no heartbeat for over ${deadAfterSeconds} s); retry when ready`;
    const jobs = await knex.transaction(async (trx) => {
      const failed: Array<{ id: string; vine_id: string | null; type: string; graphile_job_id: number | null }> = await trx('provision_jobs')
        .where({ tendril_id: t.id })
        .whereIn('status', ['CLAIMED', 'PROCESSING'])
        .update({ status: 'FAILED', finished_at: trx.fn.now(), error: message, updated_at: trx.fn.now() })
        .returning(['id', 'vine_id', 'type', 'graphile_job_id']);
      for (const job of failed) {
        await trx('provision_job_logs').insert({ job_id: job.id, seq: (await nextSeq(trx as unknown as Knex, job.id)) + 1, stream: 'system', level: 'error', line: `failed: ${message}` });
        await notify(trx, CHANNEL.jobStatus, `${job.id}:${job.vine_id ?? '-'}:FAILED`);
        await trx.raw('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = ?', [terraformSessionName(job.id)]);
        if (job.vine_id && (job.type === 'DEPLOY' || job.type === 'DESTROY')) {
          await trx('vines').where({ id: job.vine_id }).whereIn('status', ['QUEUED', 'PROVISIONING', 'DESTROYING']).update({ status: 'FAILED', error: message, updated_at: trx.fn.now() });
          for (const k of COMPONENT_KINDS) {
            await trx(k.table).where({ vine_id: job.vine_id }).whereIn('status', ['CREATING', 'UPDATING', 'DESTROYING']).update({ status: 'FAILED', error: message, updated_at: trx.fn.now() });
          }
          await notify(trx, CHANNEL.vineStatus, job.vine_id);
        }
      }
      if (t.worker_ids.length) await trx.raw('SELECT graphile_worker.force_unlock_workers(?::text[])', [t.worker_ids]);
      const gids = failed.map((j) => j.graphile_job_id).filter((g): g is number => g !== null);
      // max_attempts is 1 for Terraform jobs: the row would only sit there; the user retries.
      if (gids.length) await trx.raw('SELECT graphile_worker.complete_jobs(?::bigint[])', [gids]);
      return failed.map((j) => j.id);
    });
    reaped.push({ id: t.id, name: t.name, jobs });
  }
  return reaped;
}
