import t from 'tap';
import { applyRowAction, blankSpec, parseVineForm, toServiceSpec, vineFormModel } from '../../src/routes/vine-form.js';
import { resolveSpec } from '../../src/domain/vines/spec.js';

t.test('parse: form fields become a spec, typed the schema way', async (t) => {
  const { spec, action } = parseVineForm({
    name: ' shop ', stage: 'staging', identity: 'sandbox',
    'network.enabled': 'on', 'network.az_count': '2', 'network.existing_network_id': '',
    'cluster.kubernetes_version': '1.30',
    'databases.4.name': 'b', 'databases.1.name': 'a', 'databases.1.storage_gb': '30', 'databases.1.high_availability': 'on', 'databases.4.storage_gb': 'many',
    'topics.0.name': 'events', 'topics.0.subscribe_queues': 'a, b  c',
    'secrets.0.name': 's', 'secrets.0.value': 'v', 'secrets.1.name': 'k', 'secrets.1.clear_value': 'on', 'secrets.2.name': 'm', 'secrets.2.has_value': 'true',
    'options.fail_components': 'databases/a,  caches/x', 'options.apply_delay_seconds': '5',
  });
  t.equal(action, 'save');
  t.equal(spec.name, 'shop', 'trimmed');
  t.same(spec.network, { az_count: 2, existing_network_id: null }, 'integers parsed, an empty optional field is null, unchecked boxes absent here');
  t.equal(spec.cluster, null, 'a singleton not enabled is off, whatever its fields say');
  t.same(spec.databases, [{ name: 'a', storage_gb: 30, high_availability: true }, { name: 'b', storage_gb: 'many', high_availability: false }], 'rows in index order, gaps closed; what does not parse is passed on as typed');
  t.same((spec.topics as Array<Record<string, unknown>>)[0]!.subscribe_queues, ['a', 'b', 'c'], 'lists split on commas and spaces');
  t.same((spec.secrets as unknown[]).map((s) => s), [
    { name: 's', value: 'v' },
    { name: 'k', has_value: false },
    { name: 'm', has_value: true },
  ]);
  t.same(spec.options, { fail_components: ['databases/a', 'caches/x'], apply_delay_seconds: 5 });
  t.same((toServiceSpec(spec).secrets as unknown[])[2], { name: 'm' }, 'a stored secret is kept by leaving has_value out');
  t.ok(resolveSpec(toServiceSpec({ ...spec, databases: [{ name: 'a' }], topics: [] })), 'what the form gives, the domain accepts');
});

t.test('row buttons without JavaScript', async (t) => {
  const add = parseVineForm({ name: 'x', stage: 'production', 'queues.0.name': 'queue-2', _add: 'queues' });
  t.equal(add.action, 'add');
  t.equal(applyRowAction(add), undefined);
  const queues = add.spec.queues as Array<Record<string, unknown>>;
  t.equal(queues.length, 2);
  t.equal(queues[1]!.name, 'queue-3', 'a name no row has');
  t.equal(queues[1]!.dead_letter, true, 'with the stage\'s defaults');
  const remove = parseVineForm({ 'caches.2.name': 'a', 'caches.7.name': 'b', _remove: 'caches.7' });
  applyRowAction(remove);
  t.same(remove.spec.caches, [{ name: 'a', high_availability: false }], 'the row named by its rendered index goes');
  t.match(applyRowAction(parseVineForm({ _add: 'network' })), /not a component kind with several items/);
  const full: Record<string, string> = { _add: 'caches' };
  for (let i = 0; i < 20; i++) full[`caches.${i}.name`] = `c${i}`;
  t.match(applyRowAction(parseVineForm(full)), /at most 20 caches per vine/);
});

t.test('the model: errors placed on their fields, the rest listed, secrets never shown', async (t) => {
  const spec = { ...blankSpec('sandbox'), databases: [{ name: 'db', storage_gb: 'lots' }], secrets: [{ name: 's', value: 'hunter2', has_value: true }] };
  const m = vineFormModel(spec, [
    { field: 'databases.0.storage_gb', message: 'must be an integer' },
    { field: 'topics.0.subscribe_queues.1', message: 'must be at most 40 characters' },
    { field: 'spec', message: 'must be a JSON object' },
  ]);
  const db = m.multis.find((k) => k.kind === 'databases')!;
  const storage = db.rows[0]!.fields.find((f) => f.key === 'storage_gb')!;
  t.equal(storage.value, 'lots', 'the typed value');
  t.equal(storage.error, 'must be an integer', 'its error');
  t.same(m.otherErrors.map((e) => e.field), ['topics.0.subscribe_queues.1', 'spec'], 'errors without an input of their own are listed');
  const secret = m.multis.find((k) => k.kind === 'secrets')!.rows[0]!.fields.find((f) => f.type === 'secret')!;
  t.equal(secret.value, '', 'a secret value is never put back in the page');
  t.equal(secret.stored, true);
  t.equal(m.singletons.find((s) => s.kind === 'network')!.enabled, true, 'a new vine starts with a network');
  t.notMatch(m.defaultsJson, /</, 'the inlined defaults cannot close their script element');
  t.equal(vineFormModel({ stage: 'qa' }).defaultsStage, 'development', 'an unknown stage shows development defaults');
});
