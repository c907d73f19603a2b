import t from 'tap';
import { domain, fieldErrors } from './fixtures.js';
import { ConflictError, ValidationError } from '../../src/domain/errors.js';
import type { VineSpecDocument } from '../../src/domain/vines/schema.js';

const clone = (s: VineSpecDocument) => JSON.parse(JSON.stringify(s)) as VineSpecDocument;

t.test('diff and replace: create, update, delete, markRemoved, restore, config_version', async (t) => {
  const { person, vines, knex, sealer } = await domain(t);
  const { user, vineyard } = await person('ada@example.com');
  const planted = await vines.create(user.id, vineyard.id, {
    name: 'Shop',
    stage: 'development',
    identity: 'sandbox',
    databases: [{ name: 'main' }],
    caches: [{ name: 'sessions' }],
    secrets: [{ name: 'token', value: 'first-value' }],
  });
  const id = planted.vine.id;
  const comp = (d: Pick<typeof planted, "components">, kind: string, name: string) => d.components.find((c) => c.kind === kind && c.name === name);
  const mainId = comp(planted, 'databases', 'main')!.id;
  // As if a harvest had created the database.
  await knex('vine_databases').where({ id: mainId }).update({ status: 'ACTIVE' });

  const next = clone(planted.spec);
  next.databases[0]!.storage_gb = 50;
  next.caches = [];
  next.queues = [{ name: 'jobs' }];
  const diff = await vines.diff(user.id, id, next);
  t.equal(diff.changed, true, 'the diff sees changes');
  t.same(diff.vine.changed_fields, [], 'no vine-level change');
  t.same(
    diff.components.map((c) => [c.kind, c.name, c.action, c.changed_fields, c.status]),
    [
      ['databases', 'main', 'update', ['storage_gb'], 'ACTIVE'],
      ['queues', 'jobs', 'create', [], null],
      ['secrets', 'token', 'none', [], 'PENDING'],
      ['caches', 'sessions', 'delete', [], 'PENDING'],
    ],
    'per component: action and changed fields',
  );
  t.equal((await vines.get(user.id, id)).vine.config_version, 1, 'diff changes nothing');

  const r1 = await vines.replace(user.id, id, next);
  t.same(r1.diff, diff, 'replace applies what diff showed');
  t.equal(r1.vine.vine.config_version, 2, 'config_version bumped');
  t.equal(comp(r1.vine, 'databases', 'main')!.settings.storage_gb, 50, 'settings updated');
  t.equal(comp(r1.vine, 'databases', 'main')!.status, 'ACTIVE', 'an updated component keeps its status (the harvest updates it)');
  t.equal(comp(r1.vine, 'queues', 'jobs')!.status, 'PENDING', 'new component PENDING');
  t.notOk(comp(r1.vine, 'caches', 'sessions'), 'a PENDING component removed from the spec is deleted outright');
  t.equal((await knex('vine_caches').count('* as n'))[0]?.n, 0, 'its row is gone');
  t.equal(sealer.open((await knex('vine_secrets').first()).value_encrypted), 'first-value', 'a secret without value keeps the stored one');

  const same = await vines.replace(user.id, id, r1.vine.spec);
  t.equal(same.diff.changed, false, 'the returned spec sent back changes nothing');
  t.ok(same.diff.components.every((c) => c.action === 'none'), 'every component unchanged');
  t.equal(same.vine.vine.config_version, 2, 'no bump without a change');

  const withoutMain = clone(r1.vine.spec);
  withoutMain.databases = [];
  const r2 = await vines.replace(user.id, id, withoutMain);
  t.same(r2.diff.components.filter((c) => c.action !== 'none').map((c) => [c.name, c.action]), [['main', 'delete']], 'diff says delete');
  const removed = comp(r2.vine, 'databases', 'main')!;
  t.ok(removed.removed_at instanceof Date, 'an ACTIVE component is marked removed (the next harvest destroys it)');
  t.equal(removed.status, 'ACTIVE', 'still ACTIVE until then');
  t.same(r2.vine.spec.databases, [], 'and is no longer in the spec');
  t.equal(r2.vine.vine.config_version, 3);

  const again = await vines.replace(user.id, id, r1.vine.spec);
  t.same(again.diff.components.filter((c) => c.action !== 'none').map((c) => [c.name, c.action, c.status]), [['main', 'create', 'ACTIVE']], 're-adding it shows as create');
  const restored = comp(again.vine, 'databases', 'main')!;
  t.equal(restored.id, mainId, 'the same row comes back');
  t.equal(restored.removed_at, null, 'no longer marked removed');

  const changeSecret = clone(again.vine.spec);
  changeSecret.secrets[0]!.value = 'second-value';
  const r3 = await vines.replace(user.id, id, changeSecret);
  t.same(r3.diff.components.find((c) => c.kind === 'secrets')!.changed_fields, ['value'], 'a new secret value is a change of `value`');
  t.equal(sealer.open((await knex('vine_secrets').first()).value_encrypted), 'second-value', 'new value sealed');
  t.equal((await vines.diff(user.id, id, changeSecret)).changed, false, 'the same value again is no change');
  const drop = clone(r3.vine.spec);
  drop.secrets[0]!.has_value = false;
  const r4 = await vines.replace(user.id, id, drop);
  t.same(r4.diff.components.find((c) => c.kind === 'secrets')!.changed_fields, ['value'], 'has_value false drops the value');
  t.equal((await knex('vine_secrets').first()).value_encrypted, null, 'value dropped');
  t.equal(r4.vine.spec.secrets[0]!.has_value, false, 'spec says so');

  // While DRAFT, name, stage and identity may change.
  const renamed = clone(r4.vine.spec);
  renamed.name = 'Boutique';
  renamed.stage = 'staging';
  const r5 = await vines.replace(user.id, id, renamed);
  t.same(r5.diff.vine.changed_fields, ['name', 'stage'], 'vine-level changes');
  t.equal(r5.vine.vine.name_prefix, 'acme-boutique-stg', 'new prefix');
});

t.test('replace rules tied to the vine status', async (t) => {
  const { person, vines, knex, identities } = await domain(t);
  const { user, vineyard } = await person('ada@example.com');
  await identities.create(user.id, { name: 'other', provider: 'local' });
  const planted = await vines.create(user.id, vineyard.id, { name: 'Shop', stage: 'production', identity: 'sandbox', network: {} });
  const id = planted.vine.id;
  const setStatus = (status: string) => knex('vines').where({ id }).update({ status });

  await setStatus('ACTIVE');
  await knex('vine_network').where({ vine_id: id }).update({ status: 'ACTIVE' });
  for (const [field, value] of [['name', 'Other'], ['stage', 'staging'], ['identity', 'other']] as const) {
    const spec = { ...clone(planted.spec), [field]: value };
    const err = await vines.replace(user.id, id, spec).catch((e: unknown) => e);
    t.ok(err instanceof ConflictError, `${field} change refused while ACTIVE`);
    t.match((err as Error).message, new RegExp(`^vine is ACTIVE: its ${field} can change only while it is DRAFT or DESTROYED`), `${field}: says why`);
  }
  const withOptions = { ...clone(planted.spec), options: { apply_delay_seconds: 5 } };
  const opt = await vines.replace(user.id, id, withOptions);
  t.same(opt.diff.vine.changed_fields, ['options'], 'options may change while ACTIVE');
  t.same(opt.vine.vine.options, { apply_delay_seconds: 5 }, 'options stored');
  t.equal(opt.vine.vine.config_version, 2, 'and bump the version');

  const renamedNet = clone(opt.vine.spec);
  renamedNet.network!.name = 'net';
  const err = await vines.replace(user.id, id, renamedNet).catch((e: unknown) => e);
  t.ok(err instanceof ValidationError, 'renaming a singleton that exists in the cloud is refused');
  t.same(fieldErrors(err), ['network.name: the network "network" exists in the cloud: keep its name, or remove it and harvest before adding "net"']);

  for (const status of ['QUEUED', 'PROVISIONING', 'DESTROYING']) {
    await setStatus(status);
    await t.rejects(vines.replace(user.id, id, withOptions), new ConflictError(`vine is ${status}: wait for the running job or cancel it`), `replace refused while ${status}`);
    await t.rejects(vines.delete(user.id, id), ConflictError, `delete refused while ${status}`);
    t.equal((await vines.diff(user.id, id, withOptions)).changed, false, `diff still answers while ${status}`);
  }
  t.equal((await vines.get(user.id, id)).vine.config_version, 2, 'nothing changed by refused replaces');

  for (const status of ['ACTIVE', 'FAILED']) {
    await setStatus(status);
    await t.rejects(vines.delete(user.id, id), new ConflictError(`vine is ${status}: destroy it first (only DRAFT or DESTROYED vines can be deleted)`), `delete refused while ${status}`);
  }

  await setStatus('DESTROYED');
  await knex('vine_network').where({ vine_id: id }).update({ status: 'DESTROYED' });
  const moved = await vines.replace(user.id, id, { ...clone(opt.vine.spec), identity: 'other', network: { name: 'net' } });
  t.equal(moved.vine.vine.identity_name, 'other', 'identity changes once DESTROYED');
  t.same(moved.vine.components.map((c) => [c.name, c.status]), [['net', 'PENDING']], 'a DESTROYED singleton makes way for a renamed one');

  const [job] = await knex('provision_jobs').insert({ vine_id: id, type: 'PLAN', status: 'QUEUED' }).returning('*');
  await t.rejects(vines.delete(user.id, id), new ConflictError('a PLAN job of this vine is QUEUED: wait for it or cancel it'), 'delete refused while a job waits');
  await knex('provision_jobs').where({ id: job.id }).update({ status: 'CANCELLED', finished_at: knex.fn.now() });
  await vines.delete(user.id, id);
  t.equal((await knex('vines').count('* as n'))[0]?.n, 0, 'deleted once DESTROYED');
  t.equal((await knex('vine_network').count('* as n'))[0]?.n, 0, 'with its components');
});
