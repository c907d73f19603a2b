/** Tendrils as real `worker` processes: claims, ordering, parallelism, and a kill -9. */
import t, { type Test } from 'tap';
import { freshDatabase, type TestDatabase } from '../helpers.js';
import { seedUser, seedVine } from '../fixtures.js';
import { createJobService } from '../../src/domain/jobs/service.js';
import { createComponentRepository } from '../../src/domain/components/repository.js';
import { waitFor, waitForJob } from './harness.js';
import { startWorker as startTendrilProcess } from '../drills/harness.js';

/** A Tendril as a `worker` process on the test's database (test/drills/harness.ts), three jobs at a time. */
const startWorker = (t: Test, db: TestDatabase, name: string) =>
  startTendrilProcess(t, db.url, name, { TENDRIL_CONCURRENCY: '3', TENDRIL_DEAD_AFTER_SECONDS: '6' });

async function tendrilsRunning(db: TestDatabase, n: number, workers: Array<{ output: () => string }>) {
  try {
    await waitFor(`${n} Tendrils to register`, async () => {
      const rows = await db.knex('tendrils').where({ status: 'RUNNING' });
      return rows.length >= n;
    }, 60_000);
  } catch (err) {
    throw new Error(`${(err as Error).message}; worker output: ${workers.map((w) => w.output()).join('\n---\n')}`);
  }
}

t.test('two worker processes, 10 vines × 5 jobs: each claimed once, in order per vine, vines in parallel', { timeout: 300_000 }, async (t) => {
  const db = await freshDatabase(t);
  const { knex } = db;
  const a = startWorker(t, db, 'tendril-a');
  const b = startWorker(t, db, 'tendril-b');
  await tendrilsRunning(db, 2, [a, b]);
  const user = await seedUser(knex);
  const jobs = createJobService(knex);
  const repo = createComponentRepository(knex);
  const perVine: string[][] = [];
  for (let i = 0; i < 10; i++) {
    const v = await seedVine(knex, { user, name: `v${i}` });
    await repo.insert('queues', v.vineId, 'q', { fifo: false, visibility_timeout_seconds: 30, message_retention_seconds: 3600, dead_letter: false });
    perVine.push([]);
    for (let j = 0; j < 5; j++) perVine[i]!.push((await jobs.create({ userId: user.userId, type: j % 2 ? 'BOOTSTRAP' : 'PLAN', vineId: v.vineId })).id);
  }
  const all = perVine.flat();
  for (const id of all) await waitForJob(knex, id, 240_000);
  const rows = await knex('provision_jobs').whereIn('id', all).select('id', 'vine_id', 'status', 'tendril_id', 'claimed_at', 'processing_at', 'finished_at', 'error');
  t.equal(rows.filter((r) => r.status === 'SUCCESS').length, 50, `all 50 jobs succeed ${rows.find((r) => r.error)?.error ?? ''}`);
  const starts = await knex('provision_job_logs').whereIn('job_id', all).where('line', 'like', '% started on Tendril %').select('job_id');
  t.equal(starts.length, 50, 'each job was started exactly once (one "started" line each)');
  t.equal(new Set(rows.map((r) => r.tendril_id)).size, 2, 'both Tendrils took jobs');
  const byId = new Map(rows.map((r) => [r.id, r]));
  let ordered = true;
  for (const ids of perVine) {
    for (let j = 1; j < ids.length; j++) {
      const prev = byId.get(ids[j - 1]!)!;
      const cur = byId.get(ids[j]!)!;
      if (!(cur.claimed_at >= prev.finished_at)) ordered = false;
    }
  }
  t.ok(ordered, 'per vine, each job started only after the previous one finished');
  const intervals = rows.map((r) => [r.processing_at.getTime(), r.finished_at.getTime(), r.vine_id] as const);
  const overlapping = intervals.some(([s1, e1, v1]) => intervals.some(([s2, e2, v2]) => v1 !== v2 && s1 < e2 && s2 < e1));
  t.ok(overlapping, 'jobs of different vines ran at the same time');
  a.kill('SIGTERM');
  b.kill('SIGTERM');
  const codes = await Promise.all([a, b].map((c) => new Promise((r) => c.on('exit', (code) => r(code)))));
  t.same(codes, [0, 0], `both stop cleanly on SIGTERM ${codes.some((c) => c !== 0) ? a.output() + b.output() : ''}`);
  t.equal((await knex('tendrils').where({ status: 'STOPPED' })).length, 2, 'and record that they stopped');
});

t.test('kill -9 of a worker mid-apply: job and vine FAILED within 30 s, queue unlocked, retry works elsewhere', { timeout: 240_000 }, async (t) => {
  const db = await freshDatabase(t);
  const { knex } = db;
  const a = startWorker(t, db, 'doomed');
  await tendrilsRunning(db, 1, [a]);
  const v = await seedVine(knex, { allKinds: true, options: { apply_delay_seconds: 120 } });
  const jobs = createJobService(knex);
  const job = await jobs.create({ userId: v.userId, type: 'DEPLOY', vineId: v.vineId });
  await waitFor('the apply to be under way', async () => {
    const comps = await createComponentRepository(knex).listByVine(v.vineId);
    return comps.some((c) => c.status === 'CREATING');
  }, 90_000);
  const b = startWorker(t, db, 'survivor');
  await tendrilsRunning(db, 2, [a, b]);
  a.kill('SIGKILL');
  const killedAt = Date.now();
  const failed = await waitForJob(knex, job.id, 30_000);
  const took = Date.now() - killedAt;
  t.equal(failed.status, 'FAILED', `job FAILED after ${took} ms`);
  t.ok(took <= 30_000, 'within 30 s');
  t.match(failed.error, /^Tendril doomed stopped responding/, 'with the message');
  t.equal((await knex('vines').where({ id: v.vineId }).first()).status, 'FAILED', 'vine FAILED');
  t.equal((await knex('tendrils').where({ name: 'doomed' }).first()).status, 'DEAD', 'the Tendril is marked DEAD');
  const queue = await knex('graphile_worker._private_job_queues').where({ queue_name: `vine:${v.vineId}` }).first('locked_at', 'locked_by');
  t.ok(!queue || (queue.locked_at === null && queue.locked_by === null), 'the vine queue is unlocked');

  await knex('vines').where({ id: v.vineId }).update({ options: '{}' });
  const retry = await jobs.create({ userId: v.userId, type: 'DEPLOY', vineId: v.vineId });
  const done = await waitForJob(knex, retry.id, 120_000);
  t.equal(done.status, 'SUCCESS', `retry succeeds ${done.error ?? ''}`);
  const survivor = await knex('tendrils').where({ name: 'survivor' }).first('id');
  t.equal(done.tendril_id, survivor.id, 'on the other Tendril');
  t.equal((await knex('vines').where({ id: v.vineId }).first()).status, 'ACTIVE');
  b.kill('SIGTERM');
});
