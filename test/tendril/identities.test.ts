/**
 * CONNECTION_TEST and FETCH_RESOURCES of aws, gcp and azure identities through a real Tendril,
 * against the local fakes of each cloud (real SigV4, RS256 JWT and client-secret checks): the
 * report, the stored test outcome, the discovered snapshot, each failure's one sentence as the
 * stored message and the job's error, paging, truncation, throttling; no secret anywhere in the
 * database's logs, jobs or identities.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import t, { type Test } from 'tap';
import { buildTestApp } from '../helpers.js';
import { seedVine } from '../fixtures.js';
import { jobLog, startTestTendril, waitForJob, type FinishedJob } from './harness.js';
import { assertLoopbackOnly, guardFile } from '../cloud/helpers.js';
import { awsTestUser, startAwsFake, type AwsFake, type AwsFakeState } from '../cloud/fakes/aws.js';
import { gcpTestAccount, startGcpFake, type GcpFake, type GcpFakeState } from '../cloud/fakes/gcp.js';
import { azureTestTenant, startAzureFake, type AzureFake, type AzureFakeState } from '../cloud/fakes/azure.js';
import type { JobType } from '../../src/domain/jobs/status.js';

const guard = guardFile(t);
/** The app seals credentials with this key and the Tendril opens them with it. */
const ENV = { VINTNER_SECRET_KEY: randomBytes(32).toString('base64'), CLOUD_MAX_RESOURCES: '40', CLOUD_TIMEOUT_SECONDS: '3' };
const { app, db } = await buildTestApp(t, ENV);
const { knex } = db;
await startTestTendril(t, db, ENV);
const user = await app.services.users.signup(`cloud-${process.pid}@example.com`, 'a long enough password');
const secrets: string[] = [];
let n = 0;

async function identity(input: Record<string, unknown>): Promise<{ id: string; name: string }> {
  const created = await app.services.identities.create(user.id, { name: `id-${++n}`, ...input });
  return { id: created.id, name: created.name };
}

async function run(identityId: string, type: JobType): Promise<FinishedJob & { log: string }> {
  const job = await app.services.jobs.create({ userId: user.id, type, identityId });
  const done = await waitForJob(knex, job.id, 60_000);
  return { ...done, log: await jobLog(knex, job.id) };
}

const stored = (id: string) => knex('cloud_identities').where({ id }).first('last_test_status', 'last_test_message', 'last_tested_at');
const discovered = (id: string, kind?: string) => knex('discovered_resources').where({ identity_id: id, ...(kind ? { kind } : {}) }).orderBy('external_id');

/** The job FAILED with exactly `sentence`, which is also the identity's last test message. */
async function failsWith(t: Test, identityId: string, sentence: string | RegExp): Promise<FinishedJob & { log: string }> {
  const job = await run(identityId, 'CONNECTION_TEST');
  t.equal(job.status, 'FAILED', 'the job FAILED');
  if (typeof sentence === 'string') t.equal(job.error, sentence, 'its error is the sentence');
  else t.match(job.error, sentence, 'its error is the sentence');
  const s = await stored(identityId);
  t.equal(s.last_test_status, 'FAILED', 'the identity’s last test FAILED');
  t.equal(s.last_test_message, job.error, 'its message is that sentence, in full');
  t.ok(s.last_tested_at, 'with the time');
  t.match(job.log, `failed: ${typeof sentence === 'string' ? sentence : ''}`, 'the log ends with it');
  t.same(await discovered(identityId), [], 'nothing was discovered');
  return job;
}

async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

// ---------------------------------------------------------------------------------------- AWS
const awsUser = awsTestUser();
secrets.push(awsUser.secretAccessKey, awsUser.accessKeyId);

async function awsFake(t: Test, state: Partial<AwsFakeState> = {}): Promise<AwsFake> {
  const f = await startAwsFake({ users: [awsUser], ...state });
  for (const u of f.state.users) secrets.push(u.secretAccessKey);
  t.teardown(() => {
    for (const s of f.sessions) secrets.push(s.secretAccessKey, s.sessionToken);
    return f.close();
  });
  return f;
}
const awsKeys = (f: { url: string }, extra: Record<string, unknown> = {}) => ({
  provider: 'aws', region: 'eu-west-1', access_key_id: awsUser.accessKeyId, secret_access_key: awsUser.secretAccessKey, endpoint: f.url, ...extra,
});

t.test('aws: a test reports the account, stores SUCCESS and caches the discovery, every listing paged', async (t) => {
  const f = await awsFake(t, {
    pageSize: 2,
    vpcs: [{ id: 'vpc-0a', cidr: '10.0.0.0/16', name: 'main', isDefault: true }, { id: 'vpc-0b', cidr: '10.1.0.0/16', name: 'shop' }, { id: 'vpc-0c', cidr: '10.2.0.0/16' }],
    subnets: [
      { id: 'subnet-1', vpcId: 'vpc-0a', cidr: '10.0.1.0/24', az: 'eu-west-1a', public: true, name: 'public-a' },
      { id: 'subnet-2', vpcId: 'vpc-0a', cidr: '10.0.2.0/24', az: 'eu-west-1b' },
      { id: 'subnet-3', vpcId: 'vpc-0b', cidr: '10.1.1.0/24', az: 'eu-west-1c' },
    ],
    zones: [{ id: 'Z1', name: 'shop.example.com' }, { id: 'Z2', name: 'internal.example', private: true, records: 7 }, { id: 'Z3', name: 'blog.example.com' }],
  });
  const id = await identity(awsKeys(f));
  const job = await run(id.id, 'CONNECTION_TEST');
  t.equal(job.status, 'SUCCESS', `the test succeeds ${job.error ?? ''}`);
  const summary = `Connected to AWS account 111122223333 as ${awsUser.arn}; region eu-west-1 is available.`;
  t.same(job.result, {
    provider: 'aws',
    summary,
    details: { account_id: '111122223333', arn: awsUser.arn, region: 'eu-west-1', credentials: 'identity keys' },
    discovery: { discovered: 9, kinds: { network: 3, subnet: 3, dns_zone: 3 }, truncated: false },
  }, 'the result holds the report and the discovery');
  t.match(await stored(id.id), { last_test_status: 'SUCCESS', last_test_message: summary }, 'SUCCESS stored with the summary');
  const routes = f.routes();
  t.same(routes.filter((r) => r === 'ec2:DescribeVpcs').length, 2, 'VPCs on two pages');
  t.same(routes.filter((r) => r === 'ec2:DescribeSubnets').length, 2, 'subnets on two pages');
  t.same(routes.filter((r) => r === 'route53:ListHostedZones').length, 2, 'zones on two pages');
  for (const r of f.requests) t.match(r.headers.authorization, new RegExp(`^AWS4-HMAC-SHA256 Credential=${awsUser.accessKeyId}/\\d{8}/[a-z0-9-]+/(sts|ec2|route53)/aws4_request`), `${r.route} arrived SigV4-signed`);

  const rows = await discovered(id.id);
  t.same(rows.map((r) => `${r.kind} ${r.external_id}`).sort(), ['dns_zone Z1', 'dns_zone Z2', 'dns_zone Z3', 'network vpc-0a', 'network vpc-0b', 'network vpc-0c', 'subnet subnet-1', 'subnet subnet-2', 'subnet subnet-3'], 'every resource cached');
  const vpc = rows.find((r) => r.external_id === 'vpc-0a');
  t.match(vpc, { kind: 'network', name: 'main', region: 'eu-west-1', data: { cidr_blocks: ['10.0.0.0/16'], is_default: true } });
  t.match(rows.find((r) => r.external_id === 'subnet-1'), { kind: 'subnet', name: 'public-a', data: { cidr: '10.0.1.0/24', availability_zone: 'eu-west-1a', network_id: 'vpc-0a', public: true } });
  t.match(rows.find((r) => r.external_id === 'Z2'), { kind: 'dns_zone', name: 'internal.example', data: { domain_name: 'internal.example', private: true, record_count: 7 } });
  t.match(job.log, /AWS STS GetCallerIdentity: account 111122223333/, 'a log line per step');
  t.match(job.log, /discovered 9 resources \(3 networks, 3 subnets, 3 DNS zones\)/);

  // FETCH_RESOURCES replaces the snapshot whole: what is gone from the account is gone here.
  f.state.vpcs.splice(1, 2);
  f.state.subnets.splice(1, 2);
  f.state.zones = [{ id: 'Z9', name: 'new.example.com' }];
  const again = await run(id.id, 'FETCH_RESOURCES');
  t.equal(again.status, 'SUCCESS');
  t.same(again.result, { discovered: 3, kinds: { network: 1, subnet: 1, dns_zone: 1 }, truncated: false }, 'counts per kind');
  t.same((await discovered(id.id)).map((r) => r.external_id).sort(), ['Z9', 'subnet-1', 'vpc-0a'], 'the previous snapshot is replaced, not merged');
});

t.test('aws failures: the one sentence is the stored message and the job error', async (t) => {
  const f = await awsFake(t, { roles: [{ arn: 'arn:aws:iam::444455556666:role/vintner', trusts: [awsUser.arn], externalId: 'the-right-one' }] });
  const wrongSecret = `${awsUser.secretAccessKey}-wrong`;
  secrets.push(wrongSecret);
  await t.test('a wrong secret', async (t) => {
    const id = await identity(awsKeys(f, { secret_access_key: wrongSecret }));
    await failsWith(t, id.id, `AWS rejected the signature made with the access key ${awsUser.accessKeyId.slice(0, 4)}…${awsUser.accessKeyId.slice(-4)}: the secret access key is wrong; paste the secret that belongs to this key id, or create a new access key in IAM.`);
  });
  await t.test('an unknown key', async (t) => {
    const stranger = awsTestUser({ accessKeyId: 'AKIAIOSFODNN7EXAMPLE' });
    secrets.push(stranger.secretAccessKey);
    const id = await identity(awsKeys(f, { access_key_id: stranger.accessKeyId, secret_access_key: stranger.secretAccessKey }));
    await failsWith(t, id.id, 'AWS does not know the access key AKIA…MPLE (it may have been deleted or deactivated): check the key id, or create a new access key in IAM.');
  });
  await t.test('an external id that does not match', async (t) => {
    const id = await identity(awsKeys(f, { role_arn: 'arn:aws:iam::444455556666:role/vintner', external_id: 'the-wrong-one' }));
    await failsWith(t, id.id, `AWS refused to let ${awsUser.arn} assume role arn:aws:iam::444455556666:role/vintner with external id the-wrong-one: the external id may not match the role's sts:ExternalId condition, or the role's trust policy may not trust this caller (AWS gives the same answer for both); check the external id, then the trust policy.`);
  });
  await t.test('a role that does not trust the caller', async (t) => {
    const id = await identity(awsKeys(f, { role_arn: 'arn:aws:iam::444455556666:role/other' }));
    await failsWith(t, id.id, `AWS refused to let ${awsUser.arn} assume role arn:aws:iam::444455556666:role/other: allow it in the role's trust policy (and sts:AssumeRole on the role in the caller's policy), or set the external id on the identity if the trust policy requires one.`);
  });
  await t.test('an endpoint where nothing listens', async (t) => {
    const port = await closedPort();
    const id = await identity(awsKeys({ url: `http://127.0.0.1:${port}` }));
    await failsWith(t, id.id, `AWS STS cannot be reached: nothing accepts connections at http://127.0.0.1:${port} (connection refused); check the identity's endpoint URL and that the service there is running.`);
  });
  await t.test('a region AWS does not have', async (t) => {
    const id = await identity(awsKeys(f, { region: 'xx-fake-1' }));
    await failsWith(t, id.id, "AWS has no region 'xx-fake-1': set the identity's region to a region code such as eu-west-1 (aws ec2 describe-regions lists them).");
  });
  await t.test('an endpoint slower than CLOUD_TIMEOUT_SECONDS', async (t) => {
    const slow = await awsFake(t, { delayMs: { 'sts:GetCallerIdentity': 10_000 } });
    const id = await identity(awsKeys(slow));
    await failsWith(t, id.id, `AWS STS at ${slow.url} did not answer within 3 s: check the Tendril's network path to it (proxy, firewall), or try again later.`);
  });
});

t.test('aws: throttled, then answered; a permission missing for discovery keeps the test a SUCCESS that says so', async (t) => {
  const f = await awsFake(t, { throttle: { 'sts:GetCallerIdentity': 2, 'ec2:DescribeVpcs': 1 }, vpcs: [{ id: 'vpc-1', cidr: '10.9.0.0/16' }] });
  const id = await identity(awsKeys(f));
  const job = await run(id.id, 'CONNECTION_TEST');
  t.equal(job.status, 'SUCCESS', `throttling is waited out ${job.error ?? ''}`);
  t.match(job.log, /AWS STS GetCallerIdentity: throttled \(Throttling, HTTP 400\); try 2 of 5 in/, 'each retry is logged');
  t.match(job.log, /try 3 of 5/);
  t.match(job.log, /AWS EC2 DescribeVpcs: throttled \(RequestLimitExceeded, HTTP 503\); try 2 of 5/);
  t.equal(f.routes().filter((r) => r === 'sts:GetCallerIdentity').length, 3, 'three tries');
  t.equal((await discovered(id.id)).length, 1);

  const denied = await awsFake(t, { users: [{ ...awsUser, deny: ['ec2:DescribeSubnets'] }] });
  const d = await identity(awsKeys(denied));
  const partial = await run(d.id, 'CONNECTION_TEST');
  t.equal(partial.status, 'SUCCESS', 'the credentials work');
  const sentence = `${awsUser.arn} may not call ec2:DescribeSubnets (UnauthorizedOperation): allow sts:GetCallerIdentity, ec2:DescribeRegions, ec2:DescribeVpcs, ec2:DescribeSubnets and route53:ListHostedZones in its IAM policy.`;
  t.same(partial.result?.discovery, { error: sentence, code: 'permission_denied' }, 'the result says why nothing was discovered');
  t.equal((await stored(d.id)).last_test_message, `Connected to AWS account 111122223333 as ${awsUser.arn}; region eu-west-1 is available. Resources were not discovered: ${sentence}`);
  const fetch = await run(d.id, 'FETCH_RESOURCES');
  t.equal(fetch.status, 'FAILED', 'a discovery on its own fails with the sentence');
  t.equal(fetch.error, sentence);
});

t.test('aws: an account with more than CLOUD_MAX_RESOURCES says it is truncated, in the log and the result', async (t) => {
  const vpcs = Array.from({ length: 45 }, (_, i) => ({ id: `vpc-${String(i).padStart(3, '0')}`, cidr: `10.${i}.0.0/16` }));
  const f = await awsFake(t, { vpcs, subnets: [{ id: 'subnet-x', vpcId: 'vpc-000', cidr: '10.0.0.0/24', az: 'eu-west-1a' }] });
  const id = await identity(awsKeys(f));
  const job = await run(id.id, 'FETCH_RESOURCES');
  t.equal(job.status, 'SUCCESS', 'a truncated discovery still succeeds');
  const message = 'Showing the first 40 resources (40 networks) of more: there are more networks, and subnets and DNS zones were not listed; raise the resource limit (now 40) to see them all.';
  t.same(job.result, { discovered: 40, kinds: { network: 40, subnet: 0, dns_zone: 0 }, truncated: true, message }, 'the result says so');
  t.match(job.log, `discovery truncated: ${message}`, 'and the log');
  t.equal((await discovered(id.id)).length, 40, 'the first 40 are kept');
});

t.test('aws: the role assumer gives Terraform runs 1 h credentials of the role; a refusal is the job’s error', async (t) => {
  const role = 'arn:aws:iam::444455556666:role/deployer';
  const f = await awsFake(t, { roles: [{ arn: role, trusts: [awsUser.arn], externalId: 'ext-1234' }] });
  const vineyard = await app.services.vineyards.create(user.id, { name: `roles-${n}` });
  const plant = async (external: string) => {
    const id = await identity(awsKeys(f, { role_arn: role, external_id: external }));
    const vine = await app.services.vines.create(user.id, vineyard.id, { name: `v-${n}`, stage: 'development', identity: id.name, network: {} });
    const job = await app.services.jobs.create({ userId: user.id, type: 'PLAN', vineId: vine.vine.id });
    const done = await waitForJob(knex, job.id, 60_000);
    return { ...done, log: await jobLog(knex, job.id) };
  };
  const refused = await plant('ext-wrong');
  t.equal(refused.status, 'FAILED');
  t.equal(refused.error, `AWS refused to let ${awsUser.arn} assume role ${role} with external id ext-wrong: the external id may not match the role's sts:ExternalId condition, or the role's trust policy may not trust this caller (AWS gives the same answer for both); check the external id, then the trust policy.`, 'the AssumeRole sentence is the plan’s error');

  const before = f.requests.length;
  const assumed = await plant('ext-1234');
  const call = f.requests.slice(before).find((r) => r.route === 'sts:AssumeRole');
  t.ok(call, 'the PLAN assumed the role');
  const form = new URLSearchParams(call!.body);
  t.equal(form.get('DurationSeconds'), '3600', 'for one hour');
  t.equal(form.get('ExternalId'), 'ext-1234', 'with the external id');
  t.match(call!.headers.authorization, new RegExp(`Credential=${awsUser.accessKeyId}/`), 'signed with the identity’s keys');
  t.notMatch(assumed.error ?? '', /AssumeRole|assume role/, `past the credentials (${assumed.error ?? assumed.status})`);
});

// ---------------------------------------------------------------------------------------- GCP
const gcp = gcpTestAccount('vintner-test', 'deployer');
secrets.push(gcp.privateKey, gcp.keyFile);

async function gcpFake(t: Test, state: Partial<GcpFakeState> = {}): Promise<GcpFake> {
  const f = await startGcpFake({ accounts: [gcp.account], projects: [{ id: 'vintner-test', number: '123456789012', readers: [gcp.account.email] }], ...state });
  t.teardown(() => {
    secrets.push(...f.tokens);
    return f.close();
  });
  return f;
}
const gcpInput = (f: { url: string }, extra: Record<string, unknown> = {}) => ({ provider: 'gcp', project_id: 'vintner-test', region: 'europe-west1', service_account_key: gcp.keyFile, endpoint: f.url, ...extra });

t.test('gcp: a test reports the project number and the service account; discovery follows page tokens', async (t) => {
  const f = await gcpFake(t, {
    pageSize: 2,
    networks: [{ name: 'default', auto: true }, { name: 'shop' }, { name: 'data' }],
    subnets: [{ name: 'shop-eu', region: 'europe-west1', network: 'shop', cidr: '10.10.0.0/20' }, { name: 'shop-us', region: 'us-central1', network: 'shop', cidr: '10.20.0.0/20' }, { name: 'data-eu', region: 'europe-west1', network: 'data', cidr: '10.30.0.0/20' }],
    zones: [{ name: 'shop', dnsName: 'shop.example.com.', visibility: 'public' }, { name: 'corp', dnsName: 'corp.internal.', visibility: 'private' }, { name: 'blog', dnsName: 'blog.example.com.', visibility: 'public' }],
  });
  const id = await identity(gcpInput(f));
  const job = await run(id.id, 'CONNECTION_TEST');
  t.equal(job.status, 'SUCCESS', `the test succeeds ${job.error ?? ''}`);
  const summary = `Connected to GCP project vintner-test (number 123456789012) as ${gcp.account.email}; region europe-west1 is available.`;
  t.match(job.result, { provider: 'gcp', summary, details: { project_id: 'vintner-test', project_number: '123456789012', service_account_email: gcp.account.email, region: 'europe-west1' }, discovery: { discovered: 9, kinds: { network: 3, subnet: 3, dns_zone: 3 }, truncated: false } });
  t.equal((await stored(id.id)).last_test_message, summary);
  const routes = f.routes();
  t.equal(routes[0], 'oauth:token', 'a token first');
  t.equal(routes.filter((r) => r === 'compute:networks.list').length, 2, 'networks on two pages');
  t.equal(routes.filter((r) => r === 'dns:managedZones.list').length, 2, 'zones on two pages');
  for (const r of f.requests.filter((x) => x.route !== 'oauth:token')) t.match(r.headers.authorization, /^Bearer ya29\.test-/, `${r.route} carried the issued Bearer token`);
  const assertion = new URLSearchParams(f.requests[0]!.body).get('assertion') ?? '';
  t.equal(JSON.parse(Buffer.from(assertion.split('.')[0]!, 'base64url').toString()).alg, 'RS256', 'the key signed an RS256 JWT (the fake verified it)');
  const rows = await discovered(id.id);
  t.match(rows.find((r) => r.name === 'shop-us'), { kind: 'subnet', region: 'us-central1', data: { cidr: '10.20.0.0/20', network_id: 'projects/vintner-test/global/networks/shop' } });
  t.match(rows.find((r) => r.name === 'corp'), { kind: 'dns_zone', external_id: 'projects/vintner-test/managedZones/corp', data: { domain_name: 'corp.internal', private: true } });
});

t.test('gcp failures', async (t) => {
  const f = await gcpFake(t, { projects: [{ id: 'vintner-test', number: '123456789012', readers: [gcp.account.email] }, { id: 'no-compute', number: '222233334444', readers: [gcp.account.email], disabledApis: ['compute.googleapis.com'] }] });
  await t.test('a key the service account does not have (signature refused)', async (t) => {
    const other = gcpTestAccount('vintner-test', 'deployer');
    secrets.push(other.privateKey);
    const keyId = JSON.parse(other.keyFile).private_key_id as string;
    const id = await identity(gcpInput(f, { service_account_key: other.keyFile }));
    await failsWith(t, id.id, `Google rejected the signature of key ${keyId.slice(0, 4)}…${keyId.slice(-4)} of ${gcp.account.email} (Invalid JWT Signature.): the key was deleted or disabled; create a new JSON key (gcloud iam service-accounts keys create key.json --iam-account=${gcp.account.email}) and paste it.`);
  });
  await t.test('the Compute Engine API disabled in the project', async (t) => {
    const id = await identity(gcpInput(f, { project_id: 'no-compute' }));
    await failsWith(t, id.id, 'The Compute Engine API is not enabled in project 222233334444: enable it with "gcloud services enable compute.googleapis.com --project=222233334444", wait a few minutes, then run the check again.');
  });
  await t.test('a project that does not exist', async (t) => {
    const id = await identity(gcpInput(f, { project_id: 'no-such-project' }));
    await failsWith(t, id.id, `Google says project no-such-project does not exist or ${gcp.account.email} may not read it (it gives the same answer for both): check the project id, and grant the service account a role on the project such as roles/viewer.`);
  });
});

// -------------------------------------------------------------------------------------- Azure
const az = azureTestTenant();
secrets.push(az.secret);
const SUB = randomUUID();

async function azureFake(t: Test, state: Partial<AzureFakeState> = {}): Promise<AzureFake> {
  const f = await startAzureFake({ tenants: [az.tenant], subscriptions: [{ id: SUB, tenantId: az.tenant.id, name: 'Vintner Test', state: 'Enabled', readers: [az.app.clientId] }], ...state });
  t.teardown(() => {
    secrets.push(...f.tokens);
    return f.close();
  });
  return f;
}
const azureInput = (f: { url: string }, extra: Record<string, unknown> = {}) => ({
  provider: 'azure', tenant_id: az.tenant.id, client_id: az.app.clientId, client_secret: az.secret, subscription_id: SUB, region: 'westeurope', endpoint: f.url, ...extra,
});

t.test('azure: a test reports the subscription; throttling is waited out; discovery follows nextLink', async (t) => {
  const f = await azureFake(t, {
    pageSize: 1,
    throttle: { 'arm:subscription': 2 },
    vnets: [{ name: 'hub', rg: 'net', location: 'westeurope', prefixes: ['10.0.0.0/16'], subnets: [{ name: 'default', prefix: '10.0.0.0/24' }, { name: 'aks', prefix: '10.0.8.0/21' }] }, { name: 'spoke', rg: 'net', location: 'northeurope', prefixes: ['10.1.0.0/16'], subnets: [] }],
    dnsZones: [{ name: 'shop.example.com', rg: 'dns', records: 4 }],
    privateZones: [{ name: 'privatelink.postgres.database.azure.com', rg: 'dns', records: 2 }],
  });
  const id = await identity(azureInput(f));
  const job = await run(id.id, 'CONNECTION_TEST');
  t.equal(job.status, 'SUCCESS', `the test succeeds ${job.error ?? ''}`);
  const summary = `Connected to Azure subscription 'Vintner Test' (${SUB}) in tenant ${az.tenant.id} as application ${az.app.clientId}; location westeurope is available.`;
  t.match(job.result, { provider: 'azure', summary, details: { subscription_id: SUB, subscription_name: 'Vintner Test', state: 'Enabled', tenant_id: az.tenant.id, region: 'westeurope' }, discovery: { discovered: 6, kinds: { network: 2, subnet: 2, dns_zone: 2 }, truncated: false } });
  t.match(job.log, /Azure Resource Manager subscriptions get: throttled \(HTTP 429 TooManyRequests\); try 2 of 5/, 'the throttling is in the log');
  t.equal(f.routes().filter((r) => r === 'arm:virtualNetworks').length, 2, 'two pages of virtual networks (nextLink)');
  for (const r of f.requests.filter((x) => x.route !== 'aad:token')) t.match(r.headers.authorization, /^Bearer eyJ0eXAiOiJKV1Qi\.test-/, `${r.route} carried the Bearer token`);
  const rows = await discovered(id.id);
  t.match(rows.find((r) => r.name === 'aks'), { kind: 'subnet', region: 'westeurope', data: { cidr: '10.0.8.0/21' } });
  t.match(rows.find((r) => r.name === 'privatelink.postgres.database.azure.com'), { kind: 'dns_zone', data: { private: true } });
  t.match(rows.find((r) => r.name === 'shop.example.com'), { kind: 'dns_zone', data: { private: false, record_count: 4 } });
});

t.test('azure failures', async (t) => {
  const disabledSub = randomUUID();
  const f = await azureFake(t, {
    subscriptions: [{ id: SUB, tenantId: az.tenant.id, name: 'Vintner Test', state: 'Enabled', readers: [az.app.clientId] }, { id: disabledSub, tenantId: az.tenant.id, name: 'Old', state: 'Disabled', readers: [az.app.clientId] }],
  });
  await t.test('a wrong client secret', async (t) => {
    const wrong = `${az.secret}-wrong`;
    secrets.push(wrong);
    const id = await identity(azureInput(f, { client_secret: wrong }));
    await failsWith(t, id.id, `Microsoft Entra ID rejected the client secret of application ${az.app.clientId} (AADSTS7000215): paste the secret's Value, not its Secret ID, or create a new client secret under App registrations → Certificates & secrets.`);
  });
  await t.test('a disabled subscription', async (t) => {
    const id = await identity(azureInput(f, { subscription_id: disabledSub }));
    await failsWith(t, id.id, `Azure subscription 'Old' (${disabledSub}) is Disabled: re-enable it in the portal (Subscriptions → Reactivate), or choose another subscription.`);
  });
  await t.test('an unknown tenant', async (t) => {
    const tenant = randomUUID();
    const id = await identity(azureInput(f, { tenant_id: tenant }));
    await failsWith(t, id.id, `Microsoft Entra ID has no tenant '${tenant}' (AADSTS90002): check the tenant id (a GUID, or a domain such as contoso.onmicrosoft.com) on the Microsoft Entra ID overview page.`);
  });
});

// -------------------------------------------------------------------------------------- local
t.test('the local sandbox keeps its checks: Terraform and the state backend', async (t) => {
  const sandbox = await knex('cloud_identities').where({ user_id: user.id, name: 'sandbox' }).first('id');
  const job = await run(sandbox.id, 'CONNECTION_TEST');
  t.equal(job.status, 'SUCCESS');
  t.match(job.result, { backend: 'http' });
  t.match((await stored(sandbox.id)).last_test_message, /^Terraform .+; state store reachable$/);
  // One state of this user's vine, one of someone else's: discovery lists only the user's own.
  const mine = await seedVine(knex, { name: 'mine', user: { userId: user.id, identityId: sandbox.id } });
  const theirs = await seedVine(knex, { name: 'theirs' });
  for (const v of [mine, theirs]) {
    await knex('terraform_states').insert({ state_key: `vine:${v.vineId}`, vine_id: v.vineId, serial: 3, lineage: randomUUID(), state_encrypted: Buffer.from('sealed'), md5: 'x' });
  }
  const fetch = await run(sandbox.id, 'FETCH_RESOURCES');
  t.equal(fetch.status, 'SUCCESS');
  t.match(fetch.result, { kinds: { state: Number } });
  const found = await discovered(sandbox.id, 'state');
  t.ok(found.some((r) => r.external_id === `vine:${mine.vineId}` && /\/mine$/.test(r.name)), 'the user’s vine’s state is listed by its name');
  t.notOk(found.some((r) => r.external_id === `vine:${theirs.vineId}`), 'another user’s is not');
});

t.test('no secret in any stored log line, job, identity or discovered resource', async (t) => {
  const dump = await knex.raw(`
    SELECT (SELECT coalesce(json_agg(l), '[]') FROM provision_job_logs l)::text AS logs,
           (SELECT coalesce(json_agg(j), '[]') FROM provision_jobs j)::text AS jobs,
           (SELECT coalesce(json_agg(json_build_object('config', i.config, 'msg', i.last_test_message)), '[]') FROM cloud_identities i)::text AS identities,
           (SELECT coalesce(json_agg(d), '[]') FROM discovered_resources d)::text AS resources`);
  const text = Object.values(dump.rows[0] as Record<string, string>).join('\n');
  t.ok(text.length > 10_000, `a real dump (${text.length} characters)`);
  const forms = (s: string) => [s, JSON.stringify(s).slice(1, -1)];
  const list = [...new Set(secrets.filter((s) => s.length >= 8))];
  t.ok(list.length > 10, `${list.length} secrets to look for`);
  for (const s of list) for (const f of forms(s)) t.notOk(text.includes(f), `secret ${s.slice(0, 6)}… appears nowhere`);
  for (const line of gcp.privateKey.split('\n').filter((l) => l.length > 20)) t.notOk(text.includes(line), 'not one line of the private key');
});

t.test('no connection left the machine', async (t) => assertLoopbackOnly(t, guard));
