/**
 * kill -9 of a remote Tendril mid-apply: its Terraform dies with it (the watchdog), Trellis's reaper
 * fails the job within 30 s and releases the state lock, the next Tendril on the machine hands the
 * dead run's errored.tfstate to Trellis, and a retry on that other Tendril creates nothing twice.
 */
import t from 'tap';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freshDatabase } from '../helpers.js';
import { seedVine } from '../fixtures.js';
import { createJobService } from '../../src/domain/jobs/service.js';
import { createSealer } from '../../src/domain/crypto.js';
import { JOB_TERMINAL } from '../../src/domain/jobs/status.js';
import { waitFor } from '../tendril/harness.js';
import { creations, explain, stateResources, terraformUnder } from '../drills/harness.js';
import { bindIdentity, createPool, REMOTE_KEY, startRemoteTendril, startTrellis, started } from './harness.js';

const until = <T>(what: string, fn: () => Promise<T | false | undefined>, ms: number): Promise<T> => waitFor<T>(what, async () => (await fn().catch(() => false)) || undefined, ms, 100);

t.test('kill -9 of a remote Tendril mid-apply: FAILED within 30 s, lock released, the retry on another Tendril creates nothing twice', { timeout: 300_000 }, async (t) => {
  const db = await freshDatabase(t);
  const { knex } = db;
  const v = await seedVine(knex, { options: { apply_delay_seconds: 30 } });
  await knex('vine_secrets').insert({ vine_id: v.vineId, name: 'main', description: '', value_encrypted: createSealer(REMOTE_KEY).seal('kill9-secret'), generate_length: 16, recovery_window_days: 0 });
  await knex('vine_queues').insert({ vine_id: v.vineId, name: 'main', fifo: false, visibility_timeout_seconds: 30, message_retention_seconds: 345600, dead_letter: false });
  const pool = await createPool(knex, v.userId);
  await bindIdentity(knex, v.identityId, pool.poolId);
  const trellis = await startTrellis(t, db.url);
  // Both Tendrils on "one machine": the same TMPDIR.
  const tmp = mkdtempSync(join(tmpdir(), 'vintner-remote-machine-'));
  t.teardown(() => rmSync(tmp, { recursive: true, force: true }));
  const doomed = startRemoteTendril(t, trellis.url, pool.token, 'doomed', {}, tmp);
  await started(doomed);

  const jobs = createJobService(knex);
  const first = await jobs.create({ userId: v.userId, type: 'DEPLOY', vineId: v.vineId });
  await until('the apply to be under way', async () => (await knex('provision_job_logs').where({ job_id: first.id }).where('line', 'like', '%provisioning%').first()) !== undefined, 90_000);
  await new Promise((r) => setTimeout(r, 1500));
  t.ok(terraformUnder(tmp).length > 0, 'Terraform is running');
  t.ok(await knex('terraform_state_locks').where({ vine_id: v.vineId }).first(), 'and holds the state lock (through Trellis)');
  const dirs = readdirSync(tmp).filter((d) => d.startsWith('vintner-job-'));
  t.equal(dirs.length, 1, 'one work directory');

  const killedAt = Date.now();
  doomed.kill('SIGKILL');
  await until('its Terraform to die', async () => terraformUnder(tmp).length === 0, 10_000);
  const gone = Date.now() - killedAt;
  t.ok(gone < 3000, `Terraform did not outlive its Tendril by more than a moment (${gone} ms)`);

  const survivor = startRemoteTendril(t, trellis.url, pool.token, 'survivor', {}, tmp);
  await started(survivor);
  t.notOk(existsSync(join(tmp, dirs[0]!)), 'the dead run’s work directory was handled when the next Tendril started');
  t.comment(survivor.output().split('\n').filter((l) => /work directory/.test(l)).map((l) => (JSON.parse(l) as { msg: string }).msg).join('\n'));

  const ended = await until('the job to be failed', async () => {
    const s = await knex('provision_jobs').where({ id: first.id }).first('status', 'error');
    return JOB_TERMINAL.includes(s.status) && s;
  }, 60_000);
  const after = Math.round((Date.now() - killedAt) / 1000);
  t.equal(ended.status, 'FAILED');
  t.match(ended.error, /Tendril doomed stopped responding/, `a true message, ${after} s after the kill`);
  t.ok(after <= 30, `FAILED and the vine retryable within 30 s (${after} s)`);
  t.equal((await knex('vines').where({ id: v.vineId }).first('status')).status, 'FAILED', 'the vine is FAILED: retryable');
  t.equal(await knex('terraform_state_locks').where({ vine_id: v.vineId }).first(), undefined, 'the state lock is released');
  t.equal((await knex('tendrils').where({ name: 'doomed' }).first('status')).status, 'DEAD', 'the dead Tendril is declared DEAD (by Trellis: no in-house Tendril runs here)');

  const retry = await jobs.create({ userId: v.userId, type: 'DEPLOY', vineId: v.vineId });
  const done = await until('the retry', async () => {
    const s = await knex('provision_jobs').where({ id: retry.id }).first('status', 'error', 'tendril_id');
    return JOB_TERMINAL.includes(s.status) && s;
  }, 150_000);
  t.equal(done.status, 'SUCCESS', `the retry succeeds ${done.error ?? ''}`);
  t.equal((await knex('tendrils').where({ id: done.tendril_id }).first('name')).name, 'survivor', 'on the other Tendril');
  const twice = [...(await creations(knex, [first.id, retry.id]))].filter(([, n]) => n > 1);
  if (twice.length) await explain(t, knex, [first.id, retry.id]);
  t.same(twice, [], 'no resource created twice');
  const inState = await stateResources(knex, REMOTE_KEY, v.vineId);
  t.ok(inState.includes('terraform_data.queues["main"]') && inState.includes('terraform_data.secrets["main"]'), 'the state lists the vine’s resources');
  t.equal(new Set(inState).size, inState.length, 'each once');
  t.same(readdirSync(tmp).filter((d) => d.startsWith('vintner-job-')), [], 'no work directory left');
  t.same(terraformUnder(tmp), [], 'no Terraform left');
  t.ok(survivor.alive());
});
