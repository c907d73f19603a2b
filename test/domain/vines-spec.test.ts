import t from 'tap';
import { domain, fieldErrors } from './fixtures.js';
import { componentKind, COMPONENT_KINDS } from '../../src/domain/components/catalogue.js';
import { NotFoundError, ValidationError } from '../../src/domain/errors.js';
import { NAME_RULE } from '../../src/domain/vines/stage.js';

const CANARY = 'canary-vine-secret-7a6b5c';

const everyKind = (stage: string, name = 'Shop') => ({
  name,
  stage,
  identity: 'sandbox',
  network: {},
  cluster: {},
  dns: {},
  repositories: {},
  databases: [{ name: 'main' }],
  caches: [{ name: 'sessions' }],
  queues: [{ name: 'jobs' }],
  topics: [{ name: 'events', subscribe_queues: ['jobs'] }],
  nosql_tables: [{ name: 'carts' }],
  container_registries: [{ name: 'app' }],
  secrets: [{ name: 'api-key', value: CANARY }],
});

t.test('plant a vine with every kind, settings from the stage defaults', async (t) => {
  const { person, vines, knex, sealer } = await domain(t);
  const { user, vineyard } = await person('ada@example.com');

  const dev = await vines.create(user.id, vineyard.id, everyKind('development'));
  t.equal(dev.vine.status, 'DRAFT', 'a planted vine is DRAFT');
  t.equal(dev.vine.config_version, 1, 'config version 1');
  t.equal(dev.vine.vineyard_name, 'Acme');
  t.equal(dev.vine.identity_name, 'sandbox');
  t.equal(dev.vine.name_prefix, 'acme-shop-dev', 'name prefix from namePrefix');
  t.equal(dev.vine.state_path, 'vineyards/Acme/vines/Shop/development', 'state path from statePath');
  t.equal(dev.components.length, 11, 'one component per kind');
  t.ok(dev.components.every((c) => c.status === 'PENDING'), 'every component PENDING');
  t.same(
    dev.components.filter((c) => ['network', 'cluster', 'dns', 'repositories'].includes(c.kind)).map((c) => c.name),
    ['network', 'cluster', 'dns', 'repositories'],
    'singletons are named after their kind',
  );
  for (const k of COMPONENT_KINDS) {
    const c = dev.components.find((x) => x.kind === k.kind)!;
    const expected: Record<string, unknown> = { ...(k.defaults('development') as Record<string, unknown>) };
    if (k.kind === 'topics') expected.subscribe_queues = ['jobs'];
    if (k.kind === 'secrets') Object.assign(expected, { value: null, has_value: true });
    t.same(c.settings, expected, `${k.kind}: development defaults`);
  }

  const secret = dev.spec.secrets[0]!;
  t.same(secret, { name: 'api-key', description: '', value: null, has_value: true, generate_length: 32, recovery_window_days: 0 }, 'the spec shows value null and has_value');
  t.notMatch(JSON.stringify(dev), CANARY, 'the secret value is nowhere in the answer');
  const [row] = await knex('vine_secrets').where({ vine_id: dev.vine.id });
  t.notMatch(row.value_encrypted, CANARY, 'stored sealed');
  t.equal(sealer.open(row.value_encrypted), CANARY, 'and opens to the value');

  t.same(dev.spec.databases, [{ name: 'main', ...componentKind('databases')!.defaults('development') }], 'spec lists the filled-in database');
  t.equal(dev.spec.identity, 'sandbox', 'spec names the identity');

  const prod = await vines.create(user.id, vineyard.id, everyKind('production'));
  t.equal(prod.vine.name_prefix, 'acme-shop-prod', 'same name, other stage: allowed');
  const db = (d: typeof dev) => d.components.find((c) => c.kind === 'databases')!.settings;
  t.same([db(dev).size, db(dev).high_availability, db(dev).backup_retention_days], ['small', false, 1], 'development database is small, single-zone');
  t.same([db(prod).size, db(prod).high_availability, db(prod).backup_retention_days], ['large', true, 30], 'production database is large and HA');
  const net = (d: typeof dev) => d.components.find((c) => c.kind === 'network')!.settings;
  t.same([net(dev).az_count, net(dev).nat_gateway], [1, 'single'], 'development network: one zone');
  t.same([net(prod).az_count, net(prod).nat_gateway], [3, 'per_az'], 'production network: three zones');

  const minimal = await vines.create(user.id, vineyard.id, { name: 'Tiny', stage: 'staging', identity: 'sandbox', databases: [{ name: 'main', storage_gb: 50 }] });
  t.same(minimal.components.map((c) => [c.kind, c.name, c.settings.storage_gb, c.settings.size]), [['databases', 'main', 50, 'medium']], 'given fields kept, the rest from defaults');
  t.same([minimal.spec.network, minimal.spec.caches], [null, []], 'absent sections are null or empty');

  const listed = await vines.list(user.id, vineyard.id);
  t.same(listed.map((v) => `${v.name}/${v.stage}`), ['Shop/development', 'Shop/production', 'Tiny/staging'], 'listed by name and stage');
  t.ok(listed.every((v) => v.name_prefix && v.state_path), 'list has derived names');
});

t.test('every spec validation error names its field', async (t) => {
  const { person, vines, knex } = await domain(t);
  const { user, vineyard } = await person('ada@example.com');
  const base = { name: 'Shop', stage: 'development', identity: 'sandbox' };
  const refuse = async (spec: unknown, expected: string[], what: string) => {
    const err = await vines.create(user.id, vineyard.id, spec).catch((e: unknown) => e);
    t.ok(err instanceof ValidationError, `${what}: ValidationError`);
    t.same(fieldErrors(err), expected, what);
  };
  await refuse('nope', ['spec: must be a JSON object'], 'not an object');
  await refuse({}, ['name: is required', 'stage: is required', 'identity: is required'], 'empty spec');
  await refuse({ ...base, colour: 'red' }, ['colour: is not a known field'], 'unknown top-level field');
  await refuse({ ...base, stage: 'prod' }, ['stage: must be one of: development, staging, production'], 'bad stage');
  await refuse({ ...base, name: 'a/b' }, ['name: must not contain "/"'], 'vine name with a slash');
  await refuse({ ...base, name: ' !!! ' }, ['name: must contain at least one letter or digit'], 'vine name without letters');
  await refuse({ ...base, name: 'x'.repeat(64) }, ['name: must be at most 63 characters'], 'vine name too long');
  await refuse({ ...base, identity: 'elsewhere' }, ['identity: identity "elsewhere" not found'], 'unknown identity');
  await refuse({ ...base, options: { apply_delay_seconds: 601, retries: 2 } }, ['options.retries: is not a known field', 'options.apply_delay_seconds: must be between 0 and 600'], 'options');
  await refuse({ ...base, databases: [{ name: 'main', engin: 'postgres' }] }, ['databases.0.engin: is not a known field'], 'unknown item field');
  await refuse({ ...base, databases: [{ name: 'main', storage_gb: 5 }] }, ['databases.0.storage_gb: must be between 10 and 65536'], 'storage too small');
  await refuse({ ...base, databases: [{ name: 'main', engine: 'oracle' }] }, ['databases.0.engine: must be one of: postgres, mysql'], 'engine');
  await refuse({ ...base, caches: [{ size: 'small' }] }, ['caches.0.name: is required'], 'list item without a name');
  await refuse({ ...base, databases: [{ name: 'Main_DB' }] }, [`databases.0.name: must be ${NAME_RULE}`], 'component name not a DNS label');
  await refuse({ ...base, queues: [{ name: 'a--b' }] }, [`queues.0.name: must be ${NAME_RULE}`], 'double hyphen');
  await refuse({ ...base, databases: [{ name: 'main' }, { name: 'main' }] }, ['databases.1.name: another database is already named "main"'], 'duplicate names in a kind');
  await refuse({ ...base, databases: Array.from({ length: 21 }, (_, i) => ({ name: `db${i}` })) }, ['databases: at most 20 databases per vine (got 21)'], 'past the kind max');
  await refuse({ ...base, topics: [{ name: 'events', subscribe_queues: ['ghost'] }] }, ['topics.0.subscribe_queues: "ghost" is not a queue of this vine'], 'topic → unknown queue');
  await refuse(
    { ...base, queues: [{ name: 'jobs', fifo: true }], topics: [{ name: 'events', subscribe_queues: ['jobs'] }] },
    ['topics.0.subscribe_queues: "jobs" is a FIFO queue: a standard topic can only feed standard queues'],
    'topic → queue of the other kind',
  );
  await refuse({ ...base, cluster: { node_min: 5, node_max: 2 } }, ['cluster.node_min: must not be more than node_max (2)'], 'node_min over node_max');
  await refuse({ ...base, network: { cidr_block: '10.0.0.0/8' } }, ['network.cidr_block: is not valid: expected IPv4 CIDR, /16 to /28, e.g. 10.0.0.0/16'], 'bad CIDR');
  await refuse({ ...base, network: 5 }, ['network: must be an object'], 'singleton not an object');
  await refuse({ ...base, network: { name: 'Net' } }, [`network.name: must be ${NAME_RULE}`], 'bad singleton name');
  await refuse({ ...base, databases: { name: 'main' } }, ['databases: must be a list'], 'list not an array');
  await refuse({ ...base, secrets: [{ name: 'token', has_value: true }] }, ['secrets.0.has_value: no value is stored for this secret: give value, or leave has_value out to let Terraform generate one'], 'has_value without a stored value');
  await refuse({ ...base, secrets: [{ name: 'token', value: 'x', has_value: false }] }, ['secrets.0.has_value: must not be false when a value is given'], 'value with has_value false');
  await refuse({ ...base, secrets: [{ name: 'token', value: '' }] }, ['secrets.0.value: must not be empty'], 'empty secret value');
  t.equal((await knex('vines').count('* as n'))[0]?.n, 0, 'no refused spec stored anything');

  await vines.create(user.id, vineyard.id, base);
  await refuse({ ...base, name: 'shop' }, ['name: a vine named "Shop" already exists in vineyard "Acme" for stage development'], 'duplicate vine name (any case)');
  await refuse({ ...base, name: 'SHOP!' }, ['name: would give the same cloud resource names (acme-shop-dev-…) as vine "Acme/Shop" (development): choose a more distinct name'], 'same cloud prefix');
  await t.rejects(vines.create(user.id, '6f1c9a52-0000-4000-8000-000000000000', base), NotFoundError, 'unknown vineyard');
});

t.test('findByNames', async (t) => {
  const { person, vines } = await domain(t);
  const { user, vineyard } = await person('ada@example.com');
  const base = { name: 'Shop', identity: 'sandbox' };
  const dev = await vines.create(user.id, vineyard.id, { ...base, stage: 'development' });
  t.equal((await vines.findByNames(user.id, 'Acme', 'Shop')).vine.id, dev.vine.id, 'one stage: no --stage needed');
  const prod = await vines.create(user.id, vineyard.id, { ...base, stage: 'production' });
  const err = await vines.findByNames(user.id, 'Acme', 'Shop').catch((e: unknown) => e);
  t.ok(err instanceof ValidationError, 'two stages: ValidationError');
  t.match((err as Error).message, /--stage/, 'asks for --stage');
  t.same(fieldErrors(err), ['stage: is required: the vine exists in development, production']);
  t.equal((await vines.findByNames(user.id, 'Acme', 'Shop', 'production')).vine.id, prod.vine.id, 'with a stage');
  await t.rejects(vines.findByNames(user.id, 'Acme', 'Shop', 'staging'), new NotFoundError('vine "Shop" not found in vineyard "Acme" for stage staging'));
  await t.rejects(vines.findByNames(user.id, 'Acme', 'Blog'), new NotFoundError('vine "Blog" not found in vineyard "Acme"'));
  await t.rejects(vines.findByNames(user.id, 'Nope', 'Shop'), new NotFoundError('vineyard "Nope" not found'));
  await t.rejects(vines.findByNames(user.id, 'Acme', 'Shop', 'prod'), ValidationError, 'bad stage');
});
