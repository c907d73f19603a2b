/**
 * kill -9 of a Tendril mid-apply: its Terraform does not outlive it by more than a second, no work
 * directory (nor any secret in one) is left once a Tendril starts on the machine, the job ends
 * FAILED in bounded time with a true message, and a retry creates nothing twice.
 */
import t from 'tap';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { drillDatabase, startWorker, creations, explain, stateResources, terraformUnder, DRILL_KEY } from './harness.js';
import { seedVine } from '../fixtures.js';
import { createJobService } from '../../src/domain/jobs/service.js';
import { createSealer } from '../../src/domain/crypto.js';
import { JOB_TERMINAL } from '../../src/domain/jobs/status.js';
import { waitFor } from '../tendril/harness.js';

const CANARY = 'canary-kill9-Zq8vX2-not-on-disk';
const KEY = DRILL_KEY;
const until = <T>(what: string, fn: () => Promise<T | false | undefined>, ms: number): Promise<T> => waitFor<T>(what, async () => (await fn().catch(() => false)) || undefined, ms, 100);

t.test('kill -9 mid-apply: Terraform dies with its Tendril, no work directory or secret left, FAILED in bounded time, the retry creates nothing twice', { timeout: 240_000 }, async (t) => {
  const db = await drillDatabase(t);
  const v = await seedVine(db.knex, { options: { apply_delay_seconds: 30 } });
  const sealer = createSealer(KEY);
  await db.knex('vine_secrets').insert({ vine_id: v.vineId, name: 'main', description: '', value_encrypted: sealer.seal(CANARY), generate_length: 16, recovery_window_days: 0 });
  await db.knex('vine_queues').insert({ vine_id: v.vineId, name: 'main', fifo: false, visibility_timeout_seconds: 30, message_retention_seconds: 345600, dead_letter: false });
  const env = { VINTNER_SECRET_KEY: KEY.toString('base64') };
  // Both Tendrils on "one machine": the same TMPDIR.
  const tmp = mkdtempSync(join(tmpdir(), 'vintner-drill-machine-'));
  t.teardown(() => rmSync(tmp, { recursive: true, force: true }));
  const a = startWorker(t, db.url, 'doomed', env, tmp);
  await until('the Tendril', async () => (await db.knex('tendrils').where({ status: 'RUNNING' })).length === 1, 60_000);

  const jobs = createJobService(db.knex);
  const first = await jobs.create({ userId: v.userId, type: 'DEPLOY', vineId: v.vineId });
  await until('the apply to be under way', async () => (await db.knex('provision_job_logs').where({ job_id: first.id }).where('line', 'like', '%provisioning%').first()) !== undefined, 60_000);
  await new Promise((r) => setTimeout(r, 1500));
  const running = terraformUnder(tmp);
  t.ok(running.length > 0, `Terraform is running (${running.join(', ')})`);
  const dirs = readdirSync(tmp).filter((d) => d.startsWith('vintner-job-'));
  t.equal(dirs.length, 1, 'one work directory');
  const files = readdirSync(join(tmp, dirs[0]!)).filter((f) => !f.startsWith('.terraform'));
  for (const f of files) {
    const p = join(tmp, dirs[0]!, f);
    try {
      t.notOk(readFileSync(p, 'utf8').includes(CANARY), `${f}: no secret value in the work directory`);
    } catch {
      // a directory
    }
  }

  const killedAt = Date.now();
  a.kill('SIGKILL');
  await until('its Terraform to die', async () => terraformUnder(tmp).length === 0, 10_000);
  const gone = Date.now() - killedAt;
  t.comment(`Terraform gone ${gone} ms after the kill -9`);
  t.ok(gone < 3000, `Terraform did not outlive its Tendril by more than a moment (${gone} ms)`);
  t.comment(`left in the work directory: ${readdirSync(join(tmp, dirs[0]!)).join(', ')}`);

  const b = startWorker(t, db.url, 'survivor', env, tmp);
  const registered = await until('the second Tendril', async () => (await db.knex('tendrils').where({ name: 'survivor', status: 'RUNNING' })).length === 1 && Date.now(), 60_000);
  // The Tendril registers, then cleans leftovers (a database round trip per directory): wait for
  // that, well within the 60 s of its periodic cleaning, so only the start-up pass can have done it.
  await until('the dead run’s work directory to go', async () => !existsSync(join(tmp, dirs[0]!)), 30_000).catch(() => undefined);
  t.notOk(existsSync(join(tmp, dirs[0]!)), `the dead run’s work directory was removed when a Tendril started (${Date.now() - registered} ms after it registered)`);

  const ended = await until('the job to be failed', async () => {
    const s = await db.knex('provision_jobs').where({ id: first.id }).first('status', 'error');
    return JOB_TERMINAL.includes(s.status) && s;
  }, 60_000);
  const after = Math.round((Date.now() - killedAt) / 1000);
  t.equal(ended.status, 'FAILED');
  t.match(ended.error, /Tendril doomed stopped responding/, `a true message, ${after} s after the kill`);
  t.ok(after <= 30, `the vine is retryable within 30 s (${after} s)`);
  t.equal((await db.knex('vines').where({ id: v.vineId }).first('status')).status, 'FAILED', 'the vine is FAILED: retryable');

  const retry = await jobs.create({ userId: v.userId, type: 'DEPLOY', vineId: v.vineId });
  await db.knex('vines').where({ id: v.vineId }).first();
  const done = await until('the retry', async () => {
    const s = await db.knex('provision_jobs').where({ id: retry.id }).first('status', 'error');
    return JOB_TERMINAL.includes(s.status) && s;
  }, 150_000);
  t.equal(done.status, 'SUCCESS', `the retry succeeds on the other Tendril (${done.error ?? ''})`);
  const twice = [...(await creations(db.knex, [first.id, retry.id]))].filter(([, n]) => n > 1);
  if (twice.length) await explain(t, db.knex, [first.id, retry.id]);
  t.same(twice, [], 'no resource created twice');
  const inState = await stateResources(db.knex, DRILL_KEY, v.vineId);
  t.ok(inState.includes('terraform_data.queues["main"]') && inState.includes('terraform_data.secrets["main"]'), 'the state lists the vine’s resources');
  t.equal(new Set(inState).size, inState.length, 'each once');
  t.same(readdirSync(tmp).filter((d) => d.startsWith('vintner-job-')), [], 'no work directory left');
  t.same(terraformUnder(tmp), [], 'no Terraform left');
  t.ok(b.alive());
});
