/**
 * The Terraform targets against terraform/CONTRACT.md and the component catalogue, offline: real
 * Terraform with the schema-only providers of test/provider (one mirror for the whole file).
 *
 * - The contract, read from the modules' files: each target declares exactly the sandbox's
 *   variables minus its two test knobs; one `<kind>.tf` per kind holding `variable "<kind>"` and
 *   `output "<kind>"`; `backend "http" {}`; the contract's provider pins; and every setting of
 *   every kind is referenced by that kind's file (the check is shown to catch an ignored setting).
 * - Per cloud, in parallel: `terraform fmt -check`, `terraform validate`, and the module's own
 *   `terraform test` suites (stage differences, adoption, Argo CD, names, outputs …) all passing.
 * - The same tfvars document — a vine of every kind with the catalogue's production defaults and
 *   long unicode names, made by Vintner's own componentVars — applied to the four targets: each
 *   kind's output keys are the catalogue's, on every target.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { COMPONENT_KINDS, type ComponentKind } from '../../src/domain/components/catalogue.js';
import { componentVars } from '../../src/runner/vine-context.js';
import { namePrefix } from '../../src/domain/vines/stage.js';
import type { ComponentRow } from '../../src/domain/components/repository.js';
import { createProviderMirror, fmtCheck, prepareWorkdir, runTerraformTest, validateModule, type ProviderMirror } from '../provider/harness.js';

// Three clouds' validate and test suites plus four applies, side by side, on a shared 2-core
// machine: an idle one needs about two minutes, a busy one several times that.
t.setTimeout(1_200_000);
const TF_TIMEOUT = 900_000;

const ROOT = fileURLToPath(new URL('../../terraform/', import.meta.url));
const CLOUDS = ['aws', 'gcp', 'azure'] as const;
const TARGETS = ['local', ...CLOUDS] as const;
type Target = (typeof TARGETS)[number];
const KINDS = COMPONENT_KINDS as unknown as ComponentKind[];
const KNOBS = ['fail_components', 'apply_delay_seconds'];
const COMMON = ['vineyard', 'vine', 'stage', 'name_prefix', 'region', 'secret_values'];
const REGION: Record<Target, string> = { local: 'local', aws: 'eu-west-1', gcp: 'europe-west1', azure: 'westeurope' };
/** What each test suite must cover (terraform/<cloud>/tests/<suite>.tftest.hcl). */
const SUITES = ['stages', 'adoption', 'argocd', 'names', 'outputs'];

// ------------------------------------------------------------------ reading a module's HCL
/** Comments out: `#` and `//` to the end of a line, outside strings; `/* … *\/`. */
function stripComments(text: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      out += c;
      if (c === '\\') out += text[++i] ?? '';
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
      out += c;
    } else if (c === '#' || (c === '/' && text[i + 1] === '/')) {
      while (i < text.length && text[i] !== '\n') i++;
      out += '\n';
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 1;
    } else out += c;
  }
  return out;
}

interface Block {
  file: string;
  type: string;
  labels: string[];
  body: string;
}
/** Top-level blocks (terraform fmt puts their first and last lines at column 0). */
function blocks(dir: string): Block[] {
  const out: Block[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.tf')).sort()) {
    const text = stripComments(readFileSync(join(dir, file), 'utf8'));
    for (const m of text.matchAll(/^([a-z_]+)((?:\s+"[^"]*")*)\s*\{\n?([\s\S]*?)^\}/gm)) {
      out.push({ file, type: m[1]!, labels: [...m[2]!.matchAll(/"([^"]*)"/g)].map((x) => x[1]!), body: m[3]! });
    }
  }
  return out;
}
const named = (bs: Block[], type: string) => bs.filter((b) => b.type === type).map((b) => b.labels[0]!);

/** The settings a kind's file never reads: `c.setting`, `each.value.setting`, `["setting"]`, `lookup(…, "setting")`. */
function ignoredSettings(kindFile: string, kind: ComponentKind): string[] {
  const code = stripComments(kindFile);
  return Object.keys(kind.settings.properties)
    .filter((s) => !kind.secretFields.includes(s))
    .filter((s) => !new RegExp(`\\.${s}\\b|\\[\\s*"${s}"\\s*\\]|"${s}"`).test(code));
}

t.test('the contract, read from each target’s files', async (t) => {
  const local = blocks(join(ROOT, 'local'));
  const localVars = named(local, 'variable');
  t.same([...localVars].sort(), [...COMMON, ...KNOBS, ...KINDS.map((k) => k.kind)].sort(), 'terraform/local: the common variables, one per kind, the two knobs');
  for (const target of CLOUDS) {
    t.test(target, async (t) => {
      const dir = join(ROOT, target);
      const bs = blocks(dir);
      t.same(named(bs, 'variable').sort(), localVars.filter((v) => !KNOBS.includes(v)).sort(), 'exactly the sandbox’s variables without its knobs');
      for (const v of bs.filter((b) => b.type === 'variable')) {
        const lv = local.find((b) => b.type === 'variable' && b.labels[0] === v.labels[0])!;
        const attr = (b: Block, a: string) => new RegExp(`^\\s*${a}\\s*=\\s*(.+)$`, 'm').exec(b.body)?.[1]?.trim();
        t.equal(attr(v, 'type'), attr(lv, 'type'), `variable ${v.labels[0]}: type ${attr(lv, 'type')}`);
        if (v.labels[0] !== 'region') t.equal(attr(v, 'default'), attr(lv, 'default'), `variable ${v.labels[0]}: default ${attr(lv, 'default') ?? '(none)'}`);
      }
      t.match(bs.find((b) => b.type === 'variable' && b.labels[0] === 'secret_values')?.body, /sensitive\s*=\s*true/, 'secret_values is sensitive');
      t.same(named(bs, 'output').sort(), ['name_prefix', ...KINDS.map((k) => k.kind)].sort(), 'outputs: name_prefix and one per kind');
      for (const k of KINDS) {
        const own = bs.filter((b) => b.file === `${k.kind}.tf`);
        t.ok(own.some((b) => b.type === 'variable' && b.labels[0] === k.kind) && own.some((b) => b.type === 'output' && b.labels[0] === k.kind), `${k.kind}.tf declares variable and output "${k.kind}"`);
      }
      for (const v of COMMON) t.equal(bs.find((b) => b.type === 'variable' && b.labels[0] === v)?.file, 'variables.tf', `variable ${v} is in variables.tf`);
      t.equal(bs.find((b) => b.type === 'output' && b.labels[0] === 'name_prefix')?.file, 'outputs.tf', 'output name_prefix is in outputs.tf');
      const terraform = bs.find((b) => b.type === 'terraform' && b.file === 'versions.tf')?.body ?? '';
      t.match(terraform, /backend "http" \{\}/, 'versions.tf: backend "http" {} (Vintner serves the state)');
      t.notMatch(bs.map((b) => b.body).join('\n'), /backend "pg"/, 'no pg backend left');
      const pins: Record<string, string> = { aws: '~> 6.66.0', google: '~> 6.50.0', azurerm: '~> 4.73.0', helm: '~> 3.1.0', kubernetes: '~> 2.38.0', random: '~> 3.7.0', tls: '~> 4.1.0' };
      const required = [...terraform.matchAll(/^\s{4}([a-z]+) = \{\s*source\s*=\s*"hashicorp\/([a-z]+)"\s*version\s*=\s*"([^"]+)"/gm)];
      t.ok(required.length >= 2, `required providers: ${required.map((m) => `${m[2]} ${m[3]}`).join(', ')}`);
      for (const m of required) t.equal(m[3], pins[m[2]!], `hashicorp/${m[2]} pinned as the contract says`);
      t.same(bs.filter((b) => b.type === 'module').map((b) => b.labels[0]), [], 'no module calls (flat root module, nothing from a registry)');
    });
  }
});

t.test('every setting of every kind is read by that kind’s file, on every target', async (t) => {
  for (const target of CLOUDS) {
    for (const k of KINDS) {
      const text = readFileSync(join(ROOT, target, `${k.kind}.tf`), 'utf8');
      t.same(ignoredSettings(text, k), [], `${target}/${k.kind}.tf reads ${Object.keys(k.settings.properties).filter((s) => !k.secretFields.includes(s)).join(', ')}`);
    }
    const secrets = stripComments(readFileSync(join(ROOT, target, 'secrets.tf'), 'utf8'));
    t.match(secrets, /var\.secret_values\[/, `${target}/secrets.tf writes the user’s values (secret_values)`);
  }
  // The check itself: a target that ignores a setting fails it.
  const nosql = KINDS.find((k) => k.kind === 'nosql_tables')!;
  const aws = readFileSync(join(ROOT, 'aws', 'nosql_tables.tf'), 'utf8');
  const ignoring = aws.replace(/\bttl_attribute\b/g, 'ttl_attr_typo');
  t.same(ignoredSettings(ignoring, nosql), ['ttl_attribute'], 'a file that no longer reads ttl_attribute is caught');
  t.same(ignoredSettings(`${aws}\n# ttl_attribute is ignored here\n`.replace(/\.ttl_attribute\b|"ttl_attribute"/g, '.x'), nosql), ['ttl_attribute'], 'a setting named only in a comment counts as ignored');
});

/** The resource types each catalogue caption stands for: what the kind's file must create. */
const CAPTION_TYPES: Record<string, string[]> = {
  VPC: ['aws_vpc'],
  EKS: ['aws_eks_cluster', 'aws_eks_node_group'],
  Route53: ['aws_route53_zone'],
  RDS: ['aws_db_instance'],
  Aurora: ['aws_rds_cluster'],
  ElastiCache: ['aws_elasticache_replication_group'],
  SQS: ['aws_sqs_queue'],
  SNS: ['aws_sns_topic'],
  DynamoDB: ['aws_dynamodb_table'],
  ECR: ['aws_ecr_repository'],
  'Secrets Manager': ['aws_secretsmanager_secret'],
  'VPC Network': ['google_compute_network', 'google_compute_subnetwork'],
  GKE: ['google_container_cluster', 'google_container_node_pool'],
  'Cloud DNS': ['google_dns_managed_zone'],
  'Cloud SQL': ['google_sql_database_instance'],
  Memorystore: ['google_redis_instance'],
  'Pub/Sub': ['google_pubsub_subscription'],
  'Pub/Sub topics': ['google_pubsub_topic'],
  Firestore: ['google_firestore_database'],
  'Artifact Registry': ['google_artifact_registry_repository'],
  'Secret Manager': ['google_secret_manager_secret'],
  VNet: ['azurerm_virtual_network', 'azurerm_subnet'],
  AKS: ['azurerm_kubernetes_cluster'],
  'Azure DNS': ['azurerm_dns_zone'],
  'Azure Database': ['azurerm_postgresql_flexible_server', 'azurerm_mysql_flexible_server'],
  'Azure Cache for Redis': ['azurerm_redis_cache'],
  'Service Bus': ['azurerm_servicebus_queue'],
  'Service Bus Topics': ['azurerm_servicebus_topic'],
  'Cosmos DB': ['azurerm_cosmosdb_sql_container'],
  ACR: ['azurerm_container_registry'],
  'Key Vault': ['azurerm_key_vault_secret'],
  'Git repo references (ArgoCD)': ['helm_release'],
};

t.test('the catalogue’s service captions are what each target creates', async (t) => {
  for (const cloud of CLOUDS) {
    const bs = blocks(join(ROOT, cloud));
    for (const k of KINDS) {
      const caption = k.services[cloud];
      const types = CAPTION_TYPES[caption];
      t.ok(types, `${k.kind} on ${cloud}: "${caption}" is a known caption`);
      const made = new Set(bs.filter((b) => b.type === 'resource' && b.file === `${k.kind}.tf`).map((b) => b.labels[0]));
      t.same((types ?? []).filter((ty) => !made.has(ty)), [], `${cloud}/${k.kind}.tf creates what "${caption}" says (${(types ?? []).join(', ')})`);
    }
  }
});

t.test('the catalogue’s outputs are terraform/CONTRACT.md’s table', async (t) => {
  const contract = readFileSync(join(ROOT, 'CONTRACT.md'), 'utf8');
  const table = contract.slice(contract.indexOf('## Outputs'));
  for (const k of KINDS) {
    const row = new RegExp(`^\\| ${k.kind} \\| (.*) \\|$`, 'm').exec(table)?.[1] ?? '';
    t.same([...row.replace(/\([^)]*\)/g, '').matchAll(/`([a-z_]+)`/g)].map((m) => m[1]), [...k.outputs], `${k.kind}: ${k.outputs.join(', ')}`);
  }
});

// ------------------------------------------------------------------ real Terraform, per cloud
let mirror: ProviderMirror;
t.before(async () => {
  mirror = await createProviderMirror();
});
t.teardown(() => mirror?.remove());

/** The same tfvars document for every target: every kind, the production defaults, long unicode names. */
function vineVars(target: Target) {
  const stage = 'production' as const;
  const vineyard = 'Ünïcödé Vineyard of Remarkably Long Names 🍇';
  const vine = 'Le Café Crème — the production web shop of the year';
  const prefix = namePrefix(vineyard, vine, stage);
  const rows = KINDS.map((k) => {
    const settings: Record<string, unknown> = { ...(k.defaults(stage) as Record<string, unknown>) };
    for (const f of k.secretFields) delete settings[f];
    if (k.kind === 'topics') settings.subscribe_queues = ['orders-and-more-orders-from-the-checkout'];
    const name = k.singleton ? k.kind : k.kind === 'queues' ? 'orders-and-more-orders-from-the-checkout' : `main-${k.short}-component-with-a-long-name`;
    return { kind: k.kind, name, settings, removed_at: null } as unknown as ComponentRow;
  });
  return { vineyard, vine, stage, name_prefix: prefix, region: REGION[target], ...componentVars(prefix, rows) };
}

interface Checked {
  fmt: string[];
  validate?: Awaited<ReturnType<typeof validateModule>>;
  test?: Awaited<ReturnType<typeof runTerraformTest>>;
  outputs: Record<string, unknown>;
  ms: Record<string, number>;
}

async function timed<T>(ms: Record<string, number>, what: string, f: () => Promise<T>): Promise<T> {
  const t0 = Date.now();
  try {
    return await f();
  } finally {
    ms[what] = Date.now() - t0;
  }
}

/** fmt, validate, terraform test and the whole vine's apply of one target. */
async function check(target: Target): Promise<Checked> {
  const dir = join(ROOT, target);
  const ms: Record<string, number> = {};
  const fmt = (await timed(ms, 'fmt', () => fmtCheck(dir))).files;
  const cloud = target !== 'local';
  const validate = cloud ? await timed(ms, 'validate', () => validateModule(dir, { mirror, timeoutMs: TF_TIMEOUT })) : undefined;
  const test = cloud ? await timed(ms, 'test', () => runTerraformTest(dir, { mirror, timeoutMs: TF_TIMEOUT })) : undefined;
  const outputs = await timed(ms, 'apply', async () => {
    const wd = await prepareWorkdir(dir, { mirror, timeoutMs: TF_TIMEOUT, env: { TF_VAR_secret_values: '{"main-sec-component-with-a-long-name" = "a user’s value"}' } });
    try {
      writeFileSync(join(wd.dir, 'terraform.tfvars.json'), JSON.stringify(vineVars(target)));
      const a = await wd.run(['apply', '-auto-approve', '-input=false', '-no-color']);
      if (a.code !== 0) throw new Error(`terraform apply of terraform/${target} failed:\n${a.stderr}${a.stdout.slice(-4000)}`);
      const o = await wd.run(['output', '-json']);
      return Object.fromEntries(Object.entries(JSON.parse(o.stdout) as Record<string, { value: unknown }>).map(([k, v]) => [k, v.value]));
    } finally {
      wd.remove();
    }
  });
  return { fmt, ...(validate ? { validate } : {}), ...(test ? { test } : {}), outputs, ms };
}

const started = Date.now();
// Each target's checks one after the other, the targets side by side.
const results = new Map<Target, Promise<Checked>>();
const checked = (target: Target) => {
  if (!results.has(target)) results.set(target, check(target));
  return results.get(target)!;
};

for (const cloud of CLOUDS) {
  t.test(`terraform/${cloud}: fmt, validate and its terraform test suites`, async (t) => {
    for (const c of TARGETS) void checked(c).catch(() => {}); // all started at once
    const r = await checked(cloud);
    t.same(r.fmt, [], 'terraform fmt -check: nothing to format');
    t.equal(r.validate?.valid, true, 'terraform validate: valid');
    t.same(r.validate?.diagnostics.map((d) => `${d.file}:${d.line}: ${d.severity}: ${d.summary}: ${d.detail}`), [], 'no error or warning');
    const test = r.test!;
    t.equal(test.status, 'pass', `terraform test: pass ${test.diagnostics.map((d) => `${d.file}:${d.line}: ${d.summary}: ${d.detail}`).join('; ')}`);
    t.same(test.runs.filter((x) => x.status !== 'pass').map((x) => `${x.file} ${x.run}: ${x.status}`), [], `all ${test.runs.length} runs pass`);
    for (const s of SUITES) {
      const runs = test.runs.filter((x) => x.file === `tests/${s}.tftest.hcl`);
      t.ok(runs.length >= 2 && runs.every((x) => x.status === 'pass'), `tests/${s}.tftest.hcl: ${runs.length} runs pass (${runs.map((x) => x.run).join(', ')})`);
    }
    t.comment(`terraform/${cloud}: ${test.runs.length} test runs; ms ${JSON.stringify({ ...r.ms, init: test.timings.init, terraform_test: test.timings.test })}`);
  });
}

t.test('one tfvars document, four targets: each kind’s output keys are the catalogue’s everywhere', async (t) => {
  const all = await Promise.all(TARGETS.map(async (target) => [target, await checked(target)] as const));
  for (const k of KINDS) {
    const keys = all.map(([target, r]) => {
      const comps = Object.values((r.outputs[k.kind] ?? {}) as Record<string, Record<string, unknown>>);
      return [target, comps.length, comps.map((o) => Object.keys(o).sort().join(','))] as const;
    });
    for (const [target, n, ks] of keys) {
      t.equal(n, 1, `${target}: one ${k.kind} component answered`);
      t.same(ks, [[...k.outputs].sort().join(',')], `${target}: ${k.kind} outputs exactly the catalogue’s keys`);
    }
  }
  for (const [target, r] of all) t.equal(r.outputs.name_prefix, vineVars(target).name_prefix, `${target}: name_prefix`);
  t.comment(`targets.test.ts: wall time of the Terraform part ${Date.now() - started} ms; ${all.map(([target, r]) => `${target} ${JSON.stringify(r.ms)}`).join('; ')}`);
});
