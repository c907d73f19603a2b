import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { mapAddressToComponent, parseJsonLine, renderDiagnostic, type ResourceEvent } from '../../src/terraform/index.js';
import { ALL_COMPONENTS } from './helpers.js';

const FIXTURES = join(import.meta.dirname, '../fixtures/terraform');
const fixtureLines = (name: string) => readFileSync(join(FIXTURES, name), 'utf8').split('\n').filter((l) => l.trim());
const parseAll = (name: string) => fixtureLines(name).map((l) => parseJsonLine(l));
const events = (name: string) => parseAll(name).flatMap((p) => (p.resourceEvent ? [p.resourceEvent] : []));
const key = (e: { kind: string; name: string }) => `${e.kind}/${e.name}`;

t.test('mapAddressToComponent follows the naming rule', async (t) => {
  const cases: Array<[string, { kind: string; name: string } | undefined]> = [
    ['terraform_data.databases["main"]', { kind: 'databases', name: 'main' }],
    ['terraform_data.databases__ready["main"]', { kind: 'databases', name: 'main' }],
    ['terraform_data.cluster["cluster"]', { kind: 'cluster', name: 'cluster' }],
    ['terraform_data.cluster__argocd["cluster"]', { kind: 'cluster', name: 'cluster' }],
    ['terraform_data.nosql_tables["orders-v2"]', { kind: 'nosql_tables', name: 'orders-v2' }],
    ['terraform_data.container_registries__ready["web"]', { kind: 'container_registries', name: 'web' }],
    ['aws_rds_cluster.databases__aurora["main"]', { kind: 'databases', name: 'main' }],
    ['data.terraform_remote_state.secrets["x"]', { kind: 'secrets', name: 'x' }],
    ['terraform_data.databases["we\\"ird"]', { kind: 'databases', name: 'we"ird' }],
    ['aws_subnet.network__private["network/0"]', { kind: 'network', name: 'network' }],
    ['google_compute_subnetwork.network__zone["core/europe-west1-b"]', { kind: 'network', name: 'core' }],
    ['aws_subnet.network__private["/0"]', undefined],
    ['terraform_data.widgets["main"]', undefined],
    ['terraform_data.databases', undefined],
    ['terraform_data.databases[0]', undefined],
    ['terraform_data.databases[""]', undefined],
    ['terraform_data.__ready["main"]', undefined],
    ['module.db.terraform_data.databases["main"]', undefined],
    ['terraform_data.databasesX["main"]', undefined],
  ];
  for (const [address, expected] of cases) t.same(mapAddressToComponent(address), expected, address);
});

t.test('every recorded line parses; JSON lines keep their @message and level', async (t) => {
  for (const f of ['plan-create.jsonl', 'apply-create.jsonl', 'apply-update.jsonl', 'apply-failed.jsonl', 'apply-interrupted.jsonl', 'destroy.jsonl']) {
    const lines = fixtureLines(f);
    const parsed = lines.map((l) => parseJsonLine(l));
    t.ok(parsed.every((p) => p.type && p.logLine && p.logLine.line.length > 0), `${f}: ${lines.length} lines, each a log line`);
    t.equal(parsed[0]!.logLine!.line, 'Terraform 1.11.4', `${f} starts with the version`);
  }
  const refresh = parseJsonLine(fixtureLines('plan-update.jsonl').find((l) => l.includes('"refresh_start"'))!);
  t.equal(refresh.resourceEvent, undefined, 'a refresh is not a resource event');
});

t.test('apply of every kind: a start and a complete for each resource, mapped to its component', async (t) => {
  const evs = events('apply-create.jsonl');
  const starts = evs.filter((e) => e.phase === 'start');
  const completes = evs.filter((e) => e.phase === 'complete');
  t.equal(starts.length, completes.length, 'as many completes as starts');
  t.ok(starts.length >= 2 * ALL_COMPONENTS.length, `${starts.length} resources for ${ALL_COMPONENTS.length} components`);
  t.ok(evs.every((e) => e.action === 'create'), 'all creates');
  t.same([...new Set(completes.map(key))].sort(), [...ALL_COMPONENTS].sort(), 'all 13 components complete');
  t.same(new Set(starts.map((e) => e.address)), new Set(completes.map((e) => e.address)), 'same addresses');
  t.match(starts[0], { address: String, kind: String, name: String, phase: 'start', action: 'create' });
});

t.test('an update: the component is modified in place, its ready step replaced (delete then create)', async (t) => {
  const evs = events('apply-update.jsonl');
  t.same([...new Set(evs.map(key))], ['databases/main'], 'only databases/main changes');
  const primary = evs.filter((e) => e.address === 'terraform_data.databases["main"]');
  t.same(primary.map((e) => `${e.phase}:${e.action}`), ['start:update', 'complete:update'], 'update events');
  const ready = evs.filter((e) => e.address === 'terraform_data.databases__ready["main"]');
  t.same(ready.map((e) => `${e.phase}:${e.action}`), ['start:delete', 'complete:delete', 'start:create', 'complete:create']);
});

t.test('a failed apply: one errored event and a diagnostic with the address and the script’s message', async (t) => {
  const parsed = parseAll('apply-failed.jsonl');
  const errored = parsed.flatMap((p) => (p.resourceEvent?.phase === 'errored' ? [p] : []));
  t.equal(errored.length, 1, 'one errored resource');
  t.match(errored[0]!.resourceEvent, { kind: 'databases', name: 'main', address: 'terraform_data.databases__ready["main"]', action: 'create' });
  t.equal(errored[0]!.logLine!.level, 'error', 'apply_errored is logged as an error (Terraform says "info")');
  const diags = parsed.flatMap((p) => (p.diagnostic ? [p] : []));
  t.equal(diags.length, 1);
  const d = diags[0]!;
  t.match(d.diagnostic, { severity: 'error', summary: 'local-exec provisioner error', address: 'terraform_data.databases__ready["main"]', location: /^data\.tf line \d+$/ });
  t.match(d.diagnostic!.detail, /databases\/main: acme-shop-dev-main failed on purpose \(listed in fail_components\)/);
  t.equal(d.logLine!.level, 'error');
  t.match(d.logLine!.line, /^Error: local-exec provisioner error\n {2}with terraform_data\.databases__ready\["main"\]\n {2}on data\.tf line \d+\n {2}Error running command/);
});

t.test('an interrupted apply: the interrupt notice and the stopped resource', async (t) => {
  const parsed = parseAll('apply-interrupted.jsonl');
  const notice = parsed.find((p) => p.logLine?.line.includes('Interrupt received'));
  t.ok(notice, 'Terraform says it received the interrupt');
  t.match(notice!.logLine!.line, /Gracefully shutting down/);
  const errored = parsed.flatMap((p) => (p.resourceEvent?.phase === 'errored' ? [p.resourceEvent] : []));
  t.same(errored.map(key), ['databases/main'], 'the sleeping component errored');
  const diag = parsed.find((p) => p.diagnostic?.address);
  t.match(diag!.diagnostic!.detail, /signal: killed/, 'the provisioner was stopped');
  t.ok(parsed.some((p) => p.diagnostic?.summary === 'execution halted' && !p.diagnostic.address), 'and the run halted');
});

t.test('destroy: deletes for every component', async (t) => {
  const evs = events('destroy.jsonl');
  t.ok(evs.length > 0 && evs.every((e: ResourceEvent) => e.action === 'delete'), 'only deletes');
  t.same([...new Set(evs.filter((e) => e.phase === 'complete').map(key))].sort(), [...ALL_COMPONENTS].sort());
});

t.test('lines that are not JSON, and odd JSON', async (t) => {
  t.same(parseJsonLine(''), {}, 'blank: nothing');
  t.same(parseJsonLine('panic: oh no', 'stderr'), { logLine: { stream: 'stderr', level: 'error', line: 'panic: oh no' } });
  t.same(parseJsonLine('{not json', 'stdout').logLine, { stream: 'stdout', level: 'info', line: '{not json' });
  t.same(parseJsonLine('│ Warning: something', 'stderr').logLine, { stream: 'stderr', level: 'warn', line: 'Warning: something' }, 'box drawing removed');
  t.same(parseJsonLine('\u001b[1mbold\u001b[0m').logLine?.line, 'bold', 'colour codes removed');
  const unknown = parseJsonLine(JSON.stringify({ '@level': 'trace', '@message': 'hello', type: 'something_new' }));
  t.same(unknown, { type: 'something_new', logLine: { stream: 'stdout', level: 'debug', line: 'hello' } });
  const read = parseJsonLine(
    JSON.stringify({ '@level': 'info', '@message': 'm', type: 'apply_start', hook: { resource: { addr: 'data.x.secrets["a"]' }, action: 'read' } }),
  );
  t.match(read.resourceEvent, { kind: 'secrets', name: 'a', phase: 'start', action: 'read' });
  const other = parseJsonLine(JSON.stringify({ '@message': 'm', type: 'apply_start', hook: { resource: { addr: 'null_resource.x' }, action: 'create' } }));
  t.equal(other.resourceEvent, undefined, 'a resource of no component gives no event');
});

t.test('renderDiagnostic', async (t) => {
  t.equal(renderDiagnostic({ severity: 'warning', summary: 'Value for undeclared variable', detail: '' }), 'Warning: Value for undeclared variable');
  t.equal(
    renderDiagnostic({ severity: 'error', summary: 'S', detail: 'line one\nline two\n', address: 'a.b["c"]', location: 'x.tf line 3' }),
    'Error: S\n  with a.b["c"]\n  on x.tf line 3\n  line one\n  line two',
  );
});
