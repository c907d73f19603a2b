import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { buildPlanSummary, classifyActions, createRedactor, REDACTED, type PlanSummary } from '../../src/terraform/index.js';
import { redactDeep } from '../../src/terraform/redact.js';
import { ALL_COMPONENTS, CANARY } from './helpers.js';

const FIXTURES = join(import.meta.dirname, '../fixtures/terraform');
const plan = (name: string): unknown => JSON.parse(readFileSync(join(FIXTURES, name), 'utf8'));
const byKey = (s: PlanSummary) => new Map(s.components.map((c) => [`${c.kind}/${c.name}`, c]));

t.test('classifyActions', async (t) => {
  t.equal(classifyActions(['create']), 'create');
  t.equal(classifyActions(['update']), 'update');
  t.equal(classifyActions(['delete']), 'delete');
  t.equal(classifyActions(['delete', 'create']), 'replace');
  t.equal(classifyActions(['create', 'delete']), 'replace');
  t.equal(classifyActions(['no-op']), 'noop');
  t.equal(classifyActions(['read']), 'noop');
  t.equal(classifyActions(undefined), 'noop');
});

t.test('a first plan creates every component', async (t) => {
  const s = buildPlanSummary(plan('plan-create.json'));
  t.same(s.components.map((c) => `${c.kind}/${c.name}`), ALL_COMPONENTS, 'all 13 components, in catalogue order then by name');
  t.ok(s.components.every((c) => c.action === 'create' && c.resources.create >= 2), 'each created with its ready step');
  t.equal(s.add, s.components.reduce((n, c) => n + c.resources.create, 0), 'add counts every resource');
  t.same([s.change, s.destroy], [0, 0]);
  t.same(byKey(s).get('cluster/cluster')!.resources, { create: 3, update: 0, delete: 0, replace: 0 }, 'cluster, its ready step and ArgoCD');
});

t.test('a settings change is an update of that component only', async (t) => {
  const s = buildPlanSummary(plan('plan-update.json'));
  const changed = s.components.filter((c) => c.action !== 'noop');
  t.same(changed, [{ kind: 'databases', name: 'main', action: 'update', resources: { create: 0, update: 1, delete: 0, replace: 1 } }]);
  t.equal(s.components.length, ALL_COMPONENTS.length, 'unchanged components are listed as noop');
  t.same([s.add, s.change, s.destroy], [1, 1, 1], 'Terraform’s own count: the replaced ready step adds and destroys');
});

t.test('create, update, replace and delete in one plan', async (t) => {
  const s = byKey(buildPlanSummary(plan('plan-mixed.json')));
  t.equal(s.get('caches/main')!.action, 'delete', 'a removed component is deleted');
  t.same(s.get('caches/main')!.resources, { create: 0, update: 0, delete: 2, replace: 0 });
  t.equal(s.get('queues/second')!.action, 'create', 'a new one is created');
  t.equal(s.get('databases/reports')!.action, 'replace', 'a replaced component resource makes the component replace');
  t.equal(s.get('databases/main')!.action, 'update');
  t.equal(s.get('secrets/main')!.action, 'noop');
});

t.test('a destroy plan deletes everything', async (t) => {
  const s = buildPlanSummary(plan('plan-destroy.json'));
  t.ok(s.components.length === ALL_COMPONENTS.length && s.components.every((c) => c.action === 'delete'), 'every component deleted');
  t.equal(s.destroy, s.components.reduce((n, c) => n + c.resources.delete, 0));
  t.same([s.add, s.change], [0, 0]);
});

t.test('odd input gives an empty summary', async (t) => {
  t.same(buildPlanSummary(null), { add: 0, change: 0, destroy: 0, components: [] });
  t.same(buildPlanSummary({ resource_changes: [{ address: 'null_resource.x', mode: 'managed', change: { actions: ['create'] } }] }), {
    add: 1, change: 0, destroy: 0, components: [],
  }, 'a resource of no component counts in the totals only');
});

t.test('redaction', async (t) => {
  const r = createRedactor(['s3cret', 'a "quoted" one', '', 's3cret-longer']);
  t.equal(r('x s3cret y s3cret-longer'), `x ${REDACTED} y ${REDACTED}`, 'longest first, every occurrence');
  t.equal(r('v = "a \\"quoted\\" one"'), `v = "${REDACTED}"`, 'the JSON-escaped form too');
  t.equal(createRedactor([])('unchanged'), 'unchanged');
  t.equal(createRedactor(['abc', null, undefined])('key abc'), `key ${REDACTED}`, 'a short secret is a secret too; null and undefined are skipped');
  const raw = plan('plan-create.json');
  t.ok(JSON.stringify(raw).includes(CANARY), 'the recorded plan holds the secret value (show -json does not hide it)');
  const clean = redactDeep(raw, createRedactor([CANARY]));
  t.notOk(JSON.stringify(clean).includes(CANARY), 'redactDeep removes it everywhere');
  t.ok(JSON.stringify(clean).includes(REDACTED));
});
