/**
 * Cleans up after runs that lost their Tendril (docs/DESIGN.md "Leases"): a job whose lease ended
 * more than the margin ago — on the database's clock, outages not counted — is FAILED with the
 * reason, its lease taken away (every later write of the old run is refused), its vine FAILED
 * (retryable), its components caught mid-change FAILED, and its state lock released. A Tendril silent as long is DEAD, and its graphile-worker locks are released
 * so the vine's queue moves on. By then the old run's Terraform is gone: its Tendril stopped it
 * (or a watchdog did, when the Tendril itself died) well before.
 * Idempotent and safe to run from every Tendril at once: each step is a guarded transition.
 */
import type { Knex } from 'knex';
import { createComponentRepository } from '../components/repository.js';
import { createJobRepository } from '../jobs/repository.js';
import { appendSystemLine } from '../jobs/log-writer.js';
import { JOB_TERMINAL, JOB_TYPE_INFO } from '../jobs/status.js';
import type { LeaseTiming } from '../jobs/lease.js';
import { createVineRepository } from '../vines/repository.js';
import { createTendrilRepository } from './repository.js';
import { releaseStateLocks } from '../state/service.js';

export interface ReapedTendril {
  id: string;
  name: string;
  jobs: string[];
}

export interface ReapResult {
  /** Jobs failed because their lease ran out. */
  jobs: Array<{ id: string; tendril: string | null }>;
  /** Tendrils declared dead. */
  tendrils: ReapedTendril[];
}


export async function reap(knex: Knex, timing: Pick<LeaseTiming, 'ttlSeconds' | 'reapMarginSeconds'>): Promise<ReapResult> {
  const tendrils = createTendrilRepository(knex);
  const jobs = createJobRepository(knex);
  const vines = createVineRepository(knex);
  const components = createComponentRepository(knex);
  const silence = timing.ttlSeconds + timing.reapMarginSeconds;

  const failed = await knex.transaction(async (trx) => {
    // The message names each job's Tendril: worked out by the same statement that fails the job.
    const message = trx.raw(
      `'Tendril ' || coalesce((SELECT t.name FROM tendrils t WHERE t.id = provision_jobs.tendril_id), 'unknown') || ?`,
      [` stopped responding: its lease on this job ran out (no renewal for over ${silence} s) and its Terraform was stopped; retry when ready`],
    );
    const moved = await jobs.reapExpired(timing.ttlSeconds, timing.reapMarginSeconds, message, trx);
    const names = new Map<string, string>(
      moved.length ? (await trx('tendrils').whereIn('id', moved.map((j) => j.tendril_id).filter((x): x is string => !!x)).select('id', 'name')).map((r: { id: string; name: string }) => [r.id, r.name]) : [],
    );
    for (const job of moved) {
      const message = job.error ?? 'its Tendril stopped responding';
      await appendSystemLine(trx, job.id, `failed: ${message}`, 'error');
      // Its Terraform is gone by now (its Tendril stopped it, or the watchdog did): the lock it held goes too.
      await releaseStateLocks(trx, [job.id]);
      const move = JOB_TYPE_INFO[job.type].vine;
      if (job.vine_id && move) {
        await vines.transition(job.vine_id, 'FAILED', { error: message }, trx, { from: [move.start, ...(move.running ? [move.running] : [])] });
        await components.failInFlight(job.vine_id, message, trx);
      }
    }
    return moved.map((j) => ({ id: j.id, tendril: j.tendril_id ? (names.get(j.tendril_id) ?? null) : null }));
  });

  // A Tendril is DEAD together with the release of its graphile-worker locks (one transaction):
  // nobody sees it dead while the vines' queues it held are still locked.
  const reaped = await knex.transaction(async (trx) => {
    const dead = await tendrils.transition({ status: 'RUNNING' }, 'DEAD', trx, tendrils.silentFor(silence));
    const out: ReapedTendril[] = [];
    for (const t of dead) {
      // Its graphile-worker locks: otherwise the vine's named queue stays locked for 4 hours.
      if (t.worker_ids.length) await trx.raw('SELECT graphile_worker.force_unlock_workers(?::text[])', [t.worker_ids]);
      const done: Array<{ id: string; graphile_job_id: string | null }> = await trx('provision_jobs').where({ tendril_id: t.id }).whereIn('status', JOB_TERMINAL).whereNotNull('graphile_job_id').select('id', 'graphile_job_id');
      // max_attempts is 1 for Terraform jobs: the graphile row would only sit there; the user retries.
      if (done.length) await trx.raw('SELECT graphile_worker.complete_jobs(?::bigint[])', [done.map((j) => j.graphile_job_id!)]);
      out.push({ id: t.id, name: t.name, jobs: failed.filter((f) => f.tendril === t.name).map((f) => f.id) });
    }
    return out;
  });
  return { jobs: failed, tendrils: reaped };
}

export interface ReaperLog {
  warn(obj: object, msg: string, ...args: unknown[]): void;
}

/**
 * The reaper as Trellis runs it, every heartbeat interval: Tendrils reap on their own heartbeats,
 * but remote Tendrils (a pool's, over HTTPS) cannot reach the database, so with only those a dead
 * one would never be reaped. Trellis runs it whatever Tendrils exist; every run is idempotent.
 *
 * Each pass ticks the outage clock first, as a Tendril's heartbeat does: remote Tendrils reach the
 * database only through Trellis, so Trellis (or the database) being away is an outage for all of
 * them — a tick finding the last one too old records its end, and leases count from then. With
 * Trellis up and ticking, a remote Tendril that went silent is simply dead, reaped on time.
 */
export function startReaper(knex: Knex, timing: Pick<LeaseTiming, 'ttlSeconds' | 'reapMarginSeconds' | 'renewMs' | 'outageGapSeconds'>, log: ReaperLog): { stop(): void } {
  let running = false;
  let failures = 0;
  const tendrils = createTendrilRepository(knex);
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    tendrils
      .tick(timing.outageGapSeconds)
      .then(() => reap(knex, timing))
      .then((r) => {
        failures = 0;
        for (const j of r.jobs) log.warn({ jobId: j.id, tendril: j.tendril }, 'job %s lost its Tendril (%s): failed', j.id, j.tendril ?? 'unknown');
        for (const t of r.tendrils) log.warn({ dead: t.name }, 'Tendril %s stopped responding: declared dead', t.name);
      })
      .catch((err: Error) => {
        // The database away: said once, then quiet until it is back.
        if (failures++ === 0) log.warn({ err: { message: err.message } }, 'the reaper could not reach the database: %s', err.message);
      })
      .finally(() => (running = false));
  }, timing.renewMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
