/**
 * Two runs racing for one vine's state lock, each with its own job's credential, both through a
 * remote Tendril's state proxy to Trellis (real Terraform, real HTTP): the queue never lets two
 * jobs of one vine run at once, so the two jobs (a DEPLOY and a PLAN) are put into CLAIMED by hand —
 * the split-brain the lock exists for. The DEPLOY holds the lock through a slow apply; the PLAN waits its
 * -lock-timeout, then fails cleanly: Terraform's "Error acquiring the state lock" naming the
 * holder, nothing written to the state, no errored.tfstate, no lock of its own left behind.
 */
import t from 'tap';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freshDatabase } from '../helpers.js';
import { seedVine } from '../fixtures.js';
import { createJobRepository, type JobRecord } from '../../src/domain/jobs/repository.js';
import { createTendrilRepository } from '../../src/domain/tendrils/repository.js';
import { generateToken, hashToken } from '../../src/domain/users/tokens.js';
import { createDbJobStore } from '../../src/runner/db-store.js';
import { vineContext } from '../../src/runner/vine-context.js';
import { createSealer } from '../../src/domain/crypto.js';
import { createTerraformRun, ERRORED_STATE, type LogLine } from '../../src/terraform/index.js';
import { startStateProxy } from '../../src/state/proxy-server.js';
import { waitFor } from '../tendril/harness.js';
import { createPool, REMOTE_KEY, startTrellis } from './harness.js';

t.test('two runs racing for one state lock: the second waits its lock timeout, then fails cleanly', { timeout: 240_000 }, async (t) => {
  const db = await freshDatabase(t);
  const { knex } = db;
  const v = await seedVine(knex, { options: { apply_delay_seconds: 12 } });
  await knex('vine_queues').insert({ vine_id: v.vineId, name: 'orders', fifo: false, visibility_timeout_seconds: 30, message_retention_seconds: 345600, dead_letter: false });
  const pool = await createPool(knex, v.userId);
  const trellis = await startTrellis(t, db.url);
  const proxy = await startStateProxy({ trellisUrl: trellis.url, retryForMs: 2000 });
  t.teardown(() => proxy.close());

  const jobs = createJobRepository(knex);
  const { id: tendrilId } = await createTendrilRepository(knex).register({ name: 'racer', host: 'test', pid: process.pid, version: '0', terraform_version: '1', concurrency: 2, in_process: false, pool_id: pool.poolId });
  const claimRun = async (type: 'DEPLOY' | 'PLAN') => {
    const row = await jobs.insert({ vine_id: v.vineId, identity_id: v.identityId, created_by: v.userId, type });
    const token = generateToken();
    const job = (await jobs.claim(row.id, tendrilId, 300, hashToken(token)))!;
    return { job, token };
  };
  const one = await claimRun('DEPLOY');
  const two = await claimRun('PLAN');
  const facts = await createDbJobStore({ knex, sealer: createSealer(REMOTE_KEY), tendrilId, stateUrl: () => '', leaseSeconds: 300 }).vine({ vine_id: v.vineId } as JobRecord);
  const vc = await vineContext(facts);

  const terraform = (run: { job: JobRecord; token: string }, lockTimeoutSeconds: number) => {
    const dir = mkdtempSync(join(tmpdir(), 'vintner-race-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const lines: LogLine[] = [];
    const tf = createTerraformRun({
      bin: process.env.TERRAFORM_BIN ?? 'terraform',
      target: 'local',
      workDir: dir,
      vars: vc.vars,
      sensitiveVars: vc.sensitiveVars,
      env: vc.env,
      backend: { address: proxy.url({ vineId: v.vineId }), username: run.job.id, password: run.token },
      lockTimeoutSeconds,
      timeoutMs: 120_000,
      killGraceMs: 5_000,
      onLine: (l) => lines.push(l),
    });
    return { tf, lines, dir };
  };

  const first = terraform(one, 60);
  await first.tf.prepare();
  await first.tf.init();
  const applying = first.tf.apply();
  const held = await waitFor('the first run to hold the lock', async () => {
    const lock = await knex('terraform_state_locks').where({ vine_id: v.vineId }).first();
    return lock?.job_id === one.job.id && lock;
  }, 30_000, 50);

  const second = terraform(two, 4);
  await second.tf.prepare();
  await second.tf.init();
  const started = Date.now();
  const err = await second.tf.plan().then(() => undefined, (e: Error) => e);
  const waited = Date.now() - started;
  t.ok(err, 'the second run fails');
  t.match(err?.message ?? '', /Error acquiring the state lock/, `with Terraform’s own words (${(err?.message ?? '').split('\n')[0]})`);
  t.ok(waited >= 4000, `after waiting its lock timeout (${waited} ms)`);
  t.match(err?.message ?? '', new RegExp(`already locked: ID=${held.lock_id}`), 'naming the lock the first run holds (Trellis answered 423 with its lock info)');
  t.notOk(existsSync(join(second.dir, ERRORED_STATE)), 'it leaves no errored.tfstate (it never had a state to save)');
  t.equal(await knex('terraform_states').where({ vine_id: v.vineId, job_id: two.job.id }).first(), undefined, 'it wrote nothing to the state');
  t.equal((await knex('terraform_state_locks').where({ vine_id: v.vineId }).first())?.job_id, one.job.id, 'the lock is still the first run’s');

  await applying;
  t.pass('the first run’s apply completes');
  const versions: Array<{ job_id: string; resources: number }> = await knex('terraform_states').where({ vine_id: v.vineId }).select('job_id', 'resources');
  t.ok(versions.length > 0 && versions.every((s) => s.job_id === one.job.id), `every state version is the first run’s (${versions.length})`);
  t.ok(versions[versions.length - 1]!.resources > 0, 'and the last holds the resources');
  t.equal(await knex('terraform_state_locks').where({ vine_id: v.vineId }).first(), undefined, 'no lock is left');
});
