/** Failure, retry, cancel, plan → apply-that-plan and secrets, with real Terraform. */
import t from 'tap';
import { freshDatabase } from '../helpers.js';
import { seedVine } from '../fixtures.js';
import { createJobService } from '../../src/domain/jobs/service.js';
import { createComponentRepository } from '../../src/domain/components/repository.js';
import { createSealer } from '../../src/domain/crypto.js';
import { componentStatuses, jobLog, startTestTendril, waitFor, waitForJob } from './harness.js';

const testKey = Buffer.alloc(32, 9);

t.test('a failing component fails the job, that component and the vine; retry converges', { timeout: 180_000 }, async (t) => {
  const db = await freshDatabase(t);
  const { knex } = db;
  await startTestTendril(t, db);
  const v = await seedVine(knex, { allKinds: true, options: { fail_components: ['databases/main'] } });
  const jobs = createJobService(knex);
  const job = await jobs.create({ userId: v.userId, type: 'DEPLOY', vineId: v.vineId });
  const done = await waitForJob(knex, job.id);
  t.equal(done.status, 'FAILED', 'job FAILED');
  t.match(done.error, /databases\/main/, `the error names the component: ${done.error}`);
  const vine = await knex('vines').where({ id: v.vineId }).first();
  t.equal(vine.status, 'FAILED', 'vine FAILED');
  const statuses = await componentStatuses(knex, v.vineId);
  t.equal(statuses['databases/main'], 'FAILED', 'that component FAILED');
  const failedRow = (await createComponentRepository(knex).listByVine(v.vineId)).find((c) => c.kind === 'databases')!;
  t.match(failedRow.error, /exit status 1|fail/i, `the component carries Terraform's error: ${failedRow.error}`);
  for (const [k, s] of Object.entries(statuses)) {
    if (k !== 'databases/main') t.ok(['ACTIVE', 'PENDING', 'FAILED'].includes(s) && s !== 'FAILED', `${k} is ${s}, not FAILED`);
  }

  await knex('vines').where({ id: v.vineId }).update({ options: '{}' });
  const retry = await jobs.create({ userId: v.userId, type: 'DEPLOY', vineId: v.vineId });
  t.equal((await waitForJob(knex, retry.id)).status, 'SUCCESS', 'retry succeeds');
  t.equal((await knex('vines').where({ id: v.vineId }).first()).status, 'ACTIVE', 'vine ACTIVE after retry');
  t.ok(Object.values(await componentStatuses(knex, v.vineId)).every((s) => s === 'ACTIVE'), 'every component ACTIVE');
});

t.test('cancel during a delayed apply: SIGINT, CANCELLED, no lock left, next deploy works', { timeout: 180_000 }, async (t) => {
  const db = await freshDatabase(t);
  const { knex } = db;
  await startTestTendril(t, db);
  const v = await seedVine(knex, { allKinds: true, options: { apply_delay_seconds: 60 } });
  const jobs = createJobService(knex);
  const job = await jobs.create({ userId: v.userId, type: 'DEPLOY', vineId: v.vineId });
  await waitFor('a component to be CREATING', async () => Object.values(await componentStatuses(knex, v.vineId)).includes('CREATING'));
  const started = Date.now();
  await jobs.cancel(v.userId, job.id);
  const done = await waitForJob(knex, job.id);
  t.equal(done.status, 'CANCELLED', 'job CANCELLED');
  t.ok(Date.now() - started < 30_000, `stopped in ${Date.now() - started} ms, well before the 60 s delay`);
  const log = await jobLog(knex, job.id);
  t.match(log, /Interrupt received/, 'Terraform received SIGINT');
  t.equal((await knex('vines').where({ id: v.vineId }).first()).status, 'FAILED', 'vine FAILED (retryable) after a mid-apply cancel');
  const locks = await knex.raw(`SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`);
  t.equal(locks.rows[0].n, 0, 'no advisory lock left in pg_locks');
  await knex('vines').where({ id: v.vineId }).update({ options: '{}' });
  const next = await jobs.create({ userId: v.userId, type: 'DEPLOY', vineId: v.vineId });
  t.equal((await waitForJob(knex, next.id)).status, 'SUCCESS', 'the next DEPLOY succeeds');
});

t.test('plan → apply exactly that plan; a stale plan is refused; secrets stay secret', { timeout: 180_000 }, async (t) => {
  const db = await freshDatabase(t);
  const { knex } = db;
  await startTestTendril(t, db, { VINTNER_SECRET_KEY: testKey.toString('base64') });
  const canary = 'CANARY-9f8e7d6c5b4a';
  const identityCanary = 'IDCANARY-0a1b2c3d4e5f';
  const v = await seedVine(knex, { allKinds: true });
  const tendrilSealer = createSealer(testKey);
  const repo = createComponentRepository(knex);
  const secret = (await repo.listByVine(v.vineId)).find((c) => c.kind === 'secrets')!;
  await repo.updateSettings('secrets', secret.id, { ...secret.settings, value: tendrilSealer.seal(canary) });
  await knex('cloud_identities').where({ id: v.identityId }).update({ credentials_encrypted: tendrilSealer.seal(JSON.stringify({ token: identityCanary })) });

  const jobs = createJobService(knex);
  const plan = await jobs.create({ userId: v.userId, type: 'PLAN', vineId: v.vineId });
  const planned = await waitForJob(knex, plan.id);
  t.equal(planned.status, 'SUCCESS', `plan succeeds ${planned.error ?? ''}`);
  t.equal(planned.result?.summary.add, planned.result?.summary.components.reduce((a: number, c: { resources: { create: number } }) => a + c.resources.create, 0), 'summary adds up');
  t.ok(planned.result?.summary.components.every((c: { action: string }) => c.action === 'create'), 'every component will be created');
  t.equal(planned.result?.cost.source, 'estimate', 'cost is labelled an estimate');
  t.ok(planned.result?.cost.total > 0, `monthly cost ${planned.result?.cost.total}`);
  const raw = await knex('provision_jobs').where({ id: plan.id }).first('plan_file_encrypted');
  t.ok(raw.plan_file_encrypted.length > 100, 'the plan file is stored');
  t.notOk(raw.plan_file_encrypted.includes(Buffer.from(canary)), 'sealed: the canary is not in the stored bytes');
  t.equal((await knex('vines').where({ id: v.vineId }).first()).status, 'DRAFT', 'PLAN does not move the vine');

  const apply = await jobs.create({ userId: v.userId, type: 'DEPLOY', vineId: v.vineId, planJobId: plan.id });
  const applied = await waitForJob(knex, apply.id);
  t.equal(applied.status, 'SUCCESS', `applying the plan succeeds ${applied.error ?? ''}`);
  t.match(await jobLog(knex, apply.id), new RegExp(`applying the stored plan of job ${plan.id}`), 'it applied that plan');
  t.equal((await knex('vines').where({ id: v.vineId }).first()).status, 'ACTIVE');

  await knex('vines').where({ id: v.vineId }).increment('config_version', 1);
  await t.rejects(jobs.create({ userId: v.userId, type: 'DEPLOY', vineId: v.vineId, planJobId: plan.id }), { message: /stale/ }, 'a stale plan is refused');

  const everything = JSON.stringify([
    await knex('provision_job_logs').select('line'),
    await knex('provision_jobs').select('result', 'error'),
    await repo.listByVine(v.vineId).then((cs) => cs.map((c) => [c.outputs, c.error])),
  ]);
  t.notOk(everything.includes(canary), 'the component secret is in no log, summary, output or error');
  t.notOk(everything.includes(identityCanary), 'the identity secret neither');
});

