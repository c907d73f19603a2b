import t, { type Test } from 'tap';
import { discoverResources, testConnection, type AwsCloudIdentity, type CheckOptions } from '../../src/cloud/index.js';
import { awsTestUser, startAwsFake, type AwsFake, type AwsFakeState, type AwsUser } from './fakes/aws.js';
import { assertLoopbackOnly, assertNoSecrets, elapsed, failsWith, guardFile, Seen } from './helpers.js';

const guard = guardFile(t);
const seen = new Seen();
const secrets: string[] = [];
const FAST: CheckOptions = { log: seen.log, retry: { baseDelayMs: 5 } };

async function fake(t: Test, state: Partial<AwsFakeState> = {}): Promise<AwsFake> {
  const f = await startAwsFake(state);
  t.teardown(() => {
    for (const s of f.sessions) secrets.push(s.secretAccessKey, s.sessionToken);
    return f.close();
  });
  for (const u of f.state.users) secrets.push(u.secretAccessKey);
  return f;
}

function identity(f: AwsFake, user: AwsUser | null, config: Partial<AwsCloudIdentity['config']> = {}): AwsCloudIdentity {
  return {
    provider: 'aws',
    config: { region: 'eu-west-1', endpoint: f.url, ...config },
    credentials: user ? { access_key_id: user.accessKeyId, secret_access_key: user.secretAccessKey } : null,
  };
}

const mask = (id: string) => `${id.slice(0, 4)}…${id.slice(-4)}`;

/** Runs `fn` with the Tendril's "ambient" credentials in the environment, and nothing else the default chain could find. */
async function withEnv<T>(env: Record<string, string | undefined>, fn: () => Promise<T>): Promise<T> {
  const keys = [
    'AWS_ACCESS_KEY_ID',
    'AWS_SECRET_ACCESS_KEY',
    'AWS_SESSION_TOKEN',
    'AWS_PROFILE',
    'AWS_CONFIG_FILE',
    'AWS_SHARED_CREDENTIALS_FILE',
    'AWS_EC2_METADATA_DISABLED',
    'AWS_WEB_IDENTITY_TOKEN_FILE',
    'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
    'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  ];
  const saved = Object.fromEntries(keys.map((k) => [k, process.env[k]]));
  const next: Record<string, string | undefined> = {
    AWS_CONFIG_FILE: '/nonexistent/vintner-test/config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/vintner-test/credentials',
    AWS_EC2_METADATA_DISABLED: 'true',
    ...env,
  };
  for (const k of keys) {
    const v = next[k];
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  try {
    return await fn();
  } finally {
    for (const k of keys) {
      const v = saved[k];
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

t.test('access keys: the report names the account, the caller and the region', async (t) => {
  const user = awsTestUser();
  const f = await fake(t, { users: [user] });
  const report = await testConnection(identity(f, user), FAST);
  seen.keep(report);
  t.equal(report.provider, 'aws');
  t.same(report.details, { account_id: '111122223333', arn: user.arn, region: 'eu-west-1', credentials: 'identity keys' }, 'details');
  t.equal(report.summary, `Connected to AWS account 111122223333 as ${user.arn}; region eu-west-1 is available.`);
  t.same(f.routes(), ['sts:GetCallerIdentity', 'ec2:DescribeRegions'], 'STS then EC2, both at the endpoint');
  const regions = new URLSearchParams(f.requests[1]!.body);
  t.equal(regions.get('RegionName.1'), 'eu-west-1', 'DescribeRegions asks for the identity region');
  t.equal(regions.get('AllRegions'), 'true', 'including regions the account has not opted in to');
  t.match(f.requests[0]!.headers.authorization, /Credential=AKIATEST\w+\/\d{8}\/us-east-1\/sts\/aws4_request/, 'signed for STS in the control region');
  t.ok(seen.lines.some((l) => l.includes(`access key ${mask(user.accessKeyId)}`)), 'the log names the masked key');
});

t.test('keys + role with an external id: AssumeRole, then GetCallerIdentity as the role', async (t) => {
  const user = awsTestUser();
  const roleArn = 'arn:aws:iam::444455556666:role/vintner-deployer';
  const f = await fake(t, { users: [user], roles: [{ arn: roleArn, trusts: [user.arn], externalId: 'vintner-ext-1234' }] });
  const report = await testConnection(identity(f, user, { role_arn: roleArn, external_id: 'vintner-ext-1234' }), FAST);
  seen.keep(report);
  t.same(f.routes(), ['sts:AssumeRole', 'sts:GetCallerIdentity', 'ec2:DescribeRegions']);
  const assume = new URLSearchParams(f.requests[0]!.body);
  t.match(assume.get('RoleSessionName'), /^vintner-[0-9a-f]{8}$/, 'session name vintner-<short id>');
  t.equal(assume.get('DurationSeconds'), '900', 'the shortest session');
  t.equal(assume.get('ExternalId'), 'vintner-ext-1234');
  const session = f.sessions[0]!;
  t.equal(f.requests[1]!.headers['x-amz-security-token'], session.sessionToken, 'GetCallerIdentity signed with the assumed session');
  t.match(f.requests[2]!.headers.authorization, new RegExp(`Credential=${session.accessKeyId}/`), 'and so is DescribeRegions');
  t.equal(report.details.account_id, '444455556666');
  t.equal(report.details.assumed_role, roleArn);
  t.equal(report.details.arn, `arn:aws:sts::444455556666:assumed-role/vintner-deployer/${session.sessionName}`);
  t.equal(report.summary, `Connected to AWS account 444455556666 as ${String(report.details.arn)} (role ${roleArn} assumed with the external id); region eu-west-1 is available.`);
});

t.test('a wrong external id: external_id_mismatch, saying AWS cannot tell it from an untrusting role', async (t) => {
  const user = awsTestUser();
  const roleArn = 'arn:aws:iam::444455556666:role/vintner-deployer';
  const f = await fake(t, { users: [user], roles: [{ arn: roleArn, trusts: [user.arn], externalId: 'the-right-one' }] });
  await failsWith(
    t,
    seen,
    testConnection(identity(f, user, { role_arn: roleArn, external_id: 'the-wrong-one' }), FAST),
    'external_id_mismatch',
    `AWS refused to let ${user.arn} assume role ${roleArn} with external id the-wrong-one: the external id may not match the role's sts:ExternalId condition, or the role's trust policy may not trust this caller (AWS gives the same answer for both); check the external id, then the trust policy.`,
  );
});

t.test('a role that does not trust the caller: role_not_assumable', async (t) => {
  const user = awsTestUser();
  const roleArn = 'arn:aws:iam::444455556666:role/someone-else';
  const f = await fake(t, { users: [user], roles: [{ arn: roleArn, trusts: ['arn:aws:iam::999999999999:root'] }] });
  await failsWith(
    t,
    seen,
    testConnection(identity(f, user, { role_arn: roleArn }), FAST),
    'role_not_assumable',
    `AWS refused to let ${user.arn} assume role ${roleArn}: allow it in the role's trust policy (and sts:AssumeRole on the role in the caller's policy), or set the external id on the identity if the trust policy requires one.`,
  );
});

t.test("no keys + role: the role is assumed with the Tendril's own credentials", async (t) => {
  const tendril = awsTestUser({ arn: 'arn:aws:iam::111122223333:user/tendril' });
  const roleArn = 'arn:aws:iam::111122223333:role/vintner';
  const f = await fake(t, { users: [tendril], roles: [{ arn: roleArn, trusts: ['arn:aws:iam::111122223333:root'] }] });
  const report = await withEnv({ AWS_ACCESS_KEY_ID: tendril.accessKeyId, AWS_SECRET_ACCESS_KEY: tendril.secretAccessKey }, () =>
    testConnection(identity(f, null, { role_arn: roleArn }), FAST),
  );
  seen.keep(report);
  t.equal(report.details.credentials, 'tendril');
  t.equal(report.details.assumed_role, roleArn);
  t.match(f.requests[0]!.headers.authorization, new RegExp(`Credential=${tendril.accessKeyId}/`), 'AssumeRole signed with the ambient key');
  t.ok(seen.lines.some((l) => l.includes(`the Tendril's own access key ${mask(tendril.accessKeyId)}`)), 'the log says whose key');
});

t.test('no keys and no ambient credentials: no_credentials, and no metadata service was tried', async (t) => {
  const f = await fake(t);
  const roleArn = 'arn:aws:iam::111122223333:role/vintner';
  const err = await withEnv({}, () => failsWith(t, seen, testConnection(identity(f, null, { role_arn: roleArn }), FAST), 'no_credentials'));
  t.match(err.message, new RegExp(`^The Tendril has no AWS credentials of its own to assume role ${roleArn} with \\(.+\\): give the Tendril an instance or task role, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in its environment, or store access keys on the identity\\.$`));
  t.same(f.routes(), [], 'nothing was sent');
});

t.test('expired ambient session credentials: expired', async (t) => {
  const tendril = awsTestUser({ accessKeyId: 'ASIATESTEXPIRED1234', sessionToken: 'test-expired-session-token-0123456789', expired: true });
  const f = await fake(t, { users: [tendril] });
  secrets.push(tendril.sessionToken!);
  await withEnv({ AWS_ACCESS_KEY_ID: tendril.accessKeyId, AWS_SECRET_ACCESS_KEY: tendril.secretAccessKey, AWS_SESSION_TOKEN: tendril.sessionToken }, () =>
    failsWith(
      t,
      seen,
      testConnection(identity(f, null), FAST),
      'expired',
      `The AWS session token of the Tendril's own access key ASIA…1234 has expired: renew the Tendril's credentials (refresh its session or role), then run the check again.`,
    ),
  );
});

t.test('an unknown access key: unknown_key, masked', async (t) => {
  const f = await fake(t, { users: [awsTestUser()] });
  const stranger = awsTestUser({ accessKeyId: 'AKIAIOSFODNN7EXAMPLE' });
  secrets.push(stranger.secretAccessKey);
  await failsWith(
    t,
    seen,
    testConnection(identity(f, stranger), FAST),
    'unknown_key',
    'AWS does not know the access key AKIA…MPLE (it may have been deleted or deactivated): check the key id, or create a new access key in IAM.',
  );
});

t.test('a wrong secret: the fake recomputes the signature and refuses it as AWS does', async (t) => {
  const user = awsTestUser();
  const f = await fake(t, { users: [user] });
  const wrong = { ...user, secretAccessKey: `${user.secretAccessKey}-wrong` };
  secrets.push(wrong.secretAccessKey);
  await failsWith(
    t,
    seen,
    testConnection(identity(f, wrong), FAST),
    'invalid_secret',
    `AWS rejected the signature made with the access key ${mask(user.accessKeyId)}: the secret access key is wrong; paste the secret that belongs to this key id, or create a new access key in IAM.`,
  );
  t.same(f.routes(), ['sts:GetCallerIdentity'], 'refused at the first call, not retried');
});

t.test("a clock an hour off: clock_skew, from AWS's Date header", async (t) => {
  const user = awsTestUser();
  const f = await fake(t, { users: [user], clockOffsetMs: 62 * 60_000 });
  await failsWith(
    t,
    seen,
    testConnection(identity(f, user), FAST),
    'clock_skew',
    "The Tendril's clock is 62 minutes behind AWS's, and AWS refuses requests signed more than 5 minutes off (SignatureDoesNotMatch): sync the clock (NTP) on the machine running the Tendril.",
  );
});

t.test('an unknown region, and one not enabled for the account: region_unknown', async (t) => {
  const user = awsTestUser();
  const f = await fake(t, { users: [user] });
  await failsWith(
    t,
    seen,
    testConnection(identity(f, user, { region: 'eu-fake-1' }), FAST),
    'region_unknown',
    "AWS has no region 'eu-fake-1': set the identity's region to a region code such as eu-west-1 (aws ec2 describe-regions lists them).",
  );
  await failsWith(
    t,
    seen,
    testConnection(identity(f, user, { region: 'af-south-1' }), FAST),
    'region_unknown',
    'Region af-south-1 is not enabled for AWS account 111122223333: enable it under Account → AWS Regions, or choose an enabled region.',
  );
});

t.test('throttled twice, then answered: two retries, logged', async (t) => {
  const user = awsTestUser();
  const f = await fake(t, { users: [user], throttle: { 'sts:GetCallerIdentity': 2, 'ec2:DescribeRegions': 1 } });
  const log = new Seen();
  const report = await testConnection(identity(f, user), { ...FAST, log: (l) => (log.log(l), seen.log(l)) });
  t.equal(report.details.account_id, '111122223333');
  t.same(f.routes(), ['sts:GetCallerIdentity', 'sts:GetCallerIdentity', 'sts:GetCallerIdentity', 'ec2:DescribeRegions', 'ec2:DescribeRegions'], '2 + 1 retries');
  const retries = log.lines.filter((l) => /try \d of 5 in/.test(l));
  t.equal(retries.length, 3, 'each retry logged');
  t.match(retries[0], /^AWS STS GetCallerIdentity: throttled \(Throttling, HTTP 400\); try 2 of 5 in /);
  t.match(retries[2], /^AWS EC2 DescribeRegions: throttled \(RequestLimitExceeded, HTTP 503\); try 2 of 5 in /);
});

t.test('throttled past the last try: throttled', async (t) => {
  const user = awsTestUser();
  const f = await fake(t, { users: [user], throttle: { 'sts:GetCallerIdentity': 10 } });
  await failsWith(
    t,
    seen,
    testConnection(identity(f, user), { ...FAST, retry: { attempts: 3, baseDelayMs: 5 } }),
    'throttled',
    'AWS STS kept throttling GetCallerIdentity (Throttling) after 3 tries: wait a minute and run the check again, or lower the account\'s API traffic.',
  );
  t.equal(f.routes().length, 3, 'exactly 3 tries');
});

function world(vpcs: number, subnets: number, zones: number): Partial<AwsFakeState> {
  return {
    vpcs: Array.from({ length: vpcs }, (_, i) => ({ id: `vpc-${String(i).padStart(4, '0')}`, cidr: `10.${i}.0.0/16`, isDefault: i === 0, ...(i === 1 ? { name: 'main' } : {}) })),
    subnets: Array.from({ length: subnets }, (_, i) => ({ id: `subnet-${String(i).padStart(4, '0')}`, vpcId: 'vpc-0001', cidr: `10.1.${i}.0/24`, az: `eu-west-1${'abc'[i % 3]}`, public: i % 2 === 0, ...(i === 0 ? { name: 'public-a' } : {}) })),
    zones: Array.from({ length: zones }, (_, i) => ({ id: `Z${String(i).padStart(6, '0')}`, name: `zone${i}.example.com`, private: i % 2 === 1, records: i + 2 })),
  };
}

t.test('discovery follows NextToken and Marker across pages to the end', async (t) => {
  const user = awsTestUser();
  const f = await fake(t, { users: [user], pageSize: 2, ...world(7, 11, 5) });
  const d = await discoverResources(identity(f, user), FAST);
  seen.keep(d);
  t.equal(d.truncated, false);
  t.equal(d.message, undefined);
  const count = (k: string) => d.resources.filter((r) => r.kind === k).length;
  t.same([count('network'), count('subnet'), count('dns_zone')], [7, 11, 5], 'everything listed');
  const routes = f.routes();
  t.equal(routes.filter((r) => r === 'ec2:DescribeVpcs').length, 4, '4 pages of VPCs');
  t.equal(routes.filter((r) => r === 'ec2:DescribeSubnets').length, 6, '6 pages of subnets');
  t.equal(routes.filter((r) => r === 'route53:ListHostedZones').length, 3, '3 pages of zones');
  t.ok(f.requests.some((r) => r.route === 'route53:ListHostedZones' && r.query.get('marker') === 'Z000004'), 'Route 53 paged by marker');
  t.same(d.resources.find((r) => r.external_id === 'vpc-0001'), {
    kind: 'network',
    external_id: 'vpc-0001',
    name: 'main',
    region: 'eu-west-1',
    data: { cidr_blocks: ['10.1.0.0/16'], ipv6_cidr_blocks: [], is_default: false, state: 'available', owner_id: '111122223333' },
  });
  t.equal(d.resources.find((r) => r.external_id === 'vpc-0000')?.data.is_default, true);
  t.same(d.resources.find((r) => r.external_id === 'subnet-0000'), {
    kind: 'subnet',
    external_id: 'subnet-0000',
    name: 'public-a',
    region: 'eu-west-1',
    data: { cidr: '10.1.0.0/24', availability_zone: 'eu-west-1a', network_id: 'vpc-0001', public: true, default_for_az: false, available_ip_count: 251 },
  });
  t.same(d.resources.find((r) => r.external_id === 'Z000001'), {
    kind: 'dns_zone',
    external_id: 'Z000001',
    name: 'zone1.example.com',
    region: null,
    data: { domain_name: 'zone1.example.com', private: true, record_count: 3, comment: 'test zone' },
  });
});

t.test('discovery stops at maxResources and says what it left out', async (t) => {
  const user = awsTestUser();
  const f = await fake(t, { users: [user], pageSize: 1000, ...world(7, 11, 5) });
  const d = await discoverResources(identity(f, user), { ...FAST, maxResources: 10 });
  t.equal(d.truncated, true);
  t.equal(d.resources.length, 10);
  t.equal(d.message, 'Showing the first 10 resources (7 networks, 3 subnets) of more: there are more subnets, and DNS zones were not listed; raise the resource limit (now 10) to see them all.');
  t.notOk(f.routes().includes('route53:ListHostedZones'), 'no zones fetched past the limit');
  const subnetPages = f.requests.filter((r) => r.route === 'ec2:DescribeSubnets');
  t.equal(subnetPages.length, 1, 'one page of subnets');
  t.equal(new URLSearchParams(subnetPages[0]!.body).get('MaxResults'), '5', 'asked only for about what fits (EC2 minimum 5)');

  const exact = await discoverResources(identity(f, user), { ...FAST, maxResources: 23 });
  t.equal(exact.truncated, false, 'a listing that ends exactly at the limit is complete');
  t.equal(exact.resources.length, 23);
});

t.test('a denied listing: permission_denied naming the action', async (t) => {
  const user = awsTestUser({ deny: ['ec2:DescribeSubnets'] });
  const f = await fake(t, { users: [user], ...world(1, 1, 1) });
  await failsWith(
    t,
    seen,
    discoverResources(identity(f, user), FAST),
    'permission_denied',
    `${user.arn} may not call ec2:DescribeSubnets (UnauthorizedOperation): allow sts:GetCallerIdentity, ec2:DescribeRegions, ec2:DescribeVpcs, ec2:DescribeSubnets and route53:ListHostedZones in its IAM policy.`,
  );
});

t.test('a slow endpoint: timeout after timeoutMs', async (t) => {
  const user = awsTestUser();
  const f = await fake(t, { users: [user], delayMs: { 'sts:GetCallerIdentity': 5000 } });
  const [, ms] = await elapsed(() =>
    failsWith(t, seen, testConnection(identity(f, user), { ...FAST, timeoutMs: 300 }), 'timeout', `AWS STS at ${f.url} did not answer within 0.3 s: check the Tendril's network path to it (proxy, firewall), or try again later.`),
  );
  t.ok(ms < 2000, `failed after ${Math.round(ms)} ms`);
});

t.test('the signal cancels a call under way at once', async (t) => {
  const user = awsTestUser();
  const f = await fake(t, { users: [user], delayMs: { 'ec2:DescribeVpcs': 5000 } });
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 200);
  const [, ms] = await elapsed(() =>
    failsWith(t, seen, discoverResources(identity(f, user), { ...FAST, signal: ac.signal }), 'cancelled', 'The check was cancelled while waiting for AWS EC2: nothing to fix, run it again when needed.'),
  );
  t.ok(ms < 1000, `cancelled after ${Math.round(ms)} ms`);
  t.same(f.routes(), ['ec2:DescribeVpcs'], 'nothing sent after the cancel');
});

t.test('an endpoint where nothing listens: endpoint_unreachable at once, naming the URL', async (t) => {
  const user = awsTestUser();
  const f = await startAwsFake({ users: [user] });
  secrets.push(user.secretAccessKey);
  await f.close();
  const [, ms] = await elapsed(() =>
    failsWith(
      t,
      seen,
      testConnection(identity(f, user), FAST),
      'endpoint_unreachable',
      `AWS STS cannot be reached: nothing accepts connections at ${f.url} (connection refused); check the identity's endpoint URL and that the service there is running.`,
    ),
  );
  t.ok(ms < 1000, `failed after ${Math.round(ms)} ms, without retries`);
});

t.test('without an endpoint the clients aim at AWS itself: the network guard refuses it, the message names the URL', async (t) => {
  const user = awsTestUser();
  secrets.push(user.secretAccessKey);
  const id: AwsCloudIdentity = { provider: 'aws', config: { region: 'eu-west-1' }, credentials: { access_key_id: user.accessKeyId, secret_access_key: user.secretAccessKey } };
  await failsWith(
    t,
    seen,
    testConnection(id, FAST),
    'endpoint_unreachable',
    "AWS STS cannot be reached: nothing accepts connections at https://sts.us-east-1.amazonaws.com (connection refused); check the Tendril's network access to it (DNS, proxy, firewall).",
  );
  t.same(guard.refused, ['sts.us-east-1.amazonaws.com:443'], 'the one attempt, refused before any DNS lookup');
  guard.refused.length = 0;
});

t.test('no secret in any log line, error or report', async (t) => {
  assertNoSecrets(t, seen, secrets);
});

t.test('no connection left the machine', async (t) => assertLoopbackOnly(t, guard));
