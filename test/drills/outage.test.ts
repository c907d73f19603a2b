/**
 * Drills with the database stopped and started under running jobs (docs/DESIGN.md "Leases"):
 * what users care about is that nothing is created twice, nothing is lost, the message is true and
 * every job ends in a bounded time — and that no Tendril dies of it.
 */
import t from 'tap';
import { drillDatabase, startWorker, creations, explain, jobEnd, stateResources, terraformUnder, DRILL_KEY } from './harness.js';
import { seedVine } from '../fixtures.js';
import { createJobService } from '../../src/domain/jobs/service.js';
import { JOB_TERMINAL } from '../../src/domain/jobs/status.js';
import { waitFor } from '../tendril/harness.js';
import type { Knex } from 'knex';

const until = <T>(what: string, fn: () => Promise<T | false | undefined>, ms: number): Promise<T> => waitFor<T>(what, async () => (await fn().catch(() => false)) || undefined, ms, 200);

async function status(knex: Knex, jobId: string): Promise<{ status: string; error: string | null }> {
  return knex('provision_jobs').where({ id: jobId }).first('status', 'error');
}

/** Every resource of the vine's (few) components: main resources and their ready steps. */
function expectedResources(kinds: string[]): string[] {
  return kinds.flatMap((k) => [`terraform_data.${k}["main"]`, `terraform_data.${k}__ready["main"]`]).sort();
}

t.test('a 15 s outage in the middle of an apply: one apply at a time, nothing created twice, the state whole, a true message', { timeout: 300_000 }, async (t) => {
  const db = await drillDatabase(t);
  const v = await seedVine(db.knex, { options: { apply_delay_seconds: 20 } });
  const jobs = createJobService(db.knex);
  // Three components of different kinds, each taking 20 s to become ready.
  for (const [kind, settings] of [
    ['databases', { engine: 'postgres', engine_version: '16', size: 'small', storage_gb: 20, high_availability: false, backup_retention_days: 1 }],
    ['caches', { engine: 'redis', size: 'small', node_count: 1, high_availability: false }],
    ['secrets', { description: '', generate_length: 16, recovery_window_days: 0 }],
  ] as const) {
    await db.knex(`vine_${kind}`).insert({ vine_id: v.vineId, name: 'main', ...settings });
  }
  const a = startWorker(t, db.url, 'drill-a');
  const b = startWorker(t, db.url, 'drill-b');
  await until('two Tendrils', async () => (await db.knex('tendrils').where({ status: 'RUNNING' })).length === 2, 60_000);

  const first = await jobs.create({ userId: v.userId, type: 'DEPLOY', vineId: v.vineId });
  await until('the apply to start', async () => (await db.knex('provision_job_logs').where({ job_id: first.id }).where('line', 'like', '%provisioning%').first()) !== undefined, 60_000);
  await new Promise((r) => setTimeout(r, 3000));
  const stoppedAt = Date.now();
  await db.stop();
  await new Promise((r) => setTimeout(r, 15_000));
  await db.start();
  const backAt = Date.now();
  t.comment(`database down for ${Math.round((backAt - stoppedAt) / 1000)} s`);

  const ended = await jobEnd(t, db.knex, first.id, 60_000, [a, b]);
  t.comment(`first job ${ended.status} ${Math.round((Date.now() - backAt) / 1000)} s after the database returned: ${ended.error}`);
  t.ok(a.alive() && b.alive(), 'both Tendrils outlived the outage');
  t.ok(['FAILED', 'SUCCESS'].includes(ended.status), 'the job ended FAILED or SUCCESS');
  if (ended.status === 'FAILED') t.match(ended.error, /database could not be reached|database was unreachable|stopped responding|could not save/i, 'with a true message: the database, not a dead Tendril');

  // A retry as soon as the job showed its end.
  const retry = await jobs.create({ userId: v.userId, type: 'DEPLOY', vineId: v.vineId });
  const done = await until('the retry to end', async () => {
    const s = await status(db.knex, retry.id);
    return JOB_TERMINAL.includes(s.status as never) && s;
  }, 120_000);
  t.equal(done.status, 'SUCCESS', `the retry succeeds (${done.error ?? ''})`);

  // One apply at a time: everything the first run's Terraform printed came before the retry's first command.
  const lastOfFirst = await db.knex('provision_job_logs').where({ job_id: first.id }).whereIn('stream', ['stdout', 'stderr']).max('created_at as at').first();
  const firstOfRetry = await db.knex('provision_job_logs').where({ job_id: retry.id }).where('line', 'like', '$ terraform%').min('created_at as at').first();
  t.ok(new Date(lastOfFirst!.at).getTime() <= new Date(firstOfRetry!.at).getTime(), 'the first run’s Terraform was done before the retry’s began');

  const created = await creations(db.knex, [first.id, retry.id]);
  const twice = [...created].filter(([, n]) => n > 1);
  if (twice.length) await explain(t, db.knex, [first.id, retry.id]);
  t.same(twice, [], 'no resource was created twice');
  const inState = await stateResources(db.knex, DRILL_KEY, v.vineId);
  t.same(inState, expectedResources(['caches', 'databases', 'secrets']).concat(['terraform_data.secrets__seed["main"]']).sort(), 'the state lists every resource, once');
  t.same([...terraformUnder(a.tmp), ...terraformUnder(b.tmp)], [], 'no Terraform left running');
});

t.test('an outage at a job’s end: the Tendril lives on and the job ends within 30 s of the database’s return; the vine’s queue moves on', { timeout: 240_000 }, async (t) => {
  const db = await drillDatabase(t);
  const v = await seedVine(db.knex, { options: { apply_delay_seconds: 3 } });
  await db.knex('vine_queues').insert({ vine_id: v.vineId, name: 'main', fifo: false, visibility_timeout_seconds: 30, message_retention_seconds: 345600, dead_letter: false });
  const jobs = createJobService(db.knex);
  const w = startWorker(t, db.url, 'drill-end');
  await until('the Tendril', async () => (await db.knex('tendrils').where({ status: 'RUNNING' })).length === 1, 60_000);

  const job = await jobs.create({ userId: v.userId, type: 'DEPLOY', vineId: v.vineId });
  await until('the apply to be under way', async () => (await db.knex('provision_job_logs').where({ job_id: job.id }).where('line', 'like', '%provisioning%').first()) !== undefined, 60_000);
  // The ready steps take 3 s: stopping now lands at the apply's end (state saved, then the bookkeeping).
  await new Promise((r) => setTimeout(r, 2500));
  await db.stop();
  await new Promise((r) => setTimeout(r, 6000));
  await db.start();
  const backAt = Date.now();
  const ended = await jobEnd(t, db.knex, job.id, 30_000, [w]);
  t.comment(`the job ended ${ended.status} ${((Date.now() - backAt) / 1000).toFixed(1)} s after the database returned: ${ended.error ?? ''}`);
  t.ok(w.alive(), `the Tendril process is still alive (${w.output().slice(-500)})`);

  // Nothing stuck: the next job of the vine runs (its graphile-worker queue was released).
  const next = await jobs.create({ userId: v.userId, type: 'PLAN', vineId: v.vineId });
  const planned = await until('the next job of the vine', async () => {
    const s = await status(db.knex, next.id);
    return JOB_TERMINAL.includes(s.status as never) && s;
  }, 60_000);
  t.equal(planned.status, 'SUCCESS', 'the vine’s next job runs');
  const created = await creations(db.knex, [job.id]);
  t.ok([...created.values()].every((n) => n === 1), 'each resource created once');
});
