import t from 'tap';
import { randomBytes } from 'node:crypto';
import { freshDatabase } from '../helpers.js';
import { createSealer } from '../../src/domain/crypto.js';
import { createUserService } from '../../src/domain/users/service.js';
import { createIdentityService } from '../../src/domain/identities/service.js';
import { ConflictError, NotFoundError, ValidationError } from '../../src/domain/errors.js';
import { createDbJobStore } from '../../src/runner/db-store.js';
import type { JobRecord } from '../../src/domain/jobs/repository.js';
import type { Knex } from 'knex';
import type { Sealer } from '../../src/domain/crypto.js';

/** What a Tendril running a job of the identity opens: the only place credentials are opened. */
const openedFor = (knex: Knex, sealer: Sealer) => (identityId: string) =>
  createDbJobStore({ knex, sealer, tendrilId: '00000000-0000-0000-0000-000000000000', stateUrl: () => 'http://127.0.0.1:9/unused', leaseSeconds: 20 }).identity({ identity_id: identityId } as JobRecord);

const CANARY = 'canary-SECRET-9f8e7d6c5b4a';
const fieldsOf = (err: unknown) => (err as ValidationError).errors.map((e) => e.field).sort();

t.test('identities: creation per provider, sealed credentials, public view', async (t) => {
  const { knex } = await freshDatabase(t);
  const sealer = createSealer(randomBytes(32));
  const users = createUserService({ knex });
  const identities = createIdentityService({ knex, sealer });
  const opened = openedFor(knex, sealer);
  const ada = await users.signup('ada@example.com', 'a long enough password');

  const keys = await identities.create(ada.id, {
    name: 'aws-keys',
    provider: 'aws',
    region: 'eu-west-1',
    access_key_id: 'AKIAIOSFODNN7EXAMPLE',
    secret_access_key: CANARY,
    endpoint: 'http://localhost:4566',
  });
  t.equal(keys.has_credentials, true, 'has credentials');
  t.same(keys.config, { region: 'eu-west-1', endpoint: 'http://localhost:4566', access_key_id_masked: 'AKIA…MPLE' }, 'config holds only non-secret parts and the masked key id');
  t.notMatch(JSON.stringify(keys), CANARY, 'the secret is not in the view');
  t.notMatch(JSON.stringify(keys), 'AKIAIOSFODNN7EXAMPLE', 'nor the full access key id');

  const [raw] = await knex('cloud_identities').where({ id: keys.id });
  t.ok(raw.credentials_encrypted, 'credentials stored');
  t.notMatch(raw.credentials_encrypted, CANARY, 'the raw column does not contain the secret');
  t.notMatch(JSON.stringify(raw.config), CANARY, 'nor does config');

  const openedKeys = await opened(keys.id);
  t.same(openedKeys.credentials, { access_key_id: 'AKIAIOSFODNN7EXAMPLE', secret_access_key: CANARY }, 'a job of the identity opens them');
  t.equal(openedKeys.provider, 'aws');

  const role = await identities.create(ada.id, { name: 'aws-role', provider: 'aws', region: 'us-east-1', role_arn: 'arn:aws:iam::123456789012:role/vintner', external_id: 'ext-123' });
  t.equal(role.has_credentials, false, 'a role needs no stored secret');
  t.same(role.config, { region: 'us-east-1', role_arn: 'arn:aws:iam::123456789012:role/vintner', external_id: 'ext-123' });
  t.equal((await opened(role.id)).credentials, null, 'no credentials to open');

  const gcpKey = JSON.stringify({ type: 'service_account', client_email: 'vintner@proj.iam.gserviceaccount.com', private_key: CANARY });
  const gcp = await identities.create(ada.id, { name: 'gcp', provider: 'gcp', project_id: 'my-project-123', region: 'europe-west1', service_account_key: gcpKey });
  t.same(gcp.config, { project_id: 'my-project-123', region: 'europe-west1', client_email: 'vintner@proj.iam.gserviceaccount.com' }, 'gcp config with the client email');
  t.notMatch(JSON.stringify(gcp), CANARY, 'gcp key not in the view');
  t.equal((await opened(gcp.id)).credentials?.service_account_key, gcpKey, 'gcp key opens');

  const azure = await identities.create(ada.id, {
    name: 'azure',
    provider: 'azure',
    tenant_id: '11111111-2222-3333-4444-555555555555',
    client_id: '21111111-2222-3333-4444-555555555555',
    client_secret: CANARY,
    subscription_id: '31111111-2222-3333-4444-555555555555',
    region: 'westeurope',
  });
  t.same(Object.keys(azure.config).sort(), ['client_id', 'region', 'subscription_id', 'tenant_id'], 'azure config without the secret');
  const [azureRaw] = await knex('cloud_identities').where({ id: azure.id });
  t.notMatch(azureRaw.credentials_encrypted, CANARY, 'azure secret sealed');

  const all = await identities.list(ada.id);
  t.same(all.map((i) => i.name), ['aws-keys', 'aws-role', 'azure', 'gcp', 'sandbox'], 'list by name, sandbox included');
  t.notMatch(JSON.stringify(all), CANARY, 'no secret anywhere in the list');
  t.notOk(all.some((i) => 'credentials_encrypted' in i), 'no ciphertext either');
  t.equal((await identities.getByName(ada.id, 'gcp')).id, gcp.id, 'getByName');
  t.equal((await identities.get(ada.id, gcp.id)).name, 'gcp', 'get');
});

t.test('identities: validation', async (t) => {
  const { knex } = await freshDatabase(t);
  const identities = createIdentityService({ knex, sealer: createSealer(randomBytes(32)) });
  const ada = await createUserService({ knex }).signup('ada@example.com', 'a long enough password');
  const refuse = async (input: unknown, fields: string[], what: string) => {
    const err = await identities.create(ada.id, input).catch((e: unknown) => e);
    t.ok(err instanceof ValidationError, `${what}: ValidationError`);
    t.same(fieldsOf(err), fields, `${what}: fields ${fields.join(', ')}`);
    return err as ValidationError;
  };
  await refuse({ name: 'x', provider: 'openstack' }, ['provider'], 'unknown provider');
  await refuse('nope', ['input'], 'not an object');
  await refuse({ name: 'Bad Name', provider: 'local' }, ['name'], 'name with capitals and space');
  await refuse({ name: 'a'.repeat(41), provider: 'local' }, ['name'], 'name over 40');
  await refuse({ name: '', provider: 'local' }, ['name'], 'empty name');
  await refuse({ name: '11111111-2222-3333-4444-555555555555', provider: 'local' }, ['name'], 'uuid-shaped name');
  await refuse({ name: 'x', provider: 'local', region: 'eu-west-1' }, ['region'], 'unknown field on local');
  await refuse({ name: 'x', provider: 'aws', region: 'eu-west-1' }, ['role_arn'], 'aws with neither role nor keys');
  await refuse({ name: 'x', provider: 'aws', region: 'eu-west-1', role_arn: 'arn:aws:iam::123456789012:role/r', access_key_id: 'AKIAIOSFODNN7EXAMPLE' }, ['secret_access_key'], 'a role with half a key');
  await refuse({ name: 'x', provider: 'aws', region: 'eu-west-1', access_key_id: 'AKIAIOSFODNN7EXAMPLE' }, ['secret_access_key'], 'key id without secret');
  await refuse({ name: 'x', provider: 'aws', region: 'eu-west-1', access_key_id: 'AKIAIOSFODNN7EXAMPLE', secret_access_key: 's', external_id: 'abc' }, ['external_id'], 'external id without role');
  await refuse({ name: 'x', provider: 'aws', region: 'moon', role_arn: 'arn:aws:iam::1:role/r', endpoint: 'ftp://x' }, ['endpoint', 'region', 'role_arn'], 'aws formats');
  await refuse({ name: 'x', provider: 'gcp', project_id: 'my-project-123', region: 'europe-west1', service_account_key: '{not json' }, ['service_account_key'], 'gcp key not JSON');
  await refuse({ name: 'x', provider: 'gcp', project_id: 'my-project-123', region: 'europe-west1', service_account_key: '{"type":"service_account"}' }, ['service_account_key'], 'gcp key without email and private key');
  await refuse({ name: 'x', provider: 'azure', tenant_id: 't', client_id: 'c', subscription_id: 's' }, ['client_id', 'client_secret', 'region', 'subscription_id', 'tenant_id'], 'azure');

  const dup = await refuse({ name: 'sandbox', provider: 'local' }, ['name'], 'duplicate name');
  t.equal(dup.errors[0]?.message, 'an identity named "sandbox" already exists');
  t.equal((await knex('cloud_identities').count('* as n'))[0]?.n, 1, 'nothing stored by refused creations');

  // Keys that assume a role (a bootstrap user's keys, the role with its external id): both kept.
  const both = await identities.create(ada.id, { name: 'aws-both', provider: 'aws', region: 'eu-west-1', role_arn: 'arn:aws:iam::123456789012:role/r', external_id: 'ext-1', access_key_id: 'AKIAIOSFODNN7EXAMPLE', secret_access_key: 's3cret' });
  t.same(both.config, { region: 'eu-west-1', role_arn: 'arn:aws:iam::123456789012:role/r', external_id: 'ext-1', access_key_id_masked: 'AKIA…MPLE' }, 'keys that assume a role');
});

t.test('identities: deletion refused while used, scoped to the user', async (t) => {
  const { knex } = await freshDatabase(t);
  const identities = createIdentityService({ knex, sealer: createSealer(randomBytes(32)) });
  const users = createUserService({ knex });
  const ada = await users.signup('ada@example.com', 'a long enough password');
  const bob = await users.signup('bob@example.com', 'a long enough password');
  const sandbox = await identities.getByName(ada.id, 'sandbox');
  const [vy] = await knex('vineyards').insert({ user_id: ada.id, name: 'Acme' }).returning('*');
  await knex('vines').insert([
    { vineyard_id: vy.id, name: 'Shop', stage: 'production', identity_id: sandbox.id, status: 'ACTIVE' },
    { vineyard_id: vy.id, name: 'Shop', stage: 'development', identity_id: sandbox.id },
  ]);

  const err = await identities.delete(ada.id, sandbox.id).catch((e: unknown) => e);
  t.ok(err instanceof ConflictError, 'refused while used');
  t.equal((err as Error).message, 'identity "sandbox" is used by vines Acme/Shop (development, DRAFT), Acme/Shop (production, ACTIVE): give them another identity or delete them first', 'names the vines');

  const notFound = new NotFoundError(`identity ${sandbox.id} not found`);
  await t.rejects(identities.get(bob.id, sandbox.id), notFound, 'another user: get → not found');
  await t.rejects(identities.delete(bob.id, sandbox.id), notFound, 'another user: delete → not found');
  await t.rejects(identities.getByName(bob.id, 'nothing'), new NotFoundError('identity "nothing" not found'), 'unknown name');
  await t.rejects(identities.get(ada.id, 'not-a-uuid'), NotFoundError, 'malformed id → not found');

  await knex('vines').delete();
  await identities.delete(ada.id, sandbox.id);
  t.same(await identities.list(ada.id), [], 'deleted once unused');
  t.equal((await identities.list(bob.id)).length, 1, 'bob keeps his own sandbox');
});
