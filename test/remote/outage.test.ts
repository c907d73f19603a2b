/**
 * Trellis gone (kill -9) in the middle of a remote Tendril's apply, back 15 s later on the same
 * address: the Tendril stops its Terraform itself at half a lease without a renewal (before the
 * lease can run out), survives, and when Trellis is back the run records a true end, the state
 * Terraform could not save is not lost, the lock is gone, and a retry creates nothing twice.
 */
import t from 'tap';
import { freshDatabase } from '../helpers.js';
import { seedVine } from '../fixtures.js';
import { createJobService } from '../../src/domain/jobs/service.js';
import { JOB_TERMINAL } from '../../src/domain/jobs/status.js';
import { freePort } from '../../src/db/embedded.js';
import { waitFor } from '../tendril/harness.js';
import { creations, explain, stateResources, terraformUnder } from '../drills/harness.js';
import { bindIdentity, createPool, REMOTE_KEY, startRemoteTendril, startTrellis, started } from './harness.js';

const until = <T>(what: string, fn: () => Promise<T | false | undefined>, ms: number): Promise<T> => waitFor<T>(what, async () => (await fn().catch(() => false)) || undefined, ms, 100);

t.test('Trellis down 15 s mid-apply: the remote Tendril stops its Terraform at half a lease, nothing is lost, the retry creates nothing twice', { timeout: 300_000 }, async (t) => {
  const db = await freshDatabase(t);
  const { knex } = db;
  const v = await seedVine(knex, { options: { apply_delay_seconds: 20 } });
  for (const kind of ['queues', 'secrets'] as const) {
    await knex(`vine_${kind}`).insert(kind === 'queues' ? { vine_id: v.vineId, name: 'main', fifo: false, visibility_timeout_seconds: 30, message_retention_seconds: 345600, dead_letter: false } : { vine_id: v.vineId, name: 'main', description: '', generate_length: 16, recovery_window_days: 0 });
  }
  const pool = await createPool(knex, v.userId);
  await bindIdentity(knex, v.identityId, pool.poolId);
  const port = String(await freePort());
  let trellis = await startTrellis(t, db.url, { PORT: port });
  const remote = startRemoteTendril(t, trellis.url, pool.token, 'remote-o');
  await started(remote);
  const jobs = createJobService(knex);

  const first = await jobs.create({ userId: v.userId, type: 'DEPLOY', vineId: v.vineId });
  await until('the apply to be under way', async () => (await knex('provision_job_logs').where({ job_id: first.id }).where('line', 'like', '%provisioning%').first()) !== undefined, 90_000);
  await new Promise((r) => setTimeout(r, 2000));
  t.ok(terraformUnder(remote.tmp).length > 0, 'Terraform is running');
  const goneAt = Date.now();
  trellis.kill('SIGKILL');
  await until('its Terraform to stop', async () => terraformUnder(remote.tmp).length === 0, 20_000);
  const stoppedAfter = Date.now() - goneAt;
  // Lease D = 8 s: self-stop at D/2 = 4 s, SIGKILL at most D/4 later; the reaper could act at 5D/4 = 10 s.
  t.ok(stoppedAfter < 8000, `the Tendril stopped its Terraform ${stoppedAfter} ms after Trellis went away (self-stop at 4 s, SIGKILL by 6 s; a lease ends at 8 s)`);
  t.match(remote.output(), /no lease renewal for \d+ s: stopping the run/, 'it says why');

  await new Promise((r) => setTimeout(r, Math.max(0, 15_000 - (Date.now() - goneAt))));
  trellis = await startTrellis(t, db.url, { PORT: port });
  const backAt = Date.now();
  const ended = await until('the job’s end', async () => {
    const s = await knex('provision_jobs').where({ id: first.id }).first('status', 'error', 'state_recovery_encrypted');
    return JOB_TERMINAL.includes(s.status) && s;
  }, 120_000).catch(async (err: Error) => {
    await explain(t, knex, [first.id]);
    t.comment(remote.output().slice(-4000));
    throw err;
  });
  t.comment(`first job ${ended.status} ${Math.round((Date.now() - backAt) / 1000)} s after Trellis returned: ${ended.error}`);
  t.equal(ended.status, 'FAILED', 'the job FAILED');
  t.match(ended.error, /Trellis \(http:\/\/127\.0\.0\.1:\d+\) could not be reached for \d+ s: this Tendril stopped Terraform|stopped responding/, 'with a true message');
  t.ok(remote.alive(), 'the remote Tendril outlived Trellis’s absence');
  t.equal((await knex('vines').where({ id: v.vineId }).first()).status, 'FAILED', 'the vine is FAILED: retryable');
  await until('no state lock', async () => (await knex('terraform_state_locks').where({ vine_id: v.vineId }).first()) === undefined, 30_000);
  t.pass('no state lock is left');
  const firstLog: string[] = await knex('provision_job_logs').where({ job_id: first.id }).orderBy('seq').pluck('line');
  const wrote = firstLog.some((l) => /wrote errored\.tfstate/.test(l));
  t.comment(firstLog.filter((l) => /errored\.tfstate|SIGINT|SIGKILL/.test(l)).join('\n'));
  if (wrote) t.ok(firstLog.some((l) => /errored\.tfstate pushed to the backend|kept, encrypted, with this job/.test(l)), 'the state Terraform could not save was pushed back once Trellis answered (or kept with the job)');
  t.notOk(firstLog.some((l) => /killed \(SIGKILL\)/.test(l)), 'Terraform stopped on SIGINT, within the grace (it could write what it could not save)');
  const kept = ended.state_recovery_encrypted !== null;
  t.comment(kept ? 'the state Terraform could not save is kept with the job' : 'the state Terraform could not save was pushed back to the vine’s state');

  if (kept) {
    const recover = await jobs.create({ userId: v.userId, type: 'BOOTSTRAP', vineId: v.vineId, recoverJobId: first.id });
    const r = await until('the recovery', async () => {
      const s = await knex('provision_jobs').where({ id: recover.id }).first('status', 'error');
      return JOB_TERMINAL.includes(s.status) && s;
    }, 120_000);
    t.equal(r.status, 'SUCCESS', `"Recover state" pushes it back ${r.error ?? ''}`);
  }
  await knex('vines').where({ id: v.vineId }).update({ options: JSON.stringify({ apply_delay_seconds: 1 }) });
  const retry = await jobs.create({ userId: v.userId, type: 'DEPLOY', vineId: v.vineId });
  const done = await until('the retry', async () => {
    const s = await knex('provision_jobs').where({ id: retry.id }).first('status', 'error');
    return JOB_TERMINAL.includes(s.status) && s;
  }, 150_000);
  t.equal(done.status, 'SUCCESS', `the retry succeeds ${done.error ?? ''}`);
  const twice = [...(await creations(knex, [first.id, retry.id]))].filter(([, n]) => n > 1);
  if (twice.length) await explain(t, knex, [first.id, retry.id]);
  t.same(twice, [], 'no resource created twice');
  const inState = await stateResources(knex, REMOTE_KEY, v.vineId);
  t.ok(inState.includes('terraform_data.queues["main"]') && inState.includes('terraform_data.secrets["main"]'), 'the state lists the vine’s resources');
  t.equal(new Set(inState).size, inState.length, 'each once');
});
