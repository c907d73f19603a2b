/**
 * aws, gcp and azure vines through a real Tendril and Vintner's whole job path: identity and vine
 * made through the API, PLAN, DEPLOY of exactly that plan, DESTROY — real Terraform on
 * terraform/<cloud>, with the schema-only providers of test/provider (no cloud, no download)
 * installed from TERRAFORM_PROVIDER_MIRROR, the setting air-gapped Tendrils use.
 *
 * Per cloud: the credentials reach Terraform only as environment variables of its process (a
 * TERRAFORM_BIN wrapper records, for every terraform command, the names of its environment and
 * hashes of the secret ones, and looks for the credentials in every file of the work directory),
 * the identity's endpoint as the providers' endpoint variables; the plan summary names every
 * component; each component follows the apply's events to ACTIVE with the contract's outputs, then
 * to DESTROYED; the cost comes from the target's own price table; and no credential appears in a
 * log line, the tfvars, a plan summary, the database or an API answer.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { buildTestApp } from '../helpers.js';
import { signupWithToken, fullSpec } from '../api/helpers.js';
import { componentStatuses, startTestTendril, vineState, waitForJob } from './harness.js';
import { createProviderMirror } from '../provider/harness.js';
import { awsTestUser, startAwsFake } from '../cloud/fakes/aws.js';
import { gcpTestAccount } from '../cloud/fakes/gcp.js';
import { COMPONENT_KINDS } from '../../src/domain/components/catalogue.js';
import { mapAddressToComponent } from '../../src/terraform/index.js';
import { AWS_SERVICES, GOOGLE_BASE_PATHS } from '../../src/runner/targets.js';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const KINDS = COMPONENT_KINDS.map((k) => k.kind as string);

// The identities' credentials and a user's secret value: canaries to look for everywhere.
const awsUser = awsTestUser();
const awsRoleUser = awsTestUser({ arn: 'arn:aws:iam::111122223333:user/vintner-role-test' });
const gcp = gcpTestAccount('shop-test-123');
const gcpKeyLine = gcp.privateKey.split('\n')[1]!;
const azureSecret = `az~${randomBytes(18).toString('base64url')}`;
const userSecret = `sk_live_${randomBytes(12).toString('hex')}`;
const CREDENTIALS = [awsUser.secretAccessKey, awsUser.accessKeyId, awsRoleUser.secretAccessKey, awsRoleUser.accessKeyId, gcpKeyLine, azureSecret];

// Four vines' PLAN, DEPLOY and DESTROY, two at a time, on a shared machine: more than tap's 300 s default.
t.setTimeout(900_000);
const mirror = await createProviderMirror();
t.teardown(() => mirror.remove());

// TERRAFORM_BIN: records each command (no value of a secret, only hashes), then runs terraform.
const wrapDir = mkdtempSync(join(tmpdir(), 'vintner-tf-wrapper-'));
t.teardown(() => rmSync(wrapDir, { recursive: true, force: true }));
// One file per command: Tendrils run several jobs at once, and their records must not interleave.
const records = join(wrapDir, 'commands');
mkdirSync(records);
const PLAIN = 'AWS_REGION|AWS_DEFAULT_REGION|AWS_ENDPOINT_URL|AWS_ENDPOINT_URL_*|AWS_EC2_METADATA_DISABLED|GOOGLE_PROJECT|GOOGLE_REGION|GOOGLE_*_CUSTOM_ENDPOINT|ARM_TENANT_ID|ARM_CLIENT_ID|ARM_SUBSCRIPTION_ID|ARM_METADATA_HOSTNAME';
const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
writeFileSync(
  join(wrapDir, 'terraform'),
  `#!/bin/sh
{
  printf 'cmd=%s\\tcwd=%s\\trun=%s' "$1" "$PWD" "$(cat .vintner-run 2>/dev/null)"
  for name in $(env | sed -n 's/^\\([A-Za-z_][A-Za-z0-9_]*\\)=.*/\\1/p' | sort -u); do
    eval "val=\\\${$name}"
    case "$name" in
      ${PLAIN}) printf '\\t%s=%s' "$name" "$val" ;;
      *) printf '\\t%s#%s' "$name" "$(printf %s "$val" | sha256sum | cut -c1-64)" ;;
    esac
  done
  case "$PWD" in
    */vintner-job-*)
      printf '\\tcredential_files=%s' "$(grep -rlF ${CREDENTIALS.map((c) => `-e ${q(c)}`).join(' ')} . 2>/dev/null | tr '\\n' ',')"
      printf '\\tsecret_in_tfvars=%s' "$(grep -cF -e ${q(userSecret)} terraform.tfvars.json 2>/dev/null)" ;;
  esac
  printf '\\n'
} > "$(mktemp ${q(records)}/cmd.XXXXXXXX)"
exec terraform "$@"
`,
);
chmodSync(join(wrapDir, 'terraform'), 0o755);

interface Command {
  cmd: string;
  cwd: string;
  plain: Record<string, string>;
  hashed: Record<string, string>;
  credentialFiles: string[];
  secretInTfvars: string | undefined;
}
/** The commands of these jobs (the work directory's .vintner-run names its job). */
function commands(jobIds: string[]): Command[] {
  return readdirSync(records)
    .map((f) => readFileSync(join(records, f), 'utf8').trimEnd())
    .filter((l) => jobIds.some((id) => l.includes(`"job":"${id}"`)))
    .map((l) => {
      const c: Command = { cmd: '', cwd: '', plain: {}, hashed: {}, credentialFiles: [], secretInTfvars: undefined };
      for (const f of l.split('\t')) {
        const eq = f.indexOf('=');
        const hash = f.indexOf('#');
        if (f.startsWith('cmd=')) c.cmd = f.slice(4);
        else if (f.startsWith('cwd=')) c.cwd = f.slice(4);
        else if (f.startsWith('credential_files=')) c.credentialFiles = f.slice(17).split(',').filter(Boolean);
        else if (f.startsWith('secret_in_tfvars=')) c.secretInTfvars = f.slice(17);
        else if (hash > 0 && (eq < 0 || hash < eq)) c.hashed[f.slice(0, hash)] = f.slice(hash + 1);
        else if (eq > 0) c.plain[f.slice(0, eq)] = f.slice(eq + 1);
      }
      return c;
    });
}

const ENV = {
  VINTNER_SECRET_KEY: randomBytes(32).toString('base64'),
  TERRAFORM_PROVIDER_MIRROR: join(mirror.dir, 'providers'),
  TERRAFORM_BIN: join(wrapDir, 'terraform'),
  TENDRIL_CONCURRENCY: '3',
};
const { app, db } = await buildTestApp(t, ENV);
const { knex } = db;
await startTestTendril(t, db, ENV);
const alice = await signupWithToken(app);

// The role: the identity's long-lived keys assume it (against the AWS fake's STS); Terraform gets the session.
const ROLE = 'arn:aws:iam::444455556666:role/vintner-deployer';
const sts = await startAwsFake({ users: [awsRoleUser], roles: [{ arn: ROLE, trusts: [awsRoleUser.arn], externalId: 'vintner-ext-42' }] });
t.teardown(() => sts.close());

interface Case {
  cloud: 'aws' | 'gcp' | 'azure';
  label: string;
  identity: Record<string, unknown>;
  /** Terraform's environment: plain values, and secret values by their hash. */
  plain: (c: Command) => Record<string, string>;
  secret: () => Record<string, string>;
  /** Credentials of other clouds (or the long-lived keys a role replaces) that must not be there. */
  absent: string[];
}

const AZ_TENANT = randomUUID();
const AZ_CLIENT = randomUUID();
const AZ_SUB = randomUUID();
const CASES: Case[] = [
  {
    cloud: 'aws',
    label: 'aws (access keys, a LocalStack-style endpoint)',
    identity: { provider: 'aws', region: 'eu-west-1', access_key_id: awsUser.accessKeyId, secret_access_key: awsUser.secretAccessKey, endpoint: 'http://127.0.0.1:4566' },
    plain: () => ({
      AWS_REGION: 'eu-west-1',
      AWS_DEFAULT_REGION: 'eu-west-1',
      AWS_ENDPOINT_URL: 'http://127.0.0.1:4566',
      ...Object.fromEntries(AWS_SERVICES.map((s) => [`AWS_ENDPOINT_URL_${s}`, 'http://127.0.0.1:4566'])),
      AWS_EC2_METADATA_DISABLED: 'true',
    }),
    secret: () => ({ AWS_ACCESS_KEY_ID: awsUser.accessKeyId, AWS_SECRET_ACCESS_KEY: awsUser.secretAccessKey }),
    absent: ['AWS_SESSION_TOKEN', 'GOOGLE_CREDENTIALS', 'ARM_CLIENT_SECRET'],
  },
  {
    cloud: 'aws',
    label: 'aws (assume_role with an external id)',
    identity: { provider: 'aws', region: 'us-east-1', role_arn: ROLE, external_id: 'vintner-ext-42', access_key_id: awsRoleUser.accessKeyId, secret_access_key: awsRoleUser.secretAccessKey, endpoint: sts.url },
    plain: () => ({ AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL: sts.url, AWS_ENDPOINT_URL_STS: sts.url, AWS_ENDPOINT_URL_EKS: sts.url }),
    // Each job assumes the role anew: its session is one of those the fake issued.
    secret: () => ({}),
    absent: ['GOOGLE_CREDENTIALS', 'ARM_CLIENT_SECRET'],
  },
  {
    cloud: 'gcp',
    label: 'gcp (service-account key, a custom endpoint)',
    identity: { provider: 'gcp', project_id: 'shop-test-123', region: 'europe-west1', service_account_key: gcp.keyFile, endpoint: 'http://127.0.0.1:8085' },
    plain: () => ({
      GOOGLE_PROJECT: 'shop-test-123',
      GOOGLE_REGION: 'europe-west1',
      ...Object.fromEntries(Object.entries(GOOGLE_BASE_PATHS).map(([s, base]) => [`GOOGLE_${s}_CUSTOM_ENDPOINT`, `http://127.0.0.1:8085${new URL(base).pathname}`])),
    }),
    // The key as Terraform gets it: its token_uri is the identity's endpoint.
    secret: () => ({ GOOGLE_CREDENTIALS: JSON.stringify({ ...JSON.parse(gcp.keyFile), token_uri: 'http://127.0.0.1:8085/token' }) }),
    absent: ['AWS_SECRET_ACCESS_KEY', 'AWS_ACCESS_KEY_ID', 'ARM_CLIENT_SECRET'],
  },
  {
    cloud: 'azure',
    label: 'azure (service principal, a custom cloud)',
    identity: { provider: 'azure', tenant_id: AZ_TENANT, client_id: AZ_CLIENT, client_secret: azureSecret, subscription_id: AZ_SUB, region: 'westeurope', endpoint: 'https://127.0.0.1:8443' },
    plain: () => ({ ARM_TENANT_ID: AZ_TENANT, ARM_CLIENT_ID: AZ_CLIENT, ARM_SUBSCRIPTION_ID: AZ_SUB, ARM_METADATA_HOSTNAME: '127.0.0.1:8443' }),
    secret: () => ({ ARM_CLIENT_SECRET: azureSecret }),
    absent: ['AWS_SECRET_ACCESS_KEY', 'GOOGLE_CREDENTIALS'],
  },
];

async function api(method: 'GET' | 'POST', url: string, payload?: unknown) {
  const r = await alice.req(method, url, payload);
  if (r.statusCode >= 400) throw new Error(`${method} ${url}: ${r.statusCode} ${r.body}`);
  return { status: r.statusCode, body: r.body, json: r.json() as any };
}

/** Polls the vine's components during a job: every status each one was seen in. */
function watchStatuses(vineId: string, jobId: string) {
  const seen = new Map<string, Set<string>>();
  let done = false;
  const loop = (async () => {
    while (!done) {
      for (const [k, s] of Object.entries(await componentStatuses(knex, vineId))) (seen.get(k) ?? seen.set(k, new Set()).get(k)!).add(s);
      const j = await knex('provision_jobs').where({ id: jobId }).first('status');
      if (['SUCCESS', 'FAILED', 'CANCELLED'].includes(j.status)) done = true;
      else await new Promise((r) => setTimeout(r, 15));
    }
  })();
  return async () => {
    await loop;
    return seen;
  };
}

/** The components whose resources Terraform reported complete, from the job's log. */
async function completed(jobId: string, verb: 'Creation' | 'Destruction'): Promise<Set<string>> {
  const lines: string[] = await knex('provision_job_logs').where({ job_id: jobId }).pluck('line');
  const out = new Set<string>();
  for (const l of lines) {
    const m = new RegExp(`^(\\S+): ${verb} complete`).exec(l);
    const c = m && mapAddressToComponent(m[1]!);
    if (c) out.add(`${c.kind}/${c.name}`);
  }
  return out;
}

async function lifecycle(t: Test, c: Case, n: number) {
  const idName = `${c.cloud}-${n}`;
  const identity = (await api('POST', '/api/v1/identities', { name: idName, ...c.identity })).json;
  const vineyard = (await api('POST', '/api/v1/vineyards', { name: `shop-${idName}` })).json;
  const spec = fullSpec('web', { identity: idName, secrets: [{ name: 'stripe', description: 'Stripe key', value: userSecret }] });
  const planted = (await api('POST', `/api/v1/vineyards/${vineyard.id}/vines`, spec)).json;
  const vine = planted.vine as { id: string };
  const components = KINDS.length;
  t.equal(planted.components.length, components, `a vine of every kind on ${c.cloud}`);

  // PLAN: the summary names every component to create; the cost comes from the target's price table.
  const plan = (await api('POST', `/api/v1/vines/${vine.id}/jobs`, { type: 'PLAN' })).json;
  const planned = await waitForJob(knex, plan.id, 240_000);
  t.equal(planned.status, 'SUCCESS', `PLAN succeeds ${planned.error ?? ''}`);
  const summary = planned.result?.summary;
  t.same(
    (summary?.components ?? []).map((x: { kind: string; name: string; action: string }) => `${x.kind}:${x.action}`).sort(),
    KINDS.map((k) => `${k}:create`).sort(),
    'the plan summary: every component, to create',
  );
  t.ok(summary.add >= components * 2, `Terraform plans ${summary.add} resources to add`);
  const cost = (await api('GET', `/api/v1/jobs/${plan.id}`)).json.result.cost;
  t.equal(cost.source, 'estimate', 'the built-in estimate');
  t.match(cost.label, new RegExp(`built-in ${c.cloud} price table`), `labelled with the ${c.cloud} price table`);
  t.equal(cost.components.length, components, 'a cost line per component');
  t.ok(cost.total > 0, `monthly ${cost.currency} ${cost.total}`);

  // DEPLOY exactly that plan: components follow the apply's events.
  const deploy = (await api('POST', `/api/v1/vines/${vine.id}/jobs`, { type: 'DEPLOY', plan_job_id: plan.id })).json;
  const watched = watchStatuses(vine.id, deploy.id);
  const deployed = await waitForJob(knex, deploy.id, 240_000);
  const seen = await watched();
  t.equal(deployed.status, 'SUCCESS', `DEPLOY succeeds ${deployed.error ?? ''}`);
  const created = await completed(deploy.id, 'Creation');
  t.same([...created].sort(), Object.keys(await componentStatuses(knex, vine.id)).sort(), 'Terraform reported resources of every component complete');
  const creating = [...seen].filter(([, s]) => s.has('CREATING')).map(([k]) => k);
  t.ok(creating.length > 0, `components were seen CREATING while Terraform applied (${creating.length} of ${components})`);
  const after = (await api('GET', `/api/v1/vines/${vine.id}`)).json;
  t.equal(after.vine.status, 'ACTIVE', 'the vine is ACTIVE');
  const rows = await knex.raw(`SELECT kind, name, status, outputs FROM (${COMPONENT_KINDS.map((k) => `SELECT '${k.kind}' AS kind, name, status, outputs FROM ${k.table} WHERE vine_id = ?`).join(' UNION ALL ')}) x`, COMPONENT_KINDS.map(() => vine.id));
  for (const r of rows.rows as Array<{ kind: string; name: string; status: string; outputs: Record<string, unknown> }>) {
    const k = COMPONENT_KINDS.find((x) => x.kind === r.kind)!;
    t.equal(r.status, 'ACTIVE', `${r.kind}/${r.name} ACTIVE`);
    t.same(Object.keys(r.outputs).sort(), [...k.outputs].sort(), `${r.kind}/${r.name}: the contract's outputs`);
  }

  // DESTROY.
  const destroy = (await api('POST', `/api/v1/vines/${vine.id}/jobs`, { type: 'DESTROY' })).json;
  const destroyed = await waitForJob(knex, destroy.id, 240_000);
  t.equal(destroyed.status, 'SUCCESS', `DESTROY succeeds ${destroyed.error ?? ''}`);
  t.same([...(await completed(destroy.id, 'Destruction'))].sort(), [...created].sort(), 'every component’s resources destroyed');
  t.equal((await api('GET', `/api/v1/vines/${vine.id}`)).json.vine.status, 'DESTROYED', 'the vine is DESTROYED');
  t.ok(Object.values(await componentStatuses(knex, vine.id)).every((s) => s === 'DESTROYED'), 'every component DESTROYED');
  t.same((await vineState(knex, Buffer.from(ENV.VINTNER_SECRET_KEY, 'base64'), vine.id))?.resources, [], 'the vine’s state holds no resources');

  // Terraform's environment, command by command.
  const jobIds = [plan.id, deploy.id, destroy.id];
  const cmds = commands(jobIds);
  t.ok(cmds.length >= 6, `${cmds.length} terraform commands recorded (${[...new Set(cmds.map((x) => x.cmd))].join(', ')})`);
  t.ok(cmds.some((x) => x.cmd === 'apply'), 'an apply among them');
  const bad = new Set<string>();
  for (const cmd of cmds) {
    for (const [k, v] of Object.entries(c.plain(cmd))) if (cmd.plain[k] !== v) bad.add(`${cmd.cmd}: ${k}=${cmd.plain[k] ?? '(unset)'}, expected ${v}`);
    for (const [k, v] of Object.entries(c.secret())) if (cmd.hashed[k] !== sha(v)) bad.add(`${cmd.cmd}: ${k} is not the identity's`);
    for (const k of c.absent) if (k in cmd.hashed || k in cmd.plain) bad.add(`${cmd.cmd}: ${k} is set`);
    if (cmd.credentialFiles.length) bad.add(`${cmd.cmd}: a credential is in ${cmd.credentialFiles.join(', ')}`);
    if (cmd.secretInTfvars !== '0') bad.add(`${cmd.cmd}: the secret value in terraform.tfvars.json (${cmd.secretInTfvars})`);
    if (!cmd.hashed.TF_VAR_secret_values) bad.add(`${cmd.cmd}: no TF_VAR_secret_values`);
  }
  t.same([...bad], [], `every command: the identity's credentials and endpoint by environment only; none in a file of the work directory`);
  return { label: c.label, identity, vine, jobIds, cmds };
}

const results: Array<Awaited<ReturnType<typeof lifecycle>>> = [];
t.test('every cloud target through the Tendril', { timeout: 600_000 }, async (t) => {
  t.jobs = 2;
  for (const [i, c] of CASES.entries()) {
    t.test(c.label, { buffered: true, timeout: 600_000 }, async (t) => {
      results.push(await lifecycle(t, c, i));
    });
  }
});

t.test('a role: Terraform gets the role’s session, never the long-lived keys', async (t) => {
  const role = results.find((r) => r.label === CASES[1]!.label);
  t.ok(role, 'the role case ran');
  if (!role) return;
  const sessions = new Set(sts.sessions.map((s) => sha(s.secretAccessKey)));
  const tokens = new Set(sts.sessions.map((s) => sha(s.sessionToken)));
  t.ok(sts.sessions.length >= 3, `the role was assumed for each job (${sts.sessions.length} sessions)`);
  t.ok(role.cmds.every((c) => sessions.has(c.hashed.AWS_SECRET_ACCESS_KEY ?? '') && tokens.has(c.hashed.AWS_SESSION_TOKEN ?? '')), 'every command ran with a session of the role');
  t.ok(role.cmds.every((c) => c.hashed.AWS_SECRET_ACCESS_KEY !== sha(awsRoleUser.secretAccessKey) && c.hashed.AWS_ACCESS_KEY_ID !== sha(awsRoleUser.accessKeyId)), 'never the identity’s own keys');
});

t.test('no credential and no secret value in a log line, a job, a component, or an API answer', async (t) => {
  t.equal(results.length, CASES.length, 'every case ran');
  const everything = JSON.stringify([
    await knex('provision_job_logs').select('line'),
    await knex('provision_jobs').select('result', 'error'),
    ...(await Promise.all(COMPONENT_KINDS.map((k) => knex(k.table).select('outputs', 'error')))),
    await knex('cloud_identities').select('config', 'last_test_message'),
  ]);
  const answers: string[] = [];
  for (const r of results) {
    answers.push((await api('GET', `/api/v1/vines/${r.vine.id}`)).body, (await api('GET', `/api/v1/vines/${r.vine.id}/jobs`)).body, (await api('GET', `/api/v1/identities/${r.identity.id}`)).body);
    for (const id of r.jobIds) answers.push((await api('GET', `/api/v1/jobs/${id}`)).body, (await api('GET', `/api/v1/jobs/${id}/logs?limit=5000`)).body);
  }
  answers.push((await api('GET', '/api/v1/identities')).body);
  t.ok(answers.join('').length > 10_000, `${answers.length} API answers read`);
  for (const [what, value] of [...CREDENTIALS.map((v, i) => [`credential ${i + 1}`, v] as const), ['the user’s secret value', userSecret] as const]) {
    t.notOk(everything.includes(value), `${what} is in no log line, job, component or identity row`);
    t.notOk(answers.some((a) => a.includes(value)), `${what} is in no API answer`);
  }
});
