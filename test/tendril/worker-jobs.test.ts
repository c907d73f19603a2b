/**
 * DEPLOY_WORKER / DESTROY_WORKER through the API and a real Tendril: real Terraform runs
 * terraform/tendril-aws against the schema-only AWS provider (test/provider), its state kept by
 * Vintner as the pool's (`pool:<id>`, through the Tendril's state server). A deployment mints the
 * pool token its Tendrils use — in no log, no state, no answer; a redeployment rotates it (the
 * earlier one revoked) and keeps the settings it does not change; a destroy removes everything and
 * revokes the tokens. The requests a pool, an identity or the job's state refuse.
 *
 * The providers come from TERRAFORM_PROVIDER_MIRROR (the schema-only plugin's filesystem mirror),
 * as on an air-gapped Tendril.
 */
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { buildTestApp } from '../helpers.js';
import { PASSWORD, signupWithToken } from '../api/helpers.js';
import { agent } from '../routes/agent.js';
import { jobLog, startTestTendril, waitForJob } from './harness.js';
import { createProviderMirror } from '../provider/harness.js';
import { AWS_TARGET_POLICY_FILE } from '../../src/runner/worker-jobs.js';
import { createStateService } from '../../src/domain/state/service.js';
import { createSealer } from '../../src/domain/crypto.js';

const TOKEN_SHAPE = /vtp_[A-Za-z0-9_-]{43}/;

const POLICY = readFileSync(AWS_TARGET_POLICY_FILE, 'utf8');

const mirror = await createProviderMirror();
t.teardown(() => mirror.remove());
const ENV = { VINTNER_SECRET_KEY: randomBytes(32).toString('base64'), TERRAFORM_PROVIDER_MIRROR: join(mirror.dir, 'providers'), TRELLIS_PUBLIC_URL: 'https://vintner.example.com' };
const { app, db } = await buildTestApp(t, ENV);
const { knex } = db;
await startTestTendril(t, db, ENV);
const alice = await signupWithToken(app);
const bob = await signupWithToken(app);

const SECRET_KEY = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const createIdentity = async (who: typeof alice, body: Record<string, unknown>) => {
  const res = await who.req('POST', '/api/v1/identities', body);
  if (res.statusCode !== 201) throw new Error(`identity: ${res.body}`);
  return res.json() as { id: string; name: string };
};
const aws = await createIdentity(alice, { name: 'prod-aws', provider: 'aws', region: 'eu-central-1', access_key_id: 'AKIAIOSFODNN7EXAMPLE', secret_access_key: SECRET_KEY });
const [pool] = await knex('tendril_pools').insert({ user_id: alice.userId, name: 'CI runners' }).returning(['id', 'name']);
const [bobsPool] = await knex('tendril_pools').insert({ user_id: bob.userId, name: 'CI runners' }).returning(['id']);
const stateOf = async (poolId: string) => {
  const body = await createStateService({ knex, sealer: createSealer(Buffer.from(ENV.VINTNER_SECRET_KEY, 'base64')) }).read({ poolId });
  return body?.toString('utf8');
};
const activeTokens = () => knex('pool_tokens').where({ pool_id: pool.id }).whereNull('revoked_at').orderBy('created_at').select('id', 'job_id', 'name', 'prefix');
const SETTINGS = { image: '123456789012.dkr.ecr.eu-central-1.amazonaws.com/vintner-tendril:0.1.0', subnet_ids: ['subnet-0a1b2c3d4e5f60001', 'subnet-0a1b2c3d4e5f60002'] };

async function runPoolJob(body: Record<string, unknown>) {
  const res = await alice.req('POST', `/api/v1/pools/${pool.id}/jobs`, body);
  if (res.statusCode !== 202) throw new Error(`${String(body.type)}: ${res.statusCode} ${res.body}`);
  const queued = res.json() as { id: string; status: string; pool_id: string; identity_id: string; params: Record<string, unknown> };
  const done = await waitForJob(knex, queued.id, 180_000);
  return { queued, done, log: await jobLog(knex, queued.id) };
}

const noSecrets = async (t: Test, what: string) => {
  const logs: string[] = await knex('provision_job_logs').pluck('line');
  const jobs = JSON.stringify(await knex('provision_jobs').select('error', 'result', 'params'));
  for (const [name, text] of [['log lines', logs.join('\n')], ['jobs', jobs]] as const) {
    t.notMatch(text, TOKEN_SHAPE, `${what}: no token in the ${name}`);
    t.notOk(text.includes(SECRET_KEY), `${what}: the identity's secret key is in no ${name}`);
  }
};

t.test('DEPLOY_WORKER: the pool’s Tendrils created, its token in Secrets Manager only', async (t) => {
  const { queued, done, log } = await runPoolJob({ type: 'DEPLOY_WORKER', identity_id: aws.id, settings: SETTINGS });
  t.equal(queued.pool_id, pool.id, 'the job names the pool');
  t.equal(queued.identity_id, aws.id, 'and the identity whose credentials create the Tendrils');
  t.same(queued.params, { ...SETTINGS, trellis_url: 'https://vintner.example.com', region: 'eu-central-1' }, 'its settings, Trellis’s address from TRELLIS_PUBLIC_URL, the identity’s region');
  t.equal(done.status, 'SUCCESS', `DEPLOY_WORKER succeeds ${done.error ?? ''}`);
  t.match(log, /target terraform\/tendril-aws/, 'it ran terraform/tendril-aws');
  t.match(log, /state: pools\/CI runners \(kept by Vintner, encrypted\)/, 'with the pool’s state');
  t.match(log, /Installed hashicorp\/aws v6\.66\.0/, 'against the (schema-only) AWS provider');
  t.match(log, /a new pool token vtp_\S+… for them/, 'a new pool token was minted (its prefix only in the log)');

  const tendrils = done.result!.tendrils as Record<string, unknown>;
  t.match(tendrils, { service_name: 'tendril-ci-runners-' + pool.id.slice(0, 8), log_group_name: `/tendril/tendril-ci-runners-${pool.id.slice(0, 8)}` }, 'the result names the service and the log group');
  t.same(tendrils.subnet_ids, SETTINGS.subnet_ids, 'in the subnets asked for');

  const tokens = await activeTokens();
  t.equal(tokens.length, 1, 'one active pool token');
  t.equal(tokens[0]!.job_id, queued.id, 'minted by this job');
  t.match(tokens[0]!.name, /^in-account Tendrils \(DEPLOY_WORKER [0-9a-f]{8}\)$/, 'named for what it is');

  const state = await stateOf(pool.id);
  t.ok(state, 'Vintner keeps the pool’s state (pool:<id>)');
  t.notMatch(state!, TOKEN_SHAPE, 'the token is not in the state (write-only)');
  const doc = JSON.parse(state!) as { resources: Array<{ type: string; name: string; instances: Array<{ attributes: Record<string, unknown> }> }> };
  const attrs = (type: string, name: string) => doc.resources.find((r) => r.type === type && r.name === name)!.instances[0]!.attributes;
  t.equal(tendrils.task_role_arn, attrs('aws_iam_role', 'task').arn, 'the result names the task role');
  t.same(JSON.parse(attrs('aws_iam_role_policy', 'task').policy as string), JSON.parse(POLICY), 'the task role holds exactly the aws target’s policy file');
  const [container] = JSON.parse(attrs('aws_ecs_task_definition', 'tendril').container_definitions as string) as Array<{ image: string; secrets: Array<{ name: string }>; environment: Array<{ name: string; value: string }> }>;
  t.equal(container!.image, SETTINGS.image, 'the task runs the image');
  t.same(container!.secrets.map((s) => s.name), ['TENDRIL_TOKEN'], 'TENDRIL_TOKEN from Secrets Manager');
  t.same(container!.environment.find((e) => e.name === 'TRELLIS_URL')?.value, 'https://vintner.example.com', 'TRELLIS_URL in the plain environment');
  t.equal(attrs('aws_secretsmanager_secret_version', 'token').secret_string_wo_version, Math.floor(new Date(((await knex('provision_jobs').where({ id: queued.id }).first('claimed_at')) as { claimed_at: Date }).claimed_at).getTime() / 1000), 'the secret’s version is the claim’s time');
  await noSecrets(t, 'after the deployment');

  const browser = agent(app);
  await browser.get('/login');
  await browser.post('/login', { email: alice.email, password: PASSWORD });
  const page = await browser.get(`/jobs/${queued.id}`);
  t.equal(page.statusCode, 200, 'the job page shows a DEPLOY_WORKER');
  t.match(page.body, /data-worker-result/, 'with what it made');
  t.ok(page.body.includes(String(tendrils.service_name)) && page.body.includes(String(tendrils.task_role_arn)), 'the service and the task role');
  t.match(page.body, /Pool token<\/dt><dd><code>vtp_[A-Za-z0-9_-]{8}…<\/code>/, 'the token by its prefix only');
  t.notMatch(page.body, TOKEN_SHAPE, 'never the token');
});

t.test('a redeployment keeps what it does not change and rotates the token', async (t) => {
  const before = await activeTokens();
  const { queued, done } = await runPoolJob({ type: 'DEPLOY_WORKER', settings: { desired_count: 2, cpu: 2048, memory: 4096 } });
  t.equal(done.status, 'SUCCESS', `DEPLOY_WORKER succeeds again ${done.error ?? ''}`);
  t.equal(queued.identity_id, aws.id, 'the last deployment’s identity');
  t.same(queued.params, { ...SETTINGS, trellis_url: 'https://vintner.example.com', region: 'eu-central-1', desired_count: 2, cpu: 2048, memory: 4096 }, 'the last deployment’s settings, with the changes');
  const after = await activeTokens();
  t.equal(after.length, 1, 'still one active token');
  t.not(after[0]!.id, before[0]!.id, 'a new one');
  t.ok((await knex('pool_tokens').where({ id: before[0]!.id }).first('revoked_at')).revoked_at, 'the one the earlier deployment minted is revoked');
  const doc = JSON.parse((await stateOf(pool.id))!) as { resources: Array<{ type: string; instances: Array<{ attributes: Record<string, unknown> }> }> };
  const service = doc.resources.find((r) => r.type === 'aws_ecs_service')!.instances[0]!.attributes;
  t.equal(service.desired_count, 2, 'two Tendril tasks now');
  await noSecrets(t, 'after the redeployment');
});

t.test('what the requests refuse', async (t) => {
  const post = (who: typeof alice, poolId: string, body: Record<string, unknown>) => who.req('POST', `/api/v1/pools/${poolId}/jobs`, body);
  const problem = (res: { statusCode: number; json(): unknown }) => res.json() as { detail: string; errors?: Array<{ field: string; message: string }> };

  let res = await post(bob, pool.id, { type: 'DEPLOY_WORKER', identity_id: aws.id });
  t.equal(res.statusCode, 404, 'another user’s pool: 404');
  res = await post(alice, bobsPool.id, { type: 'DEPLOY_WORKER', identity_id: aws.id });
  t.equal(res.statusCode, 404, 'and the other way round');
  res = await post(bob, bobsPool.id, { type: 'DEPLOY_WORKER', identity_id: aws.id, settings: SETTINGS });
  t.equal(res.statusCode, 404, 'another user’s identity: 404');
  res = await post(bob, bobsPool.id, { type: 'DESTROY_WORKER' });
  t.equal(res.statusCode, 409, 'nothing deployed, nothing to destroy');
  t.match(problem(res).detail, /no DEPLOY_WORKER of pool CI runners ever ran/);

  const sandbox = (await alice.req('GET', '/api/v1/identities/by-name/sandbox')).json() as { id: string };
  res = await post(alice, pool.id, { type: 'DEPLOY_WORKER', identity_id: sandbox.id });
  t.equal(res.statusCode, 400, 'a local identity cannot make AWS Tendrils');
  t.match(problem(res).errors, [{ field: 'identity_id', message: /must be an aws identity/ }]);

  const bobsAws = await createIdentity(bob, { name: 'aws', provider: 'aws', region: 'us-east-1', access_key_id: 'AKIAIOSFODNN7EXAMPL2', secret_access_key: SECRET_KEY });
  res = await post(bob, bobsPool.id, { type: 'DEPLOY_WORKER', identity_id: bobsAws.id });
  t.equal(res.statusCode, 400, 'no image and no TENDRIL_IMAGE default');
  t.match(problem(res).errors, [{ field: 'settings.image', message: /is required/ }]);
  res = await post(bob, bobsPool.id, { type: 'DEPLOY_WORKER', identity_id: bobsAws.id, settings: { image: 'x:1', cpu: 1000, subnet_ids: ['10.0.0.0/24'] } });
  t.equal(res.statusCode, 400, 'settings are checked');
  t.match(JSON.stringify(problem(res).errors), /cpu/, 'the field is named');
  res = await post(alice, pool.id, { type: 'DESTROY_WORKER', settings: { desired_count: 0 } });
  t.equal(res.statusCode, 400, 'a destroy takes no settings');
  const virginia = await createIdentity(alice, { name: 'us-aws', provider: 'aws', region: 'us-east-1', access_key_id: 'AKIAIOSFODNN7EXAMPL3', secret_access_key: SECRET_KEY });
  for (const type of ['DEPLOY_WORKER', 'DESTROY_WORKER']) {
    res = await post(alice, pool.id, { type, identity_id: virginia.id });
    t.equal(res.statusCode, 409, `${type} with an identity of another region while the Tendrils stand: 409`);
    t.match(problem(res).detail, /Tendrils run in eu-central-1; identity us-aws is for us-east-1/);
  }
  res = await post(alice, pool.id, { type: 'DEPLOY' });
  t.equal(res.statusCode, 400, 'only the pool job types');

  // One worker job of a pool at a time: a second one waits for nothing, it is refused.
  const first = await post(bob, bobsPool.id, { type: 'DEPLOY_WORKER', identity_id: bobsAws.id, settings: { image: 'x:1' } });
  t.equal(first.statusCode, 202, 'a deployment is queued');
  const second = await post(bob, bobsPool.id, { type: 'DEPLOY_WORKER', identity_id: bobsAws.id, settings: { image: 'x:1' } });
  t.equal(second.statusCode, 409, 'a second one while the first is open: 409');
  const firstId = (first.json() as { id: string }).id;
  await bob.req('POST', `/api/v1/jobs/${firstId}/cancel`); // queued or already running: either way it ends
  t.not((await waitForJob(knex, firstId, 120_000)).status, 'SUCCESS', 'the first is cancelled (or fails: no subnets)');

  const list = await alice.req('GET', `/api/v1/pools/${pool.id}/jobs`);
  t.equal(list.statusCode, 200, 'the pool’s jobs');
  t.ok((list.json() as { items: Array<{ type: string }> }).items.every((j) => j.type === 'DEPLOY_WORKER'), 'are its worker jobs');
  t.equal((await bob.req('GET', `/api/v1/pools/${pool.id}/jobs`)).statusCode, 404, 'not another user’s');
  const one = (list.json() as { items: Array<{ id: string }> }).items[0]!.id;
  t.equal((await alice.req('GET', `/api/v1/jobs/${one}`)).statusCode, 200, 'its owner reads a pool job');
  t.equal((await bob.req('GET', `/api/v1/jobs/${one}`)).statusCode, 404, 'another user does not');
});

t.test('DESTROY_WORKER: everything goes, the tokens are revoked', async (t) => {
  const { queued, done, log } = await runPoolJob({ type: 'DESTROY_WORKER' });
  t.equal(done.status, 'SUCCESS', `DESTROY_WORKER succeeds ${done.error ?? ''}`);
  t.equal(queued.identity_id, aws.id, 'with the last deployment’s identity');
  t.match(log, /plan: \d+ to destroy/, 'the plan is logged');
  const doc = JSON.parse((await stateOf(pool.id))!) as { resources: Array<{ mode: string }> };
  t.same(doc.resources.filter((r) => r.mode === 'managed'), [], 'the pool’s state holds nothing any more');
  t.same(await activeTokens(), [], 'no pool token of theirs is active');
  await noSecrets(t, 'after the destroy');
});

t.test('a deployment Terraform refuses fails with its reason and keeps the pool token', async (t) => {
  // The schema-only provider finds no default subnets: the module's precondition stops the plan.
  const { done } = await runPoolJob({ type: 'DEPLOY_WORKER', settings: { subnet_ids: [] } });
  t.equal(done.status, 'FAILED', 'the job fails');
  t.match(done.error, /No subnets/, 'with the module’s reason');
  t.equal((await activeTokens()).length, 1, 'its token stays active until a deployment succeeds or a destroy (Secrets Manager may hold it)');
});
