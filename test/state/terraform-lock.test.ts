/**
 * The real Terraform binary against Trellis's own /api/v1/state route (a listening app, as a remote
 * Tendril's Terraform reaches it): a lock held by another run makes Terraform wait — its
 * -lock-timeout honoured — and go on as soon as the lock is released, or fail naming the holder
 * once the timeout has passed.
 */
import t, { type Test } from 'tap';
import { buildTestApp, eventually } from '../helpers.js';
import { seedVine } from '../fixtures.js';
import { createTerraformRun } from '../../src/terraform/index.js';
import { localVars, recorder, runOptions, type TestState } from '../terraform/helpers.js';
import { jobOf } from './helpers.js';

const SMALL = { names: { databases: ['main'], caches: [], queues: [], nosql_tables: [], container_registries: [] }, extra: { topics: {}, secrets: {} } };

async function remoteState(t: Test) {
  const { app, db } = await buildTestApp(t);
  const statuses: Array<{ method: string; status: number; at: number }> = [];
  app.addHook('onResponse', async (req, reply) => {
    if (req.url.startsWith('/api/v1/state/')) statuses.push({ method: req.method, status: reply.statusCode, at: Date.now() });
  });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  const v = await seedVine(db.knex);
  const job = await jobOf(db.knex, v, { type: 'DEPLOY' });
  const state: TestState = {
    backend: { address: `${url}/api/v1/state/vines/${v.vineId}`, username: job.id, password: job.token },
    vineId: v.vineId,
    jobId: job.id,
    read: async () => ({ raw: '', serial: 0, resources: [] }),
  };
  const hold = () =>
    db.knex('terraform_state_locks').insert({ state_key: `vine:${v.vineId}`, vine_id: v.vineId, lock_id: 'other-run', info: JSON.stringify({ ID: 'other-run', Operation: 'OperationTypeApply', Who: 'someone@elsewhere' }) });
  return { db, state, statuses, hold, release: () => db.knex('terraform_state_locks').where({ lock_id: 'other-run' }).delete() };
}

t.test('Terraform waits for a lock held elsewhere and goes on once it is released', { timeout: 180_000 }, async (t) => {
  const { db, state, statuses, hold, release } = await remoteState(t);
  await hold();
  const rec = recorder();
  const run = createTerraformRun({ ...runOptions(t, { state, vars: localVars(SMALL), rec }), lockTimeoutSeconds: 120 });
  await run.prepare();
  await run.init();
  const started = Date.now();
  const planned = run.plan();
  // Released once Terraform has been refused at least once (423): it must then retry and go on.
  await eventually('Terraform to be refused the lock', async () => statuses.some((s) => s.method === 'LOCK' && s.status === 423), 60_000);
  await new Promise((r) => setTimeout(r, 1500));
  await release();
  const releasedAt = Date.now();
  const { summary } = await planned;
  t.ok(summary.components.length > 0, 'the plan went on and planned the vine');
  const refused = statuses.filter((s) => s.method === 'LOCK' && s.status === 423);
  const granted = statuses.find((s) => s.method === 'LOCK' && s.status === 200);
  t.ok(refused.length >= 1 && refused.every((s) => s.at <= releasedAt), `refused (423) ${refused.length}× while the other run held the lock`);
  t.ok(granted && granted.at >= releasedAt, `granted only after the release, ${releasedAt - started} ms into the wait (Terraform retried within its -lock-timeout)`);
  t.ok(statuses.some((s) => s.method === 'UNLOCK' && s.status === 200), 'and released by Terraform at the end');
  t.equal((await db.knex('terraform_state_locks')).length, 0, 'no lock left');
});

t.test('Terraform gives up after its -lock-timeout, naming the holder', { timeout: 180_000 }, async (t) => {
  const { db, state, statuses, hold } = await remoteState(t);
  await hold();
  const rec = recorder();
  const run = createTerraformRun({ ...runOptions(t, { state, vars: localVars(SMALL), rec }), lockTimeoutSeconds: 3 });
  await run.prepare();
  await run.init();
  const started = Date.now();
  const err = await run.plan().then(() => undefined, (e: Error) => e);
  const waited = Date.now() - started;
  t.ok(err instanceof Error, 'the plan fails');
  t.match(err!.message, /lock/i, `about the lock: ${err?.message.slice(0, 160)}`);
  t.ok(waited >= 2500, `after waiting its -lock-timeout of 3 s (${waited} ms)`);
  t.match(rec.text(), /someone@elsewhere|other-run/, 'the holder is named in the log');
  t.ok(statuses.filter((s) => s.method === 'LOCK' && s.status === 423).length >= 1, 'each attempt refused with 423');
  t.same(await db.knex('terraform_state_locks').pluck('lock_id'), ['other-run'], 'the holder’s lock untouched');
});
