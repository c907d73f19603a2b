/**
 * Cancel on a remote Tendril: the cancel reaches it within a second (its cancel watch, a
 * long-poll), Terraform gets SIGINT, the job ends CANCELLED, the vine caught mid-apply FAILED
 * (retryable), no state lock is left, and the next harvest works.
 */
import t from 'tap';
import { freshDatabase } from '../helpers.js';
import { seedVine } from '../fixtures.js';
import { createJobService } from '../../src/domain/jobs/service.js';
import { waitFor, waitForJob } from '../tendril/harness.js';
import { bindIdentity, createPool, startRemoteTendril, startTrellis, started } from './harness.js';

t.test('a cancel reaches a remote Tendril within a second: SIGINT, CANCELLED, no lock left, the next harvest works', { timeout: 300_000 }, async (t) => {
  const db = await freshDatabase(t);
  const { knex } = db;
  const v = await seedVine(knex, { allKinds: true, options: { apply_delay_seconds: 30 } });
  const pool = await createPool(knex, v.userId);
  await bindIdentity(knex, v.identityId, pool.poolId);
  const trellis = await startTrellis(t, db.url);
  const remote = startRemoteTendril(t, trellis.url, pool.token, 'remote-c', { TERRAFORM_KILL_GRACE_SECONDS: '5' });
  await started(remote);
  const jobs = createJobService(knex);

  const delays: number[] = [];
  for (let round = 1; round <= 3; round++) {
    const job = await jobs.create({ userId: v.userId, type: 'DEPLOY', vineId: v.vineId });
    await waitFor('the apply to be under way', async () => (await knex('provision_job_logs').where({ job_id: job.id }).where('line', 'like', '%provisioning%').first()) !== undefined, 90_000, 100);
    await new Promise((r) => setTimeout(r, 500 + round * 300));
    await jobs.cancel(v.userId, job.id);
    const done = await waitForJob(knex, job.id, 60_000);
    t.equal(done.status, 'CANCELLED', `round ${round}: the job is CANCELLED (${done.error})`);
    const row = await knex('provision_jobs').where({ id: job.id }).first('cancel_requested_at');
    const sigint = await knex('provision_job_logs').where({ job_id: job.id }).where('line', 'like', '%Cancel requested: sending SIGINT to terraform%').first('created_at');
    t.ok(sigint, 'Terraform got SIGINT');
    const ms = new Date(sigint.created_at).getTime() - new Date(row.cancel_requested_at).getTime();
    delays.push(ms);
    t.ok(ms <= 1000, `round ${round}: the cancel reached the Tendril and Terraform within a second (${ms} ms, database clock)`);
    t.equal((await knex('vines').where({ id: v.vineId }).first()).status, 'FAILED', 'the vine caught mid-apply is FAILED (retryable)');
    t.equal(await knex('terraform_state_locks').where({ vine_id: v.vineId }).first(), undefined, 'no state lock left');
  }
  t.comment(`cancel → SIGINT: ${delays.join(', ')} ms`);

  await knex('vines').where({ id: v.vineId }).update({ options: '{}' });
  const next = await jobs.create({ userId: v.userId, type: 'DEPLOY', vineId: v.vineId });
  const done = await waitForJob(knex, next.id, 120_000);
  t.equal(done.status, 'SUCCESS', `the next harvest works ${done.error ?? ''}`);
  t.equal((await knex('vines').where({ id: v.vineId }).first()).status, 'ACTIVE');
});
