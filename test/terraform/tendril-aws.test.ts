/**
 * terraform/tendril-aws (DEPLOY_WORKER / DESTROY_WORKER), checked offline like the cloud targets:
 * formatted, valid against the AWS provider's real schema, its `terraform test` runs (mock
 * providers) all passing, and a real plan / apply / re-plan / destroy against the schema-only
 * provider in which the pool token — given only as TF_VAR_tendril_token — reaches neither the
 * saved plan nor the state.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { createProviderMirror, fmtCheck, formatDiagnostic, prepareWorkdir, runTerraformTest, validateModule, type ProviderMirror } from '../provider/harness.js';

const MODULE = join(import.meta.dirname, '../../terraform/tendril-aws');
const TOKEN = 'vtp_canary-pool-token-Zq8xV2nOtForStateOrPlan00000000000';

let mirror: ProviderMirror;
t.before(async () => {
  mirror = await createProviderMirror();
});
t.teardown(() => mirror?.remove());

t.test('formatted and valid against the provider schema', async (t) => {
  const fmt = await fmtCheck(MODULE);
  t.same(fmt.files, [], 'terraform fmt changes nothing');
  const v = await validateModule(MODULE, { mirror });
  t.same(v.diagnostics.map((d) => formatDiagnostic(d)), [], 'no diagnostics');
  t.ok(v.valid, 'terraform validate: valid');
});

t.test('every terraform test run passes', async (t) => {
  const r = await runTerraformTest(MODULE, { mirror });
  t.comment(`terraform test: init ${r.timings.init} ms, test ${r.timings.test} ms, ${r.runs.length} runs`);
  t.same(r.diagnostics.map((d) => formatDiagnostic(d)), [], 'no diagnostics');
  t.same(r.runs.filter((x) => x.status !== 'pass'), [], 'no run failed, errored or was skipped');
  t.equal(r.status, 'pass', 'Terraform’s summary: pass');
  t.same(Object.keys(r.files).sort(), ['tests/defaults.tftest.hcl', 'tests/existing.tftest.hcl', 'tests/policy.tftest.hcl', 'tests/token.tftest.hcl', 'tests/validation.tftest.hcl'], 'every test file ran');
  const names = new Set(r.runs.map((x) => x.run));
  for (const run of [
    'a_cluster_of_their_own',
    'their_cluster_subnets_and_groups',
    'the_task_role_holds_exactly_the_aws_target_policy',
    'execution_role_reads_only_its_secret_and_writes_only_its_logs',
    'the_token_goes_to_secrets_manager_only',
    'the_token_cannot_be_slipped_into_the_environment',
  ]) {
    t.ok(names.has(run), `run ${run} is among them`);
  }
});

t.test('plan, apply, re-plan and destroy: the token is in neither the plan nor the state', async (t) => {
  const w = await prepareWorkdir(MODULE, { mirror, env: { TF_VAR_tendril_token: TOKEN } });
  t.teardown(() => w.remove());
  const vars = {
    pool_id: '3f2a9c1b-0d4e-4a5b-8c6d-7e8f9a0b1c2d',
    pool_name: 'CI runners',
    name_prefix: 'tendril-ci-runners-3f2a9c1b',
    region: 'eu-central-1',
    trellis_url: 'https://vintner.example.com',
    image: '123456789012.dkr.ecr.eu-central-1.amazonaws.com/vintner-tendril:0.1.0',
    token_version: 1700000000,
    // The schema-only provider's aws_subnets finds none: the default VPC would stop the plan (a
    // precondition says to name subnets).
    subnet_ids: ['subnet-0a1b2c3d4e5f60001', 'subnet-0a1b2c3d4e5f60002'],
    task_policy_json: readFileSync(join(MODULE, 'tests/aws-target-policy.json'), 'utf8'),
  };
  writeFileSync(join(w.dir, 'terraform.tfvars.json'), JSON.stringify(vars));

  const plan = await w.run(['plan', '-input=false', '-no-color', '-out=tendril.tfplan']);
  t.equal(plan.code, 0, `plan succeeds ${plan.stderr}`);
  const shown = await w.run(['show', '-json', 'tendril.tfplan']);
  t.equal(shown.code, 0, 'the saved plan reads back');
  t.notOk(shown.stdout.includes(TOKEN), 'the saved plan does not hold the token');
  const planned = JSON.parse(shown.stdout) as { resource_changes: Array<{ address: string; change: { actions: string[] } }> };
  const creates = planned.resource_changes.filter((c) => c.change.actions.includes('create')).map((c) => c.address).sort();
  t.same(creates, [
    'aws_cloudwatch_log_group.tendril',
    'aws_ecs_cluster.tendril[0]',
    'aws_ecs_service.tendril',
    'aws_ecs_task_definition.tendril',
    'aws_iam_role.execution',
    'aws_iam_role.task',
    'aws_iam_role_policy.execution',
    'aws_iam_role_policy.task',
    'aws_secretsmanager_secret.token',
    'aws_secretsmanager_secret_version.token',
    'aws_security_group.tendril[0]',
    'aws_vpc_security_group_egress_rule.tendril["443"]',
  ], 'what a pool’s Tendrils are made of');

  const apply = await w.run(['apply', '-input=false', '-no-color', 'tendril.tfplan']);
  t.equal(apply.code, 0, `apply succeeds ${apply.stderr}`);
  t.notOk(apply.stdout.includes(TOKEN), 'the apply’s output does not show it');
  const state = readFileSync(join(w.dir, 'terraform.tfstate'), 'utf8');
  t.notOk(state.includes(TOKEN), 'the state does not hold the token');
  const doc = JSON.parse(state) as { resources: Array<{ type: string; name: string; instances: Array<{ attributes: Record<string, unknown> }> }> };
  const taskDef = doc.resources.find((r) => r.type === 'aws_ecs_task_definition')!.instances[0]!.attributes;
  const [container] = JSON.parse(taskDef.container_definitions as string) as Array<{ secrets: Array<{ name: string; valueFrom: string }>; environment: Array<{ name: string }> }>;
  t.same(container!.secrets.map((s) => s.name), ['TENDRIL_TOKEN'], 'the task gets the token as a secret reference');
  t.notOk(container!.environment.some((e) => e.name === 'TENDRIL_TOKEN'), 'and not in its plain environment');
  const policy = doc.resources.find((r) => r.type === 'aws_iam_role_policy' && r.name === 'task')!.instances[0]!.attributes;
  t.same(JSON.parse(policy.policy as string), JSON.parse(vars.task_policy_json), 'the task role holds the aws target’s policy');

  const again = await w.run(['plan', '-input=false', '-no-color', '-detailed-exitcode']);
  if (again.code !== 0) t.comment(again.stdout.slice(-2000));
  t.equal(again.code, 0, 'the same settings and token version: nothing to change');

  // DESTROY_WORKER sends no token.
  const destroy = await runWithout(w, ['destroy', '-input=false', '-no-color', '-auto-approve']);
  t.equal(destroy.code, 0, `destroy needs no token ${destroy.stderr}`);
  const after = JSON.parse(readFileSync(join(w.dir, 'terraform.tfstate'), 'utf8')) as { resources: unknown[] };
  t.same(after.resources.filter((r) => (r as { mode: string }).mode === 'managed'), [], 'nothing is left');
});

t.test('permissions.json names every type the module uses, and the docs’ policy every action', async (t) => {
  const permissions = JSON.parse(readFileSync(join(MODULE, 'permissions.json'), 'utf8')) as Record<string, string[]>;
  const used = new Set<string>();
  for (const f of readdirSync(MODULE).filter((n) => n.endsWith('.tf'))) {
    for (const m of readFileSync(join(MODULE, f), 'utf8').matchAll(/^(resource|data) "([a-z0-9_]+)"/gm)) used.add(m[1] === 'data' ? `data.${m[2]}` : m[2]!);
  }
  t.same([...used].sort(), Object.keys(permissions).sort(), 'one entry per resource and data type, no more');
  const doc = readFileSync(join(MODULE, '../../docs/clouds/aws-tendril.md'), 'utf8');
  const block = /<!-- deploy-permissions:begin -->\s*```json\n([\s\S]*?)```\s*<!-- deploy-permissions:end -->/.exec(doc);
  t.ok(block, 'docs/clouds/aws-tendril.md holds the deploying identity’s policy');
  const policy = JSON.parse(block![1]!) as { Statement: Array<{ Action: string[] }> };
  const allowed = new Set(policy.Statement.flatMap((s) => s.Action));
  const missing = [...new Set(Object.values(permissions).flat())].filter((a) => !allowed.has(a));
  t.same(missing, [], 'every action the module needs is in it');
  const extra = [...allowed].filter((a) => !Object.values(permissions).flat().includes(a));
  t.same(extra, [], 'and nothing the module does not need');
});

/** A command in the work directory without TF_VAR_tendril_token in its environment. */
async function runWithout(w: Awaited<ReturnType<typeof prepareWorkdir>>, args: string[]) {
  const { runTerraform } = await import('../provider/harness.js');
  const env = { ...w.env };
  delete env.TF_VAR_tendril_token;
  return runTerraform(args, w.dir, env);
}
