/**
 * The agent API's rules, request by request (app.inject on a real database and LISTEN): routing
 * (pool jobs never to in-house Tendrils, DEPLOY_WORKER never to a pool), one job at a time per
 * vine in order, the long-poll answering at once, a lost claim answer handed out again, fencing
 * by credential and epoch, every write safe to send twice, cancels on the heartbeat and the watch.
 */
import t from 'tap';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { buildTestApp } from '../helpers.js';
import { seedVine } from '../fixtures.js';
import { createJobService } from '../../src/domain/jobs/service.js';
import { createJobRepository } from '../../src/domain/jobs/repository.js';
import { createComponentRepository } from '../../src/domain/components/repository.js';
import { bindIdentity, createPool } from '../remote/harness.js';
import { createSealer } from '../../src/domain/crypto.js';

interface Run {
  id: string;
  headers: Record<string, string>;
  epoch: number;
}

async function setup(t: Parameters<typeof buildTestApp>[0]) {
  const { app, db, config } = await buildTestApp(t, { TENDRIL_HEARTBEAT_SECONDS: '1', TENDRIL_DEAD_AFTER_SECONDS: '8' });
  const v = await seedVine(db.knex, { allKinds: true });
  const pool = await createPool(db.knex, v.userId);
  await bindIdentity(db.knex, v.identityId, pool.poolId);
  const auth = { authorization: `Bearer ${pool.token}` };
  const req = (method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: unknown, headers: Record<string, string> = {}) =>
    app.inject({ method, url: `/api/v1/agent${url}`, headers: { ...auth, ...headers }, ...(payload !== undefined ? { payload: payload as object } : {}) });
  const hello = await req('POST', '/tendrils', { name: 'unit', host: 'test', pid: 1, version: '0', terraform_version: '1.9.0', concurrency: 2 });
  const tendrilId = hello.json().id as string;
  const claim = async (holding: string[] = [], wait = 0): Promise<Run | undefined> => {
    const r = await req('POST', `/tendrils/${tendrilId}/claim`, { holding, wait_seconds: wait });
    if (r.statusCode === 204) return undefined;
    if (r.statusCode !== 200) throw new Error(`claim: ${r.statusCode} ${r.body}`);
    const b = r.json();
    return { id: b.job.id, epoch: b.job.lease_epoch, headers: { 'x-vintner-job-token': b.job_token, 'x-vintner-lease-epoch': String(b.job.lease_epoch) } };
  };
  return { app, db, v, pool, req, tendrilId, claim, jobs: createJobService(db.knex), hello, sealer: createSealer(config.secretKey) };
}

const status = (r: LightMyRequestResponse) => r.statusCode;

t.test('routing: a pooled identity’s jobs go to its pool only; DEPLOY_WORKER stays in-house; the pool changes only with no job open', async (t) => {
  const { db, v, claim, jobs, hello, pool, tendrilId, req } = await setup(t);
  t.equal(hello.statusCode, 201, 'hello registers the Tendril');
  t.same({ h: hello.json().heartbeat_seconds, d: hello.json().dead_after_seconds }, { h: 1, d: 8 }, 'and tells it Trellis’s lease timing');
  const repo = createJobRepository(db.knex);
  const plan = await jobs.create({ userId: v.userId, type: 'PLAN', vineId: v.vineId });
  t.equal(plan.graphile_job_id, null, 'no graphile-worker job for it');
  t.notOk(await repo.claim(plan.id, tendrilId, 8, 'x', db.knex, { inHouse: true }), 'an in-house claim refuses it');
  const run = await claim();
  t.equal(run?.id, plan.id, 'the pool claims it');

  // DEPLOY_WORKER provisions the pool: never routed to it, even with a pooled identity.
  const [worker] = await db.knex('provision_jobs').insert({ identity_id: v.identityId, pool_id: pool.poolId, created_by: v.userId, type: 'DEPLOY_WORKER' }).returning('id');
  t.equal(await claim([plan.id]), undefined, 'a DEPLOY_WORKER is not the pool’s to claim');
  await db.knex('provision_jobs').where({ id: worker.id }).delete();

  // The identity's pool does not change while one of its jobs is open (a job is routed once).
  const other = await seedVine(db.knex, { user: { userId: v.userId, identityId: v.identityId }, name: 'other' });
  const queued = await jobs.create({ userId: v.userId, type: 'PLAN', vineId: other.vineId });
  await t.rejects(bindIdentity(db.knex, v.identityId, null), /has jobs queued or running/, 'no unbinding while its jobs are queued or running on the pool');
  t.equal(status(await req('POST', `/jobs/${run!.id}/start`, undefined, run!.headers)), 204);
  t.equal(status(await req('POST', `/jobs/${run!.id}/finish`, { status: 'SUCCESS' }, run!.headers)), 204);
  await jobs.cancel(v.userId, queued.id);
  await bindIdentity(db.knex, v.identityId, null);
  const after = await jobs.create({ userId: v.userId, type: 'PLAN', vineId: other.vineId });
  t.ok(after.graphile_job_id, 'unbound: its next job goes to graphile-worker');
  t.equal(await claim([plan.id]), undefined, 'and the pool does not claim it');
});

t.test('one job at a time per vine, in order; other vines go on; a claim long-poll answers as soon as a job is queued', async (t) => {
  const { v, db, claim, jobs, req } = await setup(t);
  const first = await jobs.create({ userId: v.userId, type: 'PLAN', vineId: v.vineId });
  const second = await jobs.create({ userId: v.userId, type: 'BOOTSTRAP', vineId: v.vineId });
  const other = await seedVine(db.knex, { user: { userId: v.userId, identityId: v.identityId }, name: 'other' });
  const third = await jobs.create({ userId: v.userId, type: 'PLAN', vineId: other.vineId });
  const a = await claim();
  t.equal(a?.id, first.id, 'the vine’s oldest job first');
  const b = await claim([a!.id]);
  t.equal(b?.id, third.id, 'then another vine’s, not the vine’s second job');
  t.equal(await claim([a!.id, b!.id]), undefined, 'the vine’s second job waits while its first runs');
  t.equal(status(await req('POST', `/jobs/${a!.id}/start`, undefined, a!.headers)), 204);
  t.equal(status(await req('POST', `/jobs/${a!.id}/finish`, { status: 'SUCCESS', result: { ok: true } }, a!.headers)), 204);
  const c = await claim([b!.id]);
  t.equal(c?.id, second.id, 'once it ended, the second');

  const started = Date.now();
  const waiting = claim([b!.id, c!.id], 10);
  await new Promise((r) => setTimeout(r, 400));
  const fourth = await jobs.create({ userId: v.userId, type: 'PLAN', vineId: (await seedVine(db.knex, { user: { userId: v.userId, identityId: v.identityId }, name: 'third' })).vineId });
  const got = await waiting;
  const took = Date.now() - started;
  t.equal(got?.id, fourth.id, 'the waiting claim gets the job queued meanwhile');
  t.ok(took < 2500, `at once (answered ${took} ms after the claim began, the job queued at ~400 ms)`);
  t.equal(await claim([b!.id, c!.id, fourth.id], 1), undefined, 'with nothing queued, a claim answers 204 when its wait is over');
});

t.test('fencing: the job’s credential and the run’s epoch; a lost claim answer is handed out again and the first answer is void', async (t) => {
  const { v, claim, jobs, req } = await setup(t);
  const plan = await jobs.create({ userId: v.userId, type: 'PLAN', vineId: v.vineId });
  const lostAnswer = await claim();
  t.equal(lostAnswer?.id, plan.id);
  // The Tendril never saw that answer: its next claim does not list the job as held.
  const again = await claim([]);
  t.equal(again?.id, plan.id, 'the job is handed out again');
  t.equal(again!.epoch, lostAnswer!.epoch + 1, 'with the lease moved on');
  const leaselost = (r: LightMyRequestResponse) => r.statusCode === 409 && /leaselost/.test(r.json().type);
  t.ok(leaselost(await req('POST', `/jobs/${plan.id}/start`, undefined, lostAnswer!.headers)), 'the first answer’s credential is refused (409 leaselost)');
  t.equal(status(await req('POST', `/jobs/${plan.id}/start`)), 401, 'no credential: 401');
  t.ok(leaselost(await req('POST', `/jobs/${plan.id}/start`, undefined, { ...again!.headers, 'x-vintner-lease-epoch': String(again!.epoch - 1) })), 'a stale epoch: 409');
  t.equal(status(await req('POST', `/jobs/${plan.id}/start`, undefined, again!.headers)), 204, 'the right run starts');
  t.equal(status(await req('POST', `/jobs/${plan.id}/start`, undefined, again!.headers)), 204, 'and a start sent again is fine');
  t.equal(status(await req('GET', `/jobs/00000000-0000-4000-8000-000000000000/vine`, undefined, again!.headers)), 404, 'an unknown job: 404');
});

t.test('writes sent twice do nothing twice: log batches by seq, component transitions, the end', async (t) => {
  const { v, db, claim, jobs, req, sealer, pool } = await setup(t);
  await db.knex('vine_secrets').where({ vine_id: v.vineId }).update({ value_encrypted: sealer.seal('s3cret-value') });
  const deploy = await jobs.create({ userId: v.userId, type: 'DEPLOY', vineId: v.vineId });
  const run = (await claim())!;
  t.equal(status(await req('POST', `/jobs/${run.id}/start`, undefined, run.headers)), 204);
  t.equal((await db.knex('vines').where({ id: v.vineId }).first()).status, 'PROVISIONING', 'the vine moves with the start');
  const batch = { lines: [1, 2, 3].map((seq) => ({ seq, stream: 'stdout', level: 'info', line: `line ${seq}` })) };
  t.equal(status(await req('POST', `/jobs/${run.id}/logs`, { lines: [{ seq: 1, stream: 'stdout', level: 'info', line: 'nul\u0000' }] }, run.headers)), 400, 'a line with NUL is refused (the writer strips them before sending)');
  const first = await req('POST', `/jobs/${run.id}/logs`, batch, run.headers);
  t.equal(first.statusCode, 200, first.body);
  t.equal(first.json().stored, 3, 'a batch is stored');
  t.equal((await req('POST', `/jobs/${run.id}/logs`, batch, run.headers)).json().stored, 0, 'the same batch again stores nothing');
  const lines = await db.knex('provision_job_logs').where({ job_id: run.id }).orderBy('seq').select('seq', 'line');
  t.same(lines.map((l: { seq: number }) => l.seq), [1, 2, 3], 'each line once');

  const facts = (await req('GET', `/jobs/${run.id}/vine`, undefined, run.headers)).json();
  const secret = facts.components.find((c: { kind: string }) => c.kind === 'secrets');
  const network = facts.components.find((c: { kind: string }) => c.kind === 'network');
  t.equal(facts.identity.ambient, false, 'an identity that does not take its credentials from the pool is not ambient');
  t.equal(secret.settings.value, '(sealed)', 'a secret setting is only a placeholder: its sealed form does not leave Trellis');
  t.same(facts.secret_values, { [secret.name]: 's3cret-value' }, 'its value is opened for this job in secret_values');
  const path = `/jobs/${run.id}/components/network/${network.id}`;
  const to = await req('POST', `${path}/transition`, { to: 'CREATING' }, run.headers);
  t.equal(to.json().status, 'CREATING', to.body);
  t.equal((await req('POST', `${path}/transition`, { to: 'CREATING' }, run.headers)).json().status, 'CREATING', 'a transition sent again answers the same status');
  t.equal((await req('POST', `${path}/transition`, { to: 'ACTIVE', outputs: { id: 'net-1' } }, run.headers)).json().status, 'ACTIVE');
  t.same((await createComponentRepository(db.knex).find('network', network.id))?.outputs, { id: 'net-1' }, 'outputs stored');
  const otherVine = await seedVine(db.knex, { allKinds: true });
  const foreign = (await createComponentRepository(db.knex).listByVine(otherVine.vineId)).find((c) => c.kind === 'network')!;
  t.equal(status(await req('POST', `/jobs/${run.id}/components/network/${foreign.id}/transition`, { to: 'CREATING' }, run.headers)), 404, 'another vine’s component: 404');

  for (const n of [1, 2]) t.equal(status(await req('POST', `/jobs/${run.id}/finish`, { status: 'SUCCESS', result: { n } }, run.headers)), 204, `finish (${n})`);
  const job = await db.knex('provision_jobs').where({ id: deploy.id }).first();
  t.equal(job.status, 'SUCCESS', 'the job ended once');
  t.same(job.result, { n: 1 }, 'with the first end’s result');
  t.equal((await db.knex('vines').where({ id: v.vineId }).first()).status, 'ACTIVE', 'the vine ACTIVE');
  const after = await req('POST', `/jobs/${run.id}/logs`, { lines: [{ seq: 4, stream: 'system', level: 'info', line: 'late' }] }, run.headers);
  t.equal(after.statusCode, 409, 'a line after the end is refused (the lease ended)');

  // An identity taking its credentials from the pool's Tendrils: its job's identity is ambient.
  const [fromPool] = await db.knex('cloud_identities')
    .insert({ user_id: v.userId, name: 'from-pool', provider: 'aws', config: { region: 'eu-west-1' }, pool_id: pool.poolId, credentials_from_pool: true })
    .returning('id');
  const test = await jobs.create({ userId: v.userId, type: 'CONNECTION_TEST', identityId: fromPool.id });
  const testRun = (await claim())!;
  t.equal(testRun.id, test.id, 'the pool claims its connection test');
  const identity = (await req('GET', `/jobs/${testRun.id}/identity`, undefined, testRun.headers)).json();
  t.same({ ambient: identity.ambient, credentials: identity.credentials }, { ambient: true, credentials: null }, 'credentials_from_pool: no credentials, ambient (the Tendril’s own role)');
});

t.test('heartbeat renews leases and tells cancels; the cancel watch answers as soon as a user cancels', async (t) => {
  const { v, db, claim, jobs, req, tendrilId } = await setup(t);
  const deploy = await jobs.create({ userId: v.userId, type: 'DEPLOY', vineId: v.vineId });
  const run = (await claim())!;
  await req('POST', `/jobs/${run.id}/start`, undefined, run.headers);
  const before = (await db.knex('provision_jobs').where({ id: run.id }).first()).lease_expires_at;
  await new Promise((r) => setTimeout(r, 50));
  const beat = await req('POST', `/tendrils/${tendrilId}/heartbeat`, { leases: [{ job_id: run.id, epoch: run.epoch }, { job_id: '00000000-0000-4000-8000-000000000000', epoch: 1 }] });
  t.same(beat.json(), { held: [run.id], cancelled: [], revived: false }, 'the lease is held; a job it does not hold is not');
  t.ok((await db.knex('provision_jobs').where({ id: run.id }).first()).lease_expires_at > before, 'and renewed');
  t.same((await req('POST', `/tendrils/${tendrilId}/heartbeat`, { leases: [{ job_id: run.id, epoch: run.epoch - 1 }] })).json().held, [], 'a stale epoch renews nothing');

  const started = Date.now();
  const watch = req('POST', `/tendrils/${tendrilId}/cancels`, { jobs: [run.id], wait_seconds: 10 });
  await new Promise((r) => setTimeout(r, 300));
  await jobs.cancel(v.userId, deploy.id);
  const told = await watch;
  t.same(told.json().cancelled, [run.id], 'the watch tells the cancel');
  t.ok(Date.now() - started < 1500, `within a moment (${Date.now() - started} ms after the watch began, the cancel at ~300 ms)`);
  t.same((await req('POST', `/tendrils/${tendrilId}/heartbeat`, { leases: [{ job_id: run.id, epoch: run.epoch }] })).json().cancelled, [run.id], 'so does the heartbeat');
});

t.test('pool tokens are main’s (vtp_, authenticatePoolToken): an API token is refused; a revoked token ends its long-poll at once and is refused after', async (t) => {
  const { app, v, req, tendrilId, pool } = await setup(t);
  t.match(pool.token, /^vtp_[A-Za-z0-9_-]{43}$/, 'a vtp_ token from the pools’ service');
  const apiToken = await app.services.users.createToken(v.userId, 'grape');
  const asApi = await app.inject({ method: 'POST', url: `/api/v1/agent/tendrils/${tendrilId}/claim`, headers: { authorization: `Bearer ${apiToken.token}` }, payload: { wait_seconds: 0 } });
  t.equal(asApi.statusCode, 401, 'a user’s API token is no pool token');
  const started = Date.now();
  const poll = req('POST', `/tendrils/${tendrilId}/claim`, { wait_seconds: 10 });
  await new Promise((r) => setTimeout(r, 300));
  await app.services.pools.revokeToken(v.userId, pool.poolId, pool.tokenId);
  const ended = await poll;
  t.equal(ended.statusCode, 401, `the held claim ends with 401 (${ended.body})`);
  t.ok(Date.now() - started < 3000, `at once (${Date.now() - started} ms, the revoke at ~300 ms; the long-poll would have waited 10 s)`);
  t.equal(status(await req('POST', `/tendrils/${tendrilId}/claim`, { wait_seconds: 0 })), 401, 'and the next request is refused');
});
