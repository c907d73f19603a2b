import t, { type Test } from 'tap';
import { buildTestApp } from '../helpers.js';
import { signedIn, type Agent, type Form } from './agent.js';
import { COMPONENT_KINDS } from '../../src/domain/components/catalogue.js';

/** One component of every kind, as the plant form posts it (unchecked boxes are absent). */
const everyKind = (name = 'shop'): Form => ({
  name, stage: 'development', identity: 'sandbox', _defaults_stage: 'development',
  'network.enabled': 'on', 'network.cidr_block': '10.1.0.0/16', 'cluster.enabled': 'on', 'cluster.argocd_enabled': 'on', 'dns.enabled': 'on', 'repositories.enabled': 'on',
  'databases.0.name': 'main', 'databases.0.storage_gb': '40', 'caches.0.name': 'sessions', 'queues.0.name': 'orders', 'topics.0.name': 'events', 'topics.0.subscribe_queues': 'orders',
  'nosql_tables.0.name': 'carts', 'container_registries.0.name': 'images', 'secrets.0.name': 'api-key', 'secrets.0.value': 'very-secret-value',
});

async function setup(t: Test) {
  const { app } = await buildTestApp(t);
  const user = await signedIn(app);
  const vy = String((await user.a.post('/vineyards', { name: 'Acme' })).headers.location);
  await user.a.get(`${vy}/plant`);
  return { app, ...user, vy, vineyardId: vy.split('/').pop()! };
}

const plant = async (a: Agent, vy: string, form: Form) => a.post(`${vy}/plant`, form);

t.test('the plant form: every kind, the stage defaults, the sandbox knobs', async (t) => {
  const { a, vy } = await setup(t);
  const page = await a.get(`${vy}/plant`);
  t.equal(page.statusCode, 200);
  for (const k of COMPONENT_KINDS) {
    t.match(page.body, k.singleton ? `name="${k.kind}.enabled"` : `data-add-row="${k.kind}"`, `${k.kind} can be chosen`);
  }
  t.match(page.body, /name="network\.enabled" value="on" checked/, 'the network starts enabled');
  t.match(page.body, /name="network\.az_count" value="1"/, 'development defaults pre-filled');
  t.match(page.body, /name="stage" value="development" checked/);
  t.match(page.body, /"production":\{"network":\{"cidr_block":"10\.0\.0\.0\/16","az_count":"3"/, 'every stage\'s defaults for the stage switch');
  t.match(page.body, /<option value="sandbox" data-provider="local" selected>/, 'the sandbox identity is chosen');
  t.match(page.body, /Advanced: sandbox test knobs/);
  t.match(page.body, /name="options\.apply_delay_seconds"/);
  t.match(page.body, /<template data-row-template="databases"/, 'row templates for adding in place');
});

t.test('plant a vine with one of every kind', async (t) => {
  const { app, a, vy } = await setup(t);
  const res = await plant(a, vy, everyKind());
  t.equal(res.statusCode, 303, res.statusCode === 303 ? 'planted' : res.body.slice(0, 500));
  const vineId = String(res.headers.location).split('/').pop()!;
  const page = await a.get(`/vines/${vineId}`);
  t.match(page.body, /Vine “shop” planted/);
  t.equal(page.body.match(/data-component="/g)?.length, COMPONENT_KINDS.length, 'every component listed');
  t.equal(page.body.match(/badge s-PENDING">PENDING/g)?.length, COMPONENT_KINDS.length, 'each PENDING');
  t.match(page.body, /badge s-DRAFT badge-lg">DRAFT/, 'the vine is DRAFT');
  t.match(page.body, /vineyards\/Acme\/vines\/shop\/development/, 'the state path');
  t.match(page.body, /data-action="plan">Plan/, 'Plan offered');
  t.match(page.body, /data-action="harvest">Harvest/, 'Harvest offered');
  t.match(page.body, /data-action="destroy" disabled title="nothing to destroy: the vine was never harvested"/, 'Destroy disabled, with the reason');
  t.match(page.body, /<strong>Destroy:<\/strong> nothing to destroy/, 'the reason is also written out');
  t.notMatch(page.body, /data-action="cancel"/, 'no Cancel without a job');
  t.match(page.body, /data-sse-src="\/vines\/[0-9a-f-]{36}\/events\?job=&amp;stamp=/, 'the page follows the vine live even while nothing runs (a job may start elsewhere)');
  t.notMatch(page.body, /very-secret-value/, 'the secret value is nowhere on the page');
  const secret = await app.deps.knex('vine_secrets').where({ vine_id: vineId }).first('value_encrypted');
  t.ok(secret.value_encrypted && !String(secret.value_encrypted).includes('very-secret-value'), 'stored sealed');
  const db = await app.deps.knex('vine_databases').where({ vine_id: vineId }).first('storage_gb', 'size');
  t.same(db, { storage_gb: 40, size: 'small' }, 'typed values and development defaults stored');
  const panel = await a.get(`/vines/${vineId}`, { 'hx-request': 'true' });
  t.match(panel.body, new RegExp(`^<div id="vine-${vineId}-panel"`), 'htmx gets the panel alone');
});

t.test('bad input: a clear message beside the field, the typed values kept, never a 500', async (t) => {
  const { a, vy } = await setup(t);
  t.equal((await plant(a, vy, everyKind('taken'))).statusCode, 303);
  const cases: Array<{ what: string; form: Form; status?: number; message: RegExp; kept?: string }> = [
    { what: 'unknown stage', form: { stage: 'qa' }, message: /The stage must be one of: development, staging, production/ },
    { what: 'invalid CIDR', form: { 'network.cidr_block': '10.0.0.0/8' }, message: /CIDR block is not valid: expected IPv4 CIDR, \/16 to \/28/, kept: 'value="10.0.0.0/8"' },
    { what: 'CIDR that is not an address', form: { 'network.cidr_block': 'my network' }, message: /CIDR block is not valid/, kept: 'value="my network"' },
    { what: 'a component name that cannot be a resource name', form: { 'databases.0.name': 'My DB!' }, message: /Name must be lowercase letters, digits and hyphens/, kept: 'value="My DB!"' },
    { what: 'duplicate component names', form: { 'caches.1.name': 'sessions' }, message: /Another cache is already named &quot;sessions&quot;/ },
    { what: 'a vine name with nothing to name a resource by', form: { name: '!!!' }, message: /The name must contain at least one letter or digit/, kept: 'value="!!!"' },
    { what: 'an empty vine name', form: { name: '' }, message: /The name must not be empty/ },
    { what: 'duplicate vine name', form: { name: 'taken' }, message: /a vine named &quot;taken&quot; already exists in vineyard &quot;Acme&quot; for stage development/i },
    { what: 'not a number', form: { 'databases.0.storage_gb': 'lots' }, message: /Storage GB must be an integer/, kept: 'value="lots"' },
    { what: 'out of range', form: { 'databases.0.storage_gb': '5' }, message: /Storage GB must be between 10 and 65536/ },
    { what: 'unknown identity', form: { identity: 'ghost' }, message: /identity &quot;ghost&quot; not found/i },
    { what: 'topic feeding an unknown queue', form: { 'topics.0.subscribe_queues': 'orders, nope' }, message: /&quot;nope&quot; is not a queue of this vine/, kept: 'value="orders, nope"' },
    { what: 'cluster min above max', form: { 'cluster.node_min': '5', 'cluster.node_max': '2' }, message: /must not be more than node_max \(2\)/ },
    { what: 'knob out of range', form: { 'options.apply_delay_seconds': '9999' }, message: /The delay must be between 0 and 600/ },
    { what: 'unknown select value', form: { 'databases.0.engine': 'oracle' }, message: /Engine must be one of: postgres, mysql/, kept: '<option value="oracle" selected>' },
  ];
  for (const c of cases) {
    const res = await plant(a, vy, { ...everyKind(), ...c.form });
    t.equal(res.statusCode, c.status ?? 422, `${c.what}: refused`);
    t.match(res.body, c.message, `${c.what}: explained`);
    t.match(res.body, /class="alert alert-error" role="alert"/, `${c.what}: summary at the top`);
    if (c.kept) t.match(res.body, c.kept, `${c.what}: typed value kept`);
    t.match(res.body, /name="databases\.0\.storage_gb" value="(40|lots|5)"/, `${c.what}: the rest of the form kept too`);
  }
  const many: Form = { ...everyKind() };
  for (let i = 1; i <= 20; i++) many[`databases.${i}.name`] = `db-${i}`;
  const tooMany = await plant(a, vy, many);
  t.equal(tooMany.statusCode, 422, 'a component count past the limit');
  t.match(tooMany.body, /At most 20 databases per vine \(got 21\)/);
});

t.test('add and remove rows, and change the stage, without JavaScript', async (t) => {
  const { app, a, vy } = await setup(t);
  const added = await plant(a, vy, { ...everyKind(), _add: 'databases' });
  t.equal(added.statusCode, 200);
  t.match(added.body, /name="databases\.1\.name" value="database-2"/, 'a new row with a fresh name');
  t.match(added.body, /name="databases\.0\.name" value="main"/, 'the existing row kept');
  const removed = await plant(a, vy, { ...everyKind(), 'caches.3.name': 'second', _remove: 'caches.0' });
  t.match(removed.body, /name="caches\.0\.name" value="second"/, 'the other row moved up');
  t.notMatch(removed.body, /value="sessions"/, 'the removed row is gone');
  const full: Form = { ...everyKind() };
  for (let i = 1; i < 20; i++) full[`databases.${i}.name`] = `db-${i}`;
  const refused = await plant(a, vy, { ...full, _add: 'databases' });
  t.equal(refused.statusCode, 422);
  t.match(refused.body, /at most 20 databases per vine/);
  t.equal(await app.deps.knex('vines').count<{ c: number }[]>('* as c').then((r) => r[0]!.c), 0, 'none of that planted anything');

  // The page showed development defaults; the user chose production and changed one size.
  const res = await plant(a, vy, { ...everyKind(), stage: 'production', 'databases.0.size': 'small', 'caches.0.size': 'medium', 'network.az_count': '1' });
  t.equal(res.statusCode, 303);
  const vineId = String(res.headers.location).split('/').pop()!;
  t.same(await app.deps.knex('vine_databases').where({ vine_id: vineId }).first('size', 'high_availability'), { size: 'large', high_availability: true }, 'values left at the old defaults follow the stage');
  t.equal((await app.deps.knex('vine_caches').where({ vine_id: vineId }).first('size')).size, 'medium', 'a value the user changed stays');
  t.equal((await app.deps.knex('vine_network').where({ vine_id: vineId }).first('az_count')).az_count, 3, 'zones follow the stage');
});

t.test('edit: what will change, then save', async (t) => {
  const { app, a, vy } = await setup(t);
  const vineId = String((await plant(a, vy, everyKind())).headers.location).split('/').pop()!;
  const edit = await a.get(`/vines/${vineId}/edit`);
  t.equal(edit.statusCode, 200);
  t.match(edit.body, /name="databases\.0\.name" value="main"/, 'the current configuration in the form');
  t.match(edit.body, /name="secrets\.0\.has_value" value="true"/, 'a stored secret is marked');
  t.match(edit.body, /•••••• \(stored\)/);
  t.notMatch(edit.body, /very-secret-value/, 'never its value');
  t.match(edit.body, new RegExp(`hx-post="/vines/${vineId}/diff"`), 'the form previews changes as it is edited');

  const { 'caches.0.name': _c, ...withoutCache } = { ...everyKind(), 'secrets.0.value': undefined } as Form;
  const changed: Form = { ...withoutCache, 'secrets.0.has_value': 'true', 'databases.0.storage_gb': '80', 'queues.1.name': 'refunds' };
  const diff = await a.post(`/vines/${vineId}/diff`, changed, { 'hx-request': 'true' });
  t.equal(diff.statusCode, 200);
  t.match(diff.body, /^<div id="vine-diff-body"/, 'a fragment');
  t.match(diff.body, /data-diff="databases\/main"><span class="action action-update">update<\/span>[\s\S]*Storage GB/, 'the database updates its storage');
  t.match(diff.body, /data-diff="caches\/sessions"><span class="action action-delete">delete/, 'the cache goes');
  t.match(diff.body, /data-diff="queues\/refunds"><span class="action action-create">create/, 'a queue comes');
  t.match(diff.body, /9 components unchanged/, 'the other nine stay as they are');
  t.notMatch(diff.body, /secrets\/api-key/, 'the kept secret does not change');
  const invalid = await a.post(`/vines/${vineId}/diff`, { ...changed, 'network.cidr_block': 'nope' }, { 'hx-request': 'true' });
  t.match(invalid.body, /Fix these first/);
  t.match(invalid.body, /Network › CIDR block is not valid/);

  const review = await a.post(`/vines/${vineId}/edit`, { ...changed, _action: 'review' });
  t.equal(review.statusCode, 200, 'review without JavaScript');
  t.match(review.body, /action-update/);
  const bad = await a.post(`/vines/${vineId}/edit`, { ...changed, 'network.cidr_block': 'nope' });
  t.equal(bad.statusCode, 422);
  t.match(bad.body, /value="nope"/);
  const saved = await a.post(`/vines/${vineId}/edit`, changed);
  t.equal(saved.statusCode, 303);
  t.match((await a.get(`/vines/${vineId}`)).body, /Configuration saved: 3 components will change on the next harvest/);
  const vine = await app.deps.knex('vines').where({ id: vineId }).first('config_version');
  t.equal(vine.config_version, 2, 'a new configuration version');
  t.ok((await app.deps.knex('vine_secrets').where({ vine_id: vineId }).first('value_encrypted')).value_encrypted, 'the secret value was kept');
  t.match((await a.post(`/vines/${vineId}/edit`, changed)).headers.location, `/vines/${vineId}`, 'saving the same again');

  await app.deps.knex('vines').where({ id: vineId }).update({ status: 'QUEUED' });
  const busy = await a.post(`/vines/${vineId}/edit`, { ...changed, 'databases.0.storage_gb': '90' });
  t.equal(busy.statusCode, 409);
  t.match(busy.body, /Vine is QUEUED: wait for the running job or cancel it/);
  await app.deps.knex('vines').where({ id: vineId }).update({ status: 'ACTIVE' });
  const rename = await a.post(`/vines/${vineId}/edit`, { ...changed, name: 'renamed' });
  t.equal(rename.statusCode, 409);
  t.match(rename.body, /its name can change only while it is DRAFT or DESTROYED/);
});

t.test('delete a vine: only when nothing of it is in the cloud', async (t) => {
  const { app, a, vy, vineyardId } = await setup(t);
  const vineId = String((await plant(a, vy, everyKind())).headers.location).split('/').pop()!;
  await app.deps.knex('vines').where({ id: vineId }).update({ status: 'ACTIVE' });
  await a.get(`/vines/${vineId}`);
  const refused = await a.post(`/vines/${vineId}/delete`);
  t.equal(refused.statusCode, 409);
  t.match(refused.body, /Vine is ACTIVE: destroy it first/);
  t.match(refused.body, /badge s-ACTIVE badge-lg/, 'on the vine page');
  await app.deps.knex('vines').where({ id: vineId }).update({ status: 'DESTROYED' });
  const ok = await a.post(`/vines/${vineId}/delete`);
  t.equal(ok.statusCode, 303);
  t.equal(ok.headers.location, `/vineyards/${vineyardId}`);
  t.equal((await a.get(`/vines/${vineId}`)).statusCode, 404);
});
