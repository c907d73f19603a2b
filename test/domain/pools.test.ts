/**
 * Tendril pools in the domain: create, rename, describe, delete (refused while identities are
 * bound, while its Tendrils run jobs, while its infrastructure exists), counts; pool tokens
 * (shown once, hashed, revocable) and authenticatePoolToken; identities bound to pools, with and
 * without credentials of their own; and every call scoped to its user.
 */
import t, { type Test } from 'tap';
import { randomUUID } from 'node:crypto';
import { domain, fieldErrors } from './fixtures.js';
import { ConflictError, NotFoundError, ValidationError } from '../../src/domain/errors.js';
import { authenticatePoolToken, createPoolService, workerDeployUnavailable } from '../../src/domain/pools/service.js';
import { createJobService } from '../../src/domain/jobs/service.js';
import { hashToken } from '../../src/domain/users/tokens.js';

const GCP_KEY = JSON.stringify({ type: 'service_account', client_email: 'deployer@shop-prod.iam.gserviceaccount.com', private_key: '-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----\n' });

async function setup(t: Test) {
  const d = await domain(t);
  const pools = createPoolService({ knex: d.knex });
  const ada = await d.person('ada@example.com');
  const bob = await d.person('bob@example.com', 'Bobland');
  return { ...d, pools, ada: ada.user.id, bob: bob.user.id };
}

/** A Tendril row of the pool (what the agent API's registration will write). */
async function tendrilOf(knex: import('knex').Knex, poolId: string | null, name: string, extra: Record<string, unknown> = {}) {
  const [row] = await knex('tendrils').insert({ name, host: 'ip-10-0-1-5', pid: 7, version: '0.1.0', terraform_version: '1.9.8', concurrency: 2, pool_id: poolId, location: 'ecs:eu-west-1/tendrils/task-1', ...extra }).returning('id');
  return (row as { id: string }).id;
}

t.test('create, list with counts, get by id and name, rename, describe', async (t) => {
  const { pools, ada, knex } = await setup(t);
  const edge = await pools.create(ada, { name: 'edge', description: '  ECS in eu-west-1  ' });
  t.equal(edge.name, 'edge', 'created');
  t.equal(edge.description, 'ECS in eu-west-1', 'description trimmed');
  t.same([edge.tendrils_online, edge.running_jobs, edge.active_tokens, edge.identities], [0, 0, 0, []], 'nothing in it yet');
  await pools.create(ada, { name: 'batch' });
  t.same((await pools.list(ada)).map((p) => p.name), ['batch', 'edge'], 'listed by name');
  t.equal((await pools.getByName(ada, 'edge')).id, edge.id, 'by name');
  t.equal((await pools.find(ada, edge.id))?.name, 'edge', 'find by id');
  t.equal((await pools.find(ada, 'batch'))?.name, 'batch', 'find by name');
  t.equal(await pools.find(ada, 'nope'), undefined, 'find: none');

  for (const [input, expected] of [
    [{ name: 'Edge Pool' }, /name: is not valid: expected lowercase letters/],
    [{ name: '' }, /name: must not be empty/],
    [{ name: 'edge' }, /name: a pool named "edge" already exists/],
    [{ name: randomUUID() }, /name: must not look like an id/],
    [{ name: 'ok', description: 'x'.repeat(501) }, /description: must be at most 500 characters/],
    [{ name: 'ok', color: 'red' }, /color: is not a known field/],
    [{}, /name: is required/],
    [null, /input: must be an object/],
  ] as const) {
    const err = await pools.create(ada, input).catch((e: unknown) => e);
    t.ok(err instanceof ValidationError, `refused: ${JSON.stringify(input)?.slice(0, 60)}`);
    t.match(fieldErrors(err).join('; '), expected, 'with the reason per field');
  }

  const renamed = await pools.update(ada, edge.id, { name: 'edge-eu', description: 'moved' });
  t.same([renamed.name, renamed.description], ['edge-eu', 'moved'], 'renamed and described');
  await t.rejects(pools.update(ada, edge.id, { name: 'batch' }), ValidationError, 'not to a taken name');

  // Its Tendril infrastructure in the cloud (a DEPLOY_WORKER's state): the name stays.
  await knex('terraform_states').insert({ state_key: `pool:${edge.id}`, pool_id: edge.id, serial: 3, lineage: 'l', state_encrypted: Buffer.from('x'), md5: 'm', resources: 7 });
  const busy = await pools.update(ada, edge.id, { name: 'edge-us' }).catch((e: unknown) => e);
  t.ok(busy instanceof ConflictError, 'renaming a deployed pool: 409');
  t.match((busy as Error).message, 'pool "edge-eu" cannot be renamed while its Tendril infrastructure exists in the cloud (7 resources in its Terraform state)', 'saying why');
  t.equal((await pools.update(ada, edge.id, { description: 'still fine' })).description, 'still fine', 'its description may change');
  const gone = await pools.delete(ada, edge.id).catch((e: unknown) => e);
  t.match((gone as Error).message, 'still has its Tendril infrastructure in the cloud (7 resources', 'nor is it deleted');
  await knex('terraform_states').insert({ state_key: `pool:${edge.id}`, pool_id: edge.id, serial: 4, lineage: 'l', state_encrypted: Buffer.from('x'), md5: 'm', resources: 0 });
  await pools.delete(ada, edge.id);
  t.same((await pools.list(ada)).map((p) => p.name), ['batch'], 'deleted once destroyed (its newest state is empty)');
});

t.test('counts, Tendrils, and delete refused while identities are bound or its Tendrils run jobs', async (t) => {
  const { pools, identities, ada, knex } = await setup(t);
  const pool = await pools.create(ada, { name: 'edge' });
  const other = await pools.create(ada, { name: 'other' });
  const prod = await identities.create(ada, { name: 'prod', provider: 'aws', region: 'eu-west-1', pool_id: pool.id, credentials_from_pool: true });
  const lab = await identities.create(ada, { name: 'lab', provider: 'local', pool_id: pool.id });
  const t1 = await tendrilOf(knex, pool.id, 'tendril-a');
  await tendrilOf(knex, pool.id, 'tendril-old', { status: 'STOPPED', stopped_at: knex.fn.now(), last_seen_at: knex.raw("now() - interval '2 hours'") });
  await tendrilOf(knex, pool.id, 'tendril-ancient', { status: 'DEAD', last_seen_at: knex.raw("now() - interval '3 days'") });
  await tendrilOf(knex, other.id, 'tendril-other');
  await tendrilOf(knex, null, 'in-house');
  await pools.createToken(ada, pool.id, { name: 'ecs' });
  const { row: revoked } = await pools.createToken(ada, pool.id, { name: 'old' });
  await pools.revokeToken(ada, pool.id, revoked.id);

  const job = await createJobService(knex).create({ userId: ada, type: 'CONNECTION_TEST', identityId: lab.id });
  await knex('provision_jobs').where({ id: job.id }).update({ status: 'CLAIMED', tendril_id: t1, claimed_at: knex.fn.now() });

  const seen = await pools.get(ada, pool.id);
  t.equal(seen.tendrils_online, 1, 'one Tendril online (the stopped and dead ones are not)');
  t.equal(seen.running_jobs, 1, 'one job on its Tendrils');
  t.equal(seen.active_tokens, 1, 'one token not revoked');
  t.same(seen.identities.map((i) => [i.name, i.provider, i.credentials_from_pool]), [['lab', 'local', false], ['prod', 'aws', true]], 'its identities, by name');
  const tendrils = await pools.tendrils(ada, pool.id);
  t.same(tendrils.map((x) => [x.name, x.status, x.running_jobs]), [['tendril-a', 'RUNNING', 1], ['tendril-old', 'STOPPED', 0]], 'its Tendrils: running first, the last day’s stopped ones, not another pool’s nor Vintner’s own');
  t.equal(tendrils[0]!.location, 'ecs:eu-west-1/tendrils/task-1', 'with where it runs');
  t.type(tendrils[0]!.heartbeat_age_seconds, 'number', 'and when it was last heard of');

  const bound = await pools.delete(ada, pool.id).catch((e: unknown) => e);
  t.ok(bound instanceof ConflictError, 'delete with identities bound: 409');
  t.equal((bound as Error).message, 'pool "edge" is used by identities "lab" and "prod": unbind them first (or delete them)', 'naming the identities');

  await identities.delete(ada, prod.id);
  const running = await pools.delete(ada, pool.id).catch((e: unknown) => e);
  t.match((running as Error).message, 'is used by identity "lab": unbind it first', 'one identity left, named');
  // Unbound while its job runs on the pool (a test may leave its pool once the job ends; here the row is moved by hand).
  await knex('provision_jobs').where({ id: job.id }).update({ status: 'CANCELLED', finished_at: knex.fn.now() });
  await identities.update(ada, lab.id, { pool_id: null });
  await knex('provision_jobs').where({ id: job.id }).update({ status: 'PROCESSING', finished_at: null });
  const stillBusy = await pools.delete(ada, pool.id).catch((e: unknown) => e);
  t.ok(stillBusy instanceof ConflictError, 'delete while its Tendrils run a job: 409');
  t.match((stillBusy as Error).message, `pool "edge" has jobs running on its Tendrils or about it: CONNECTION_TEST ${job.id} (PROCESSING on tendril-a)`, 'naming the job and the Tendril');
  await knex('provision_jobs').where({ id: job.id }).update({ status: 'SUCCESS', finished_at: knex.fn.now() });
  await pools.delete(ada, pool.id);
  t.equal(await knex('pool_tokens').where({ pool_id: pool.id }).first(), undefined, 'its tokens went with it');
  t.equal(await knex('tendrils').where({ id: t1 }).first(), undefined, 'its Tendrils’ rows went too (in no pool they would pass for Vintner’s own)');
  t.same(await knex('provision_jobs').where({ id: job.id }).first('status', 'tendril_id'), { status: 'SUCCESS', tendril_id: null }, 'the job they ran keeps its history');
  t.equal(Number((await knex('tendrils').whereNull('pool_id').count<{ c: string }[]>('* as c'))[0]!.c), 1, 'Vintner’s own Tendril stays');
});

t.test('pool tokens: shown once, stored hashed, listed without secrets, revoked; authenticatePoolToken', async (t) => {
  const { pools, users, ada, knex } = await setup(t);
  const pool = await pools.create(ada, { name: 'edge' });
  const { token, row } = await pools.createToken(ada, pool.id, { name: '  ecs service  ' });
  t.match(token, /^vtp_[A-Za-z0-9_-]{43}$/, 'vtp_ and 32 random bytes');
  t.equal(row.name, 'ecs service', 'name trimmed');
  t.equal(row.prefix, token.slice(0, 12), 'its first characters kept to tell it apart');
  const stored = await knex('pool_tokens').where({ id: row.id }).first();
  t.equal(stored.token_hash, hashToken(token), 'only the sha256 is stored');
  t.notOk(JSON.stringify(await knex('pool_tokens').select()).includes(token), 'the token is nowhere in the table');
  t.notOk('token_hash' in (await pools.tokens(ada, pool.id))[0]!, 'a listed token carries no hash');
  await t.rejects(pools.createToken(ada, pool.id, { name: ' ' }), ValidationError, 'a token needs a name');
  await t.rejects(pools.createToken(ada, pool.id, { name: 'x', extra: 1 }), ValidationError, 'and nothing else');

  t.same(await authenticatePoolToken(knex, token), { poolId: pool.id, tokenId: row.id, userId: ada }, 'the token speaks for its pool and user');
  const used = (await knex('pool_tokens').where({ id: row.id }).first('last_used_at')).last_used_at as Date;
  t.ok(used, 'its use recorded');
  await authenticatePoolToken(knex, token);
  t.same((await knex('pool_tokens').where({ id: row.id }).first('last_used_at')).last_used_at, used, 'not again within the minute');
  await knex('pool_tokens').where({ id: row.id }).update({ last_used_at: knex.raw("now() - interval '2 minutes'") });
  await authenticatePoolToken(knex, token);
  t.ok(Date.now() - (await knex('pool_tokens').where({ id: row.id }).first('last_used_at')).last_used_at.getTime() < 60_000, 'and again after a minute');

  const { token: apiToken } = await users.createToken(ada, 'laptop');
  for (const [what, bad] of [['an API token', apiToken], ['a malformed token', 'vtp_short'], ['an unknown token', `vtp_${'A'.repeat(43)}`], ['nothing', '']] as const) {
    t.equal(await authenticatePoolToken(knex, bad), undefined, `${what}: refused`);
  }
  await t.rejects(users.authenticateToken(token), /token revoked or unknown/, 'and a pool token is no API token');

  const revoked = await pools.revokeToken(ada, pool.id, row.id);
  t.ok(revoked.revoked_at, 'revoked');
  t.equal(await authenticatePoolToken(knex, token), undefined, 'refused from the next request on');
  const again = await pools.revokeToken(ada, pool.id, row.id);
  t.same(again.revoked_at, revoked.revoked_at, 'revoking twice keeps the first time');
  const other = await pools.create(ada, { name: 'other' });
  await t.rejects(pools.revokeToken(ada, other.id, row.id), new NotFoundError(`token ${row.id} not found`), 'a token of another pool is not found there');
});

t.test('identities bound to pools, with their own credentials or the pool’s Tendrils’', async (t) => {
  const { pools, identities, ada, bob, knex, sealer } = await setup(t);
  const pool = await pools.create(ada, { name: 'edge' });
  const bobs = await pools.create(bob, { name: 'bobs' });

  const gcp = await identities.create(ada, { name: 'gcp-prod', provider: 'gcp', project_id: 'shop-prod', region: 'europe-west1', pool_id: pool.id, credentials_from_pool: true });
  t.same([gcp.pool_id, gcp.pool_name, gcp.credentials_from_pool, gcp.has_credentials], [pool.id, 'edge', true, false], 'a GCP identity with no key: workload identity of the pool’s Tendrils');
  const azure = await identities.create(ada, { name: 'az', provider: 'azure', tenant_id: 'contoso.onmicrosoft.com', subscription_id: '11111111-2222-3333-4444-555555555555', region: 'westeurope', pool_id: pool.id, credentials_from_pool: true });
  t.same([azure.credentials_from_pool, azure.config.client_id], [true, undefined], 'an Azure identity on a system-assigned managed identity');

  for (const [what, input, expected] of [
    ['from the pool, without a pool', { name: 'x1', provider: 'gcp', project_id: 'shop-prod', region: 'europe-west1', credentials_from_pool: true }, ['credentials_from_pool: needs pool_id: only the Tendrils of a pool can supply the credentials']],
    ['from the pool, with a key too', { name: 'x2', provider: 'gcp', project_id: 'shop-prod', region: 'europe-west1', service_account_key: GCP_KEY, pool_id: pool.id, credentials_from_pool: true }, ['service_account_key: is not stored when credentials_from_pool is true (the pool’s Tendrils supply the credentials)']],
    ['no key and not from a pool', { name: 'x3', provider: 'gcp', project_id: 'shop-prod', region: 'europe-west1', pool_id: pool.id }, ['service_account_key: is required (unless the credentials come from a pool’s Tendrils)']],
    ['an Azure secret missing', { name: 'x4', provider: 'azure', tenant_id: 'contoso.onmicrosoft.com', client_id: '11111111-2222-3333-4444-555555555555', subscription_id: '11111111-2222-3333-4444-555555555555', region: 'westeurope' }, ['client_secret: is required (unless the credentials come from a pool’s Tendrils)']],
    ['AWS keys from the pool', { name: 'x5', provider: 'aws', region: 'eu-west-1', access_key_id: 'AKIAIOSFODNN7EXAMPLE', secret_access_key: 's', pool_id: pool.id, credentials_from_pool: true }, ['access_key_id: is not stored when credentials_from_pool is true (the pool’s Tendrils supply the credentials)', 'secret_access_key: is not stored when credentials_from_pool is true (the pool’s Tendrils supply the credentials)']],
    ['AWS with nothing', { name: 'x6', provider: 'aws', region: 'eu-west-1' }, ['role_arn: is required unless access_key_id and secret_access_key are given (a role is preferred), or the credentials come from a pool’s Tendrils']],
    ['another user’s pool', { name: 'x7', provider: 'local', pool_id: bobs.id }, [`pool_id: pool ${bobs.id} not found`]],
    ['a pool that does not exist', { name: 'x8', provider: 'local', pool_id: '00000000-0000-4000-8000-000000000000' }, ['pool_id: pool 00000000-0000-4000-8000-000000000000 not found']],
    ['a pool id that is no id', { name: 'x9', provider: 'local', pool_id: 'edge' }, ['pool_id: is not valid: expected a Tendril pool’s id (a UUID)']],
    ['a local identity from the pool', { name: 'x10', provider: 'local', pool_id: pool.id, credentials_from_pool: true }, ['credentials_from_pool: is not a known field']],
  ] as const) {
    const err = await identities.create(ada, input).catch((e: unknown) => e);
    t.ok(err instanceof ValidationError, `${what}: refused`);
    t.same(fieldErrors(err), expected, `${what}: saying why`);
  }

  // Bind, unbind, switch where the credentials come from.
  const aws = await identities.create(ada, { name: 'aws', provider: 'aws', region: 'eu-west-1', access_key_id: 'AKIAIOSFODNN7EXAMPLE', secret_access_key: 'wJalrXUtnFEMI' });
  t.same([aws.pool_id, aws.pool_name, aws.credentials_from_pool], [null, null, false], 'unbound at first');
  const bound = await identities.update(ada, aws.id, { pool_id: pool.id });
  t.same([bound.pool_id, bound.pool_name, bound.has_credentials], [pool.id, 'edge', true], 'bound; its keys kept');
  t.same((await identities.list(ada)).find((i) => i.id === aws.id)?.pool_name, 'edge', 'listed with its pool');
  const err = await identities.update(ada, aws.id, { pool_id: bobs.id }).catch((e: unknown) => e);
  t.same(fieldErrors(err), [`pool_id: pool ${bobs.id} not found`], 'not to another user’s pool');
  await t.rejects(identities.update(bob, aws.id, { pool_id: bobs.id }), new NotFoundError(`identity ${aws.id} not found`), 'nor by another user');
  t.same(fieldErrors(await identities.update(ada, aws.id, { pool_id: null, color: 1 } as never).catch((e: unknown) => e)), ['color: is not a known field'], 'a patch says only pool and credentials');

  const ambient = await identities.update(ada, aws.id, { credentials_from_pool: true });
  t.same([ambient.credentials_from_pool, ambient.has_credentials], [true, false], 'credentials from the pool: the stored keys are deleted');
  t.equal((await knex('cloud_identities').where({ id: aws.id }).first('credentials_encrypted')).credentials_encrypted, null, 'gone from the table');
  const leave = await identities.update(ada, aws.id, { pool_id: null }).catch((e: unknown) => e);
  t.ok(leave instanceof ConflictError, 'it cannot leave its pool while it takes the pool’s credentials');
  t.match((leave as Error).message, `identity "aws" takes its credentials from pool "edge"'s Tendrils`, 'saying so');
  const back = await identities.update(ada, aws.id, { credentials_from_pool: false }).catch((e: unknown) => e);
  t.ok(back instanceof ConflictError, 'nor go back to stored credentials it no longer has');
  t.match((back as Error).message, 'it has no a role ARN or access keys', 'naming what it lacks');
  const noKey = await identities.update(ada, gcp.id, { pool_id: null, credentials_from_pool: false }).catch((e: unknown) => e);
  t.match((noKey as Error).message, 'identity "gcp-prod" stores no credentials of its own (it has no a service-account key)', 'a GCP identity without a key stays with its pool');

  const role = await identities.create(ada, { name: 'role', provider: 'aws', region: 'eu-west-1', role_arn: 'arn:aws:iam::123456789012:role/vintner', pool_id: pool.id, credentials_from_pool: true });
  const freed = await identities.update(ada, role.id, { pool_id: null, credentials_from_pool: false });
  t.same([freed.pool_id, freed.credentials_from_pool], [null, false], 'an AWS role leaves: any Tendril’s own credentials assume it');

  // The pool cannot change under a job that was routed already.
  const job = await createJobService(knex).create({ userId: ada, type: 'CONNECTION_TEST', identityId: role.id });
  const moving = await identities.update(ada, role.id, { pool_id: pool.id }).catch((e: unknown) => e);
  t.ok(moving instanceof ConflictError, 'no pool change while a job of it is queued');
  t.equal((moving as Error).message, `identity "role" has jobs queued or running (CONNECTION_TEST ${job.id} (QUEUED)): its pool can change once they end (or are cancelled)`, 'naming the job');
  t.same((await identities.update(ada, role.id, { pool_id: null })).pool_id, null, 'setting the same pool again is no change');
  await createJobService(knex).cancel(ada, job.id);
  t.same((await identities.update(ada, role.id, { pool_id: pool.id })).pool_name, 'edge', 'once it ended (cancelled), bound');

  // The database holds the rule too.
  await t.rejects(knex('cloud_identities').where({ id: role.id }).update({ credentials_from_pool: true, pool_id: null }), /cloud_identities_pool_credentials_check/, 'no identity from a pool without a pool');
  await t.rejects(
    knex('cloud_identities').where({ id: gcp.id }).update({ credentials_encrypted: sealer.seal('{}') }),
    /cloud_identities_pool_credentials_check/,
    'nor with stored credentials',
  );
});

t.test('another user’s pool is a missing one, everywhere', async (t) => {
  const { pools, ada, bob } = await setup(t);
  const pool = await pools.create(ada, { name: 'edge' });
  const { row: token } = await pools.createToken(ada, pool.id, { name: 'ecs' });
  const cases: Array<[string, (id: string) => Promise<unknown>]> = [
    ['get', (id) => pools.get(bob, id)],
    ['update', (id) => pools.update(bob, id, { description: 'mine' })],
    ['delete', (id) => pools.delete(bob, id)],
    ['tendrils', (id) => pools.tendrils(bob, id)],
    ['tokens', (id) => pools.tokens(bob, id)],
    ['createToken', (id) => pools.createToken(bob, id, { name: 'x' })],
    ['revokeToken', (id) => pools.revokeToken(bob, id, token.id)],
    ['deployWorker', (id) => pools.deployWorker(bob, id, { identity_id: pool.id })],
  ];
  for (const [what, call] of cases) {
    const theirs = await call(pool.id).catch((e: unknown) => e);
    const missingId = randomUUID();
    const missing = await call(missingId).catch((e: unknown) => e);
    t.ok(theirs instanceof NotFoundError, `${what}: another user's pool → NotFoundError`);
    t.equal((theirs as Error).message, `pool ${pool.id} not found`, `${what}: naming only the id`);
    t.equal((missing as Error).message.replace(missingId, pool.id), (theirs as Error).message, `${what}: as for a missing one`);
  }
  await t.rejects(pools.getByName(bob, 'edge'), new NotFoundError('pool "edge" not found'), 'by name');
  t.equal(await pools.find(bob, pool.id), undefined, 'find');
  t.same(await pools.list(bob), [], 'list');
  await t.rejects(pools.get(ada, 'not-an-id'), new NotFoundError('pool "not-an-id" not found'), 'a malformed id is not found (no database error)');
  t.equal((await pools.get(ada, pool.id)).description, '', 'nothing of ada’s changed');
  t.equal((await pools.tokens(ada, pool.id))[0]!.revoked_at, null, 'her token not revoked');
});

t.test('DEPLOY_WORKER: refused with the reason while the jobs service cannot queue one for a pool', async (t) => {
  const { pools, identities, ada, knex } = await setup(t);
  const pool = await pools.create(ada, { name: 'edge' });
  const aws = await identities.create(ada, { name: 'aws', provider: 'aws', region: 'eu-west-1', role_arn: 'arn:aws:iam::123456789012:role/vintner' });
  const reason = workerDeployUnavailable();
  t.type(reason, 'string', 'this Trellis says why it cannot deploy a Tendril yet');
  const err = await pools.deployWorker(ada, pool.id, { identity_id: aws.id }).catch((e: unknown) => e);
  t.ok(err instanceof ConflictError, 'a deploy request: 409');
  t.equal((err as Error).message, reason, 'with that reason');
  t.equal(Number((await knex('provision_jobs').count<{ c: string }[]>('* as c'))[0]!.c), 0, 'and no job was made');
});
