/**
 * Two pools of two users, over real HTTP: a token of pool A can neither claim pool B's jobs, nor
 * ask about them, nor read, write or lock the state of B's vine (404 / 401 / 403); a remote Tendril
 * of pool A runs A's jobs and leaves B's queued until B's own Tendril takes them.
 */
import t from 'tap';
import { freshDatabase } from '../helpers.js';
import { seedVine } from '../fixtures.js';
import { createJobService } from '../../src/domain/jobs/service.js';
import { waitFor, waitForJob } from '../tendril/harness.js';
import { bindIdentity, createPool, http, startRemoteTendril, startTrellis, started } from './harness.js';

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

t.test('a token of pool A can neither claim nor see pool B’s jobs, nor read or lock B’s state', { timeout: 300_000 }, async (t) => {
  const db = await freshDatabase(t);
  const { knex } = db;
  const a = await seedVine(knex, { name: 'alpha' });
  const b = await seedVine(knex, { name: 'beta' });
  const poolA = await createPool(knex, a.userId, 'pool-a');
  const poolB = await createPool(knex, b.userId, 'pool-b');
  await bindIdentity(knex, a.identityId, poolA.poolId);
  await bindIdentity(knex, b.identityId, poolB.poolId);
  const trellis = await startTrellis(t, db.url);
  const api = (path: string) => `${trellis.url}/api/v1${path}`;
  const asA = { authorization: `Bearer ${poolA.token}` };
  const asB = { authorization: `Bearer ${poolB.token}` };
  const jobs = createJobService(knex);

  // B's job first: the oldest queued job of all.
  const jobB = await jobs.create({ userId: b.userId, type: 'PLAN', vineId: b.vineId });
  const jobA = await jobs.create({ userId: a.userId, type: 'PLAN', vineId: a.vineId });

  t.equal((await http(api('/agent/tendrils'), { method: 'POST', body: { name: 'x', host: 'h', pid: 1, version: '0', terraform_version: '1', concurrency: 1 } })).status, 401, 'no token: 401');
  t.equal((await http(api('/agent/tendrils'), { method: 'POST', headers: { authorization: 'Bearer vtp_not-a-pool-token-at-all' }, body: { name: 'x', host: 'h', pid: 1, version: '0', terraform_version: '1', concurrency: 1 } })).status, 401, 'a made-up token: 401');
  const probe = await http(api('/agent/tendrils'), { method: 'POST', headers: asA, body: { name: 'probe-a', host: 'test', pid: process.pid, version: '0', terraform_version: '1.0.0', concurrency: 1 } });
  t.equal(probe.status, 201, 'a Tendril of pool A registers');
  t.equal(probe.body.pool_id, poolA.poolId, 'in pool A');
  const probeB = await http(api('/agent/tendrils'), { method: 'POST', headers: asB, body: { name: 'probe-b', host: 'test', pid: process.pid, version: '0', terraform_version: '1.0.0', concurrency: 1 } });

  const claim = await http(api(`/agent/tendrils/${probe.body.id}/claim`), { method: 'POST', headers: asA, body: { wait_seconds: 0 } });
  t.equal(claim.status, 200, 'A claims');
  t.equal(claim.body.job.id, jobA.id, 'A’s job, though B’s is older');
  const again = await http(api(`/agent/tendrils/${probe.body.id}/claim`), { method: 'POST', headers: asA, body: { holding: [jobA.id], wait_seconds: 0 } });
  t.equal(again.status, 204, 'then nothing: B’s job is not A’s to claim');
  t.equal((await knex('provision_jobs').where({ id: jobB.id }).first()).status, 'QUEUED', 'B’s job is still QUEUED');
  t.equal((await http(api(`/agent/tendrils/${probeB.body.id}/claim`), { method: 'POST', headers: asA, body: { wait_seconds: 0 } })).status, 404, 'A’s token cannot claim through B’s Tendril (404)');
  t.equal((await http(api(`/agent/tendrils/${probeB.body.id}/heartbeat`), { method: 'POST', headers: asA, body: { leases: [] } })).status, 404, 'nor heartbeat for it');

  const runA = { ...asA, 'x-vintner-job-token': claim.body.job_token, 'x-vintner-lease-epoch': String(claim.body.job.lease_epoch) };
  t.equal((await http(api(`/agent/jobs/${jobA.id}/vine`), { headers: runA })).status, 200, 'A’s run reads its own job’s vine');
  for (const [method, path] of [['GET', 'vine'], ['GET', 'identity'], ['POST', 'start'], ['GET', 'plan']] as const) {
    t.equal((await http(api(`/agent/jobs/${jobB.id}/${path}`), { method, headers: runA })).status, 404, `${method} B’s job /${path} with A’s token and credential: 404`);
  }
  t.equal((await http(api(`/agent/jobs/${jobB.id}/logs`), { method: 'POST', headers: runA, body: { lines: [{ seq: 1, stream: 'system', level: 'info', line: 'intruder' }] } })).status, 404, 'A cannot write B’s log (404)');
  t.equal((await http(api(`/agent/jobs/${jobB.id}/salvage`), { method: 'POST', headers: asA, body: { state: Buffer.from('{}').toString('base64') } })).status, 404, 'nor hand in a state for B’s job (404)');

  // B's vine's state: neither A's pool token nor A's job credential opens it.
  const stateB = api(`/state/vines/${b.vineId}`);
  t.equal((await http(stateB, { headers: asA })).status, 401, 'GET B’s state with A’s pool token: 401 (the state takes a running job’s credential)');
  const asRunA = { authorization: basic(jobA.id, claim.body.job_token) };
  t.equal((await http(stateB, { headers: asRunA })).status, 403, 'GET B’s state with A’s running job’s credential: 403');
  const lock = await http(stateB, { method: 'LOCK', headers: asRunA, body: { ID: 'a-lock', Operation: 'OperationTypeApply', Who: 'intruder' } });
  t.equal(lock.status, 403, 'LOCK B’s state with it: 403');
  t.equal((await http(stateB, { method: 'POST', headers: asRunA, body: { version: 4, serial: 99, lineage: 'x', resources: [] } })).status, 403, 'POST a state over B’s: 403');
  t.equal(await knex('terraform_state_locks').where({ vine_id: b.vineId }).first(), undefined, 'B’s state is not locked');
  t.equal(await knex('terraform_states').where({ vine_id: b.vineId }).first(), undefined, 'and nothing was written to it');
  t.equal((await http(api(`/state/vines/${a.vineId}`), { headers: asRunA })).status, 204, 'while A’s own vine’s state answers A’s run (204: none yet)');

  // A's probe gives its job back (FAILED) — a finish sent twice is recorded once.
  t.equal((await http(api(`/agent/jobs/${jobA.id}/start`), { method: 'POST', headers: runA })).status, 204);
  for (const n of [1, 2]) t.equal((await http(api(`/agent/jobs/${jobA.id}/finish`), { method: 'POST', headers: runA, body: { status: 'FAILED', error: 'probe' } })).status, 204, `finish (${n})`);

  // Real Tendrils: A's runs A's jobs and leaves B's alone; B's takes B's.
  const tendrilA = startRemoteTendril(t, trellis.url, poolA.token, 'tendril-a');
  await started(tendrilA);
  const jobA2 = await jobs.create({ userId: a.userId, type: 'PLAN', vineId: a.vineId });
  const doneA = await waitForJob(knex, jobA2.id, 120_000);
  t.equal(doneA.status, 'SUCCESS', `A’s Tendril runs A’s job ${doneA.error ?? ''}`);
  await new Promise((r) => setTimeout(r, 3000));
  t.equal((await knex('provision_jobs').where({ id: jobB.id }).first()).status, 'QUEUED', 'and leaves B’s job QUEUED');
  const tendrilB = startRemoteTendril(t, trellis.url, poolB.token, 'tendril-b');
  await started(tendrilB);
  const doneB = await waitForJob(knex, jobB.id, 120_000);
  t.equal(doneB.status, 'SUCCESS', 'B’s Tendril runs B’s job');
  const ranB = await knex('tendrils').where({ id: doneB.tendril_id }).first();
  t.equal(ranB.name, 'tendril-b', 'on B’s Tendril');
  await waitFor('both Tendrils alive', async () => tendrilA.alive() && tendrilB.alive(), 1000);
});
