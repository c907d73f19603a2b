/**
 * Plan, apply, re-plan, update and destroy a module for real against the schema-only providers
 * (a local state file in a copy of the module): computed values unknown at plan, made up at
 * apply, outputs present, a second plan with no changes.
 */
import { appendFileSync, cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { createProviderMirror, planModule, prepareWorkdir, type ProviderMirror, type Workdir } from './harness.js';

const NETWORK = join(import.meta.dirname, 'fixtures/network');
let mirror: ProviderMirror;
t.before(async () => {
  mirror = await createProviderMirror();
});
t.teardown(() => mirror?.remove());

interface PlanJson {
  resource_changes: Array<{ address: string; change: { actions: string[]; after: Record<string, unknown>; after_unknown: Record<string, unknown>; after_sensitive: Record<string, unknown> } }>;
}

t.test('plan, apply, no-change plan, update in place, destroy', async (t) => {
  const timings: Record<string, number> = {};
  const w: Workdir = await prepareWorkdir(NETWORK, { mirror });
  t.teardown(() => w.remove());
  timings.init = w.initMs;
  const run = async (name: string, args: string[], expectCode = 0) => {
    const r = await w.run(args);
    timings[name] = r.ms;
    t.equal(r.code, expectCode, `terraform ${args[0]} exits ${expectCode}${r.code !== expectCode ? `: ${r.stderr}${r.stdout}` : ''}`);
    return r;
  };

  await run('plan', ['plan', '-input=false', '-no-color', '-out=tfplan']);
  const shown = JSON.parse((await run('show', ['show', '-json', 'tfplan'])).stdout) as PlanJson;
  const byAddr = Object.fromEntries(shown.resource_changes.map((c) => [c.address, c.change]));
  t.same(Object.keys(byAddr).sort(), [
    'aws_security_group.network__default["network"]',
    'aws_subnet.network__private["network/0"]',
    'aws_subnet.network__private["network/1"]',
    'aws_vpc.network["network"]',
    'azurerm_resource_group.vine',
    'google_compute_network.network["network"]',
    'random_password.secrets["generated"]',
  ]);
  const vpc = byAddr['aws_vpc.network["network"]']!;
  t.same(vpc.actions, ['create']);
  t.equal(vpc.after.cidr_block, '10.0.0.0/16', 'configured value in the plan');
  t.equal(vpc.after_unknown.id, true, 'id unknown until apply');
  t.equal(vpc.after_unknown.arn, true, 'arn unknown until apply');
  t.equal(byAddr['aws_subnet.network__private["network/1"]']!.after.availability_zone, 'eu-west-1b', 'a data source read at plan time (zones of the region)');
  t.same(byAddr['random_password.secrets["generated"]']!.after_sensitive, { bcrypt_hash: true, result: true }, 'sensitive attributes are sensitive');

  const applied = await run('apply', ['apply', '-input=false', '-no-color', 'tfplan']);
  t.match(applied.stdout, /Apply complete! Resources: 7 added, 0 changed, 0 destroyed\./);
  const outputs = JSON.parse((await run('output', ['output', '-json'])).stdout) as Record<string, { value: unknown; sensitive: boolean }>;
  t.match(outputs.vpc_id!.value, /^mock-vpc-[0-9a-f]{8}$/, 'a made-up id');
  t.equal(outputs.vpc_arn!.value, `arn:aws:ec2:eu-west-1:123456789012:vpc/${outputs.vpc_id!.value}`, 'an ARN in the provider’s region');
  t.same(Object.keys(outputs.subnet_ids!.value as object), ['network/0', 'network/1'], 'for_each keys');
  t.match(outputs.google_network!.value, /^https:\/\/www\.googleapis\.com\/.+acme-shop-dev-net$/);
  t.equal(outputs.resource_group_id!.value, '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/acme-shop-dev-rg', 'an Azure resource id');
  t.same(outputs.password_length, { sensitive: true, type: 'number', value: 24 }, 'the generated password has the asked length');
  t.match(outputs.security_group_ingress!.value, [{ from_port: 443, to_port: 443, protocol: 'tcp', cidr_blocks: ['10.0.0.0/16'] }], 'block-syntax ingress kept');

  const state = JSON.parse(readFileSync(join(w.dir, 'terraform.tfstate'), 'utf8')) as { resources: Array<{ type: string; instances: Array<{ attributes: Record<string, unknown> }> }> };
  const vpcState = state.resources.find((r) => r.type === 'aws_vpc')!.instances[0]!.attributes;
  t.equal(vpcState.enable_dns_hostnames, false, 'computed booleans get a value');
  t.same(vpcState.tags_all, vpcState.tags, 'tags_all follows tags');

  await run('replan', ['plan', '-input=false', '-no-color', '-detailed-exitcode'], 0);

  const update = await run('update', ['apply', '-input=false', '-no-color', '-auto-approve', '-var', 'name_prefix=acme-shop-stg'], 0);
  t.match(update.stdout, /Resources: 0 added, 4 changed, 0 destroyed\./, 'changed names and tags are in-place updates (the mock knows no ForceNew)');

  const destroyed = await run('destroy', ['destroy', '-input=false', '-no-color', '-auto-approve']);
  t.match(destroyed.stdout, /Destroy complete! Resources: 7 destroyed\./);
  const after = JSON.parse(readFileSync(join(w.dir, 'terraform.tfstate'), 'utf8')) as { resources: unknown[] };
  t.same(after.resources, [], 'state empty');
  t.comment(`timings (ms): ${JSON.stringify(timings)}`);
});

t.test('planModule reports what only a plan sees: an output exposing a sensitive value', async (t) => {
  const ok = await planModule(NETWORK, { mirror });
  t.equal(ok.ok, true);
  t.same(ok.summary, { add: 7, change: 0, remove: 0 });
  t.equal(ok.changes['aws_vpc.network["network"]'], 'create');
  t.comment(`planModule: init ${ok.timings.init} ms, plan ${ok.timings.plan} ms`);

  const dir = mkdtempSync(join(tmpdir(), 'vintner-leak-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  cpSync(NETWORK, dir, { recursive: true });
  appendFileSync(join(dir, 'outputs.tf'), '\noutput "leak" {\n  value = random_password.secrets["generated"].result\n}\n');
  const line = readFileSync(join(dir, 'outputs.tf'), 'utf8').split('\n').indexOf('output "leak" {') + 1;
  const leak = await planModule(dir, { mirror });
  t.equal(leak.ok, false);
  t.match(leak.diagnostics, [{ severity: 'error', summary: 'Output refers to sensitive values', file: join(dir, 'outputs.tf'), line }]);
});
