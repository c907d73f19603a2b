import t, { type Test } from 'tap';
import { discoverResources, testConnection, type CheckOptions, type GcpCloudIdentity } from '../../src/cloud/index.js';
import { gcpTestAccount, startGcpFake, type GcpFake, type GcpFakeState } from './fakes/gcp.js';
import { assertLoopbackOnly, assertNoSecrets, elapsed, failsWith, guardFile, Seen } from './helpers.js';

const guard = guardFile(t);
const seen = new Seen();
const secrets: string[] = [];
const FAST: CheckOptions = { log: seen.log, retry: { baseDelayMs: 5 } };

const sa = gcpTestAccount('vintner-test', 'deployer');
secrets.push(sa.privateKey, ...sa.privateKey.split('\n').filter((l) => l && !l.startsWith('-----')));
const EMAIL = sa.account.email;

async function fake(t: Test, state: Partial<GcpFakeState> = {}): Promise<GcpFake> {
  const f = await startGcpFake({
    accounts: [sa.account],
    projects: [
      { id: 'vintner-test', number: '415104041262', readers: [EMAIL] },
      { id: 'app-prod-1', number: '222233334444', readers: [EMAIL] },
    ],
    ...state,
  });
  t.teardown(() => {
    secrets.push(...f.tokens, ...f.requests.filter((r) => r.route === 'oauth:token').map((r) => new URLSearchParams(r.body).get('assertion') ?? ''));
    return f.close();
  });
  return f;
}

function identity(f: GcpFake, config: Partial<GcpCloudIdentity['config']> = {}, keyFile = sa.keyFile): GcpCloudIdentity {
  return { provider: 'gcp', config: { project_id: 'app-prod-1', region: 'europe-west1', endpoint: f.url, ...config }, credentials: { service_account_key: keyFile } };
}

t.test('a service-account key: the report names the project, its number and the account', async (t) => {
  const f = await fake(t);
  const report = await testConnection(identity(f), FAST);
  seen.keep(report);
  t.same(report.details, { project_id: 'app-prod-1', project_number: '222233334444', service_account_email: EMAIL, region: 'europe-west1', project_name: 'Test app-prod-1' });
  t.equal(report.summary, `Connected to GCP project app-prod-1 (number 222233334444) as ${EMAIL}; region europe-west1 is available.`);
  t.same(f.routes(), ['oauth:token', 'crm:projects.get', 'compute:regions.get'], 'token, project, region, all at the endpoint');
  const assertion = new URLSearchParams(f.requests[0]!.body).get('assertion')!;
  const [h, p] = assertion.split('.').slice(0, 2).map((part) => JSON.parse(Buffer.from(part, 'base64url').toString()) as Record<string, unknown>);
  t.same(h, { alg: 'RS256', typ: 'JWT', kid: sa.account.keyId }, 'JWT header');
  t.equal(p!.iss, EMAIL);
  t.equal(p!.aud, `${f.url}/token`, 'audience: the token URL it is sent to');
  t.equal(p!.scope, 'https://www.googleapis.com/auth/cloud-platform.read-only', 'read-only scope');
  t.equal(Number(p!.exp) - Number(p!.iat), 3600);
  t.match(f.requests[1]!.headers.authorization, /^Bearer ya29\.test-/, 'the issued token on API calls');
});

t.test('the key file is not a key: invalid_secret, without quoting it', async (t) => {
  const f = await fake(t);
  await failsWith(t, seen, testConnection(identity(f, {}, '{"type": "service_account", "private_key": "x"'), FAST), 'invalid_secret', 'The service-account key is not JSON: paste the whole key file as downloaded (IAM → Service accounts → Keys → Add key → JSON).');
  await failsWith(
    t,
    seen,
    testConnection(identity(f, {}, JSON.stringify({ type: 'authorized_user', client_id: 'x', client_secret: 'y', refresh_token: 'z' })), FAST),
    'invalid_secret',
    'The service-account key is not a service-account JSON key (it needs type "service_account", client_email and private_key): paste the whole key file as downloaded (IAM → Service accounts → Keys → Add key → JSON).',
  );
  t.same(f.routes(), [], 'nothing sent');
});

t.test('a deleted service account: unknown_key', async (t) => {
  const f = await fake(t, { accounts: [{ ...sa.account, gone: true }] });
  await failsWith(
    t,
    seen,
    testConnection(identity(f), FAST),
    'unknown_key',
    `Google does not know the service account ${EMAIL} (it was deleted or disabled, or the key file is not its own): check the key file, or create a key for an existing, enabled service account.`,
  );
});

t.test("a key that is not the account's (deleted key): the RS256 signature is refused, invalid_secret", async (t) => {
  const f = await fake(t);
  const other = gcpTestAccount('vintner-test', 'deployer');
  secrets.push(other.privateKey);
  const forged = JSON.stringify({ ...(JSON.parse(other.keyFile) as object), client_email: EMAIL });
  const id = (JSON.parse(other.keyFile) as { private_key_id: string }).private_key_id;
  await failsWith(
    t,
    seen,
    testConnection(identity(f, {}, forged), FAST),
    'invalid_secret',
    `Google rejected the signature of key ${id.slice(0, 4)}…${id.slice(-4)} of ${EMAIL} (Invalid JWT Signature.): the key was deleted or disabled; create a new JSON key (gcloud iam service-accounts keys create key.json --iam-account=${EMAIL}) and paste it.`,
  );
});

t.test("a clock two hours ahead of Google's: clock_skew", async (t) => {
  const f = await fake(t, { clockOffsetMs: -2 * 3600_000 });
  await failsWith(
    t,
    seen,
    testConnection(identity(f), FAST),
    'clock_skew',
    "Google refused the token request because the Tendril's clock is off (Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe.): sync the clock (NTP) on the machine running the Tendril.",
  );
});

t.test("Resource Manager disabled in the account's project: api_disabled with the gcloud fix", async (t) => {
  const f = await fake(t, {
    projects: [
      { id: 'vintner-test', number: '415104041262', readers: [EMAIL], disabledApis: ['cloudresourcemanager.googleapis.com'] },
      { id: 'app-prod-1', number: '222233334444', readers: [EMAIL] },
    ],
  });
  await failsWith(
    t,
    seen,
    testConnection(identity(f), FAST),
    'api_disabled',
    'The Cloud Resource Manager API is not enabled in project 415104041262: enable it with "gcloud services enable cloudresourcemanager.googleapis.com --project=415104041262", wait a few minutes, then run the check again.',
  );
});

t.test('a project the account cannot see: project_not_found, saying Google does not tell which', async (t) => {
  const f = await fake(t);
  await failsWith(
    t,
    seen,
    testConnection(identity(f, { project_id: 'no-such-project' }), FAST),
    'project_not_found',
    `Google says project no-such-project does not exist or ${EMAIL} may not read it (it gives the same answer for both): check the project id, and grant the service account a role on the project such as roles/viewer.`,
  );
  const g = await fake(t, { projects: [{ id: 'app-prod-1', number: '222233334444', readers: [EMAIL], state: 'DELETE_REQUESTED' }] });
  await failsWith(t, seen, testConnection(identity(g), FAST), 'project_not_found', 'GCP project app-prod-1 is scheduled for deletion: restore it (gcloud projects undelete app-prod-1) or choose another project.');
});

t.test('an unknown region: region_unknown', async (t) => {
  const f = await fake(t);
  await failsWith(
    t,
    seen,
    testConnection(identity(f, { region: 'europe-west99' }), FAST),
    'region_unknown',
    "GCP has no region 'europe-west99': set the identity's region to a region such as europe-west1 (gcloud compute regions list shows them).",
  );
});

function world(networks: number, subnets: number, zones: number): Partial<GcpFakeState> {
  const regions = ['europe-west1', 'us-central1', 'asia-east1'];
  return {
    networks: Array.from({ length: networks }, (_, i) => ({ name: i === 0 ? 'default' : `net-${i}`, auto: i === 0 })),
    subnets: Array.from({ length: subnets }, (_, i) => ({ name: `sub-${i}`, region: regions[i % 3]!, network: i % 2 ? 'net-1' : 'default', cidr: `10.${i}.0.0/20` })),
    zones: Array.from({ length: zones }, (_, i) => ({ name: `zone-${i}`, dnsName: `z${i}.example.com.`, visibility: i % 2 ? ('private' as const) : ('public' as const) })),
  };
}

t.test('discovery follows pageToken across pages of networks, aggregated subnets and zones', async (t) => {
  const f = await fake(t, { pageSize: 2, ...world(5, 7, 4) });
  const d = await discoverResources(identity(f), FAST);
  seen.keep(d);
  t.equal(d.truncated, false);
  const count = (k: string) => d.resources.filter((r) => r.kind === k).length;
  t.same([count('network'), count('subnet'), count('dns_zone')], [5, 7, 4]);
  const routes = f.routes();
  t.equal(routes.filter((r) => r === 'compute:networks.list').length, 3, '3 pages of networks');
  t.equal(routes.filter((r) => r === 'compute:subnetworks.aggregatedList').length, 4, '4 pages of subnets');
  t.equal(routes.filter((r) => r === 'dns:managedZones.list').length, 2, '2 pages of zones');
  t.ok(f.requests.filter((r) => r.route === 'compute:networks.list').slice(1).every((r) => r.query.get('pageToken')), 'later pages ask with pageToken');
  t.same(d.resources.find((r) => r.name === 'default'), {
    kind: 'network',
    external_id: 'projects/app-prod-1/global/networks/default',
    name: 'default',
    region: null,
    data: { cidr_blocks: [], is_default: true, auto_create_subnetworks: true, routing_mode: 'REGIONAL', id: '5000' },
  });
  t.same(d.resources.find((r) => r.name === 'sub-4'), {
    kind: 'subnet',
    external_id: 'projects/app-prod-1/regions/us-central1/subnetworks/sub-4',
    name: 'sub-4',
    region: 'us-central1',
    data: { cidr: '10.4.0.0/20', region: 'us-central1', network_id: 'projects/app-prod-1/global/networks/default', private_google_access: true, secondary_ranges: [] },
  });
  t.same(d.resources.find((r) => r.name === 'zone-1'), {
    kind: 'dns_zone',
    external_id: 'projects/app-prod-1/managedZones/zone-1',
    name: 'zone-1',
    region: null,
    data: { domain_name: 'z1.example.com', private: true, description: '', id: '9001' },
  });
});

t.test('discovery stops at maxResources', async (t) => {
  const f = await fake(t, { pageSize: 500, ...world(5, 7, 4) });
  const d = await discoverResources(identity(f), { ...FAST, maxResources: 8 });
  t.equal(d.truncated, true);
  t.equal(d.resources.length, 8);
  t.equal(d.message, 'Showing the first 8 resources (5 networks, 3 subnets) of more: there are more subnets, and DNS zones were not listed; raise the resource limit (now 8) to see them all.');
  t.equal(f.requests.find((r) => r.route === 'compute:subnetworks.aggregatedList')?.query.get('maxResults'), '4', 'asked for what fits, plus one');
  t.notOk(f.routes().includes('dns:managedZones.list'));
});

t.test('Compute disabled in the project: api_disabled; a denied listing: permission_denied', async (t) => {
  const f = await fake(t, {
    projects: [
      { id: 'vintner-test', number: '415104041262', readers: [EMAIL] },
      { id: 'app-prod-1', number: '222233334444', readers: [EMAIL], disabledApis: ['compute.googleapis.com'] },
    ],
  });
  await failsWith(
    t,
    seen,
    discoverResources(identity(f), FAST),
    'api_disabled',
    'The Compute Engine API is not enabled in project 222233334444: enable it with "gcloud services enable compute.googleapis.com --project=222233334444", wait a few minutes, then run the check again.',
  );
  const g = await fake(t, { accounts: [{ ...sa.account, deny: ['dns:managedZones.list'] }] });
  await failsWith(
    t,
    seen,
    discoverResources(identity(g), FAST),
    'permission_denied',
    `${EMAIL} may not call Cloud DNS API managedZones.list in project app-prod-1 (dns.managedZones.list denied): grant it roles/viewer on the project, or roles/compute.networkViewer and roles/dns.reader.`,
  );
});

t.test('429 RESOURCE_EXHAUSTED twice, then answered; and past the last try', async (t) => {
  const f = await fake(t, { throttle: { 'compute:networks.list': 2, 'oauth:token': 1 }, ...world(1, 1, 1) });
  const log = new Seen();
  const d = await discoverResources(identity(f), { ...FAST, log: (l) => (log.log(l), seen.log(l)) });
  t.equal(d.resources.length, 3);
  t.equal(f.routes().filter((r) => r === 'oauth:token').length, 2, 'token: one retry');
  t.equal(f.routes().filter((r) => r === 'compute:networks.list').length, 3, 'networks: two retries');
  t.same(
    log.lines.filter((l) => /try \d of 5/.test(l)).map((l) => l.replace(/ in [\d.]+ m?s$/, '')),
    ['Google OAuth token: HTTP 429; try 2 of 5', 'Google Compute Engine API networks.list: throttled (RESOURCE_EXHAUSTED 429); try 2 of 5', 'Google Compute Engine API networks.list: throttled (RESOURCE_EXHAUSTED 429); try 3 of 5'],
  );
  const g = await fake(t, { throttle: { 'crm:projects.get': 9 } });
  await failsWith(
    t,
    seen,
    testConnection(identity(g), { ...FAST, retry: { attempts: 2, baseDelayMs: 5 } }),
    'throttled',
    "Google kept throttling Cloud Resource Manager API projects.get (RESOURCE_EXHAUSTED) after 2 tries: wait a minute and run the check again, or raise the project's API quota.",
  );
});

t.test('a slow API: timeout; a cancel: cancelled at once; nothing listening: endpoint_unreachable', async (t) => {
  const f = await fake(t, { delayMs: { 'compute:regions.get': 5000 } });
  const [, slow] = await elapsed(() =>
    failsWith(t, seen, testConnection(identity(f), { ...FAST, timeoutMs: 250 }), 'timeout', `Google Compute Engine API at ${f.url}/compute/v1/projects/app-prod-1/regions/europe-west1 did not answer within 0.3 s: check the Tendril's network path to it (proxy, firewall), or try again later.`),
  );
  t.ok(slow < 2000, `timed out after ${Math.round(slow)} ms`);
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 150);
  const [, cancel] = await elapsed(() =>
    failsWith(t, seen, testConnection(identity(f), { ...FAST, signal: ac.signal }), 'cancelled', 'The check was cancelled while waiting for Google Compute Engine API: nothing to fix, run it again when needed.'),
  );
  t.ok(cancel < 1000, `cancelled after ${Math.round(cancel)} ms`);

  const gone = await startGcpFake();
  await gone.close();
  const [, down] = await elapsed(() =>
    failsWith(
      t,
      seen,
      testConnection(identity(gone), FAST),
      'endpoint_unreachable',
      `Google OAuth cannot be reached: nothing accepts connections at ${gone.url}/token (connection refused); check the identity's endpoint URL and that the service there is running.`,
    ),
  );
  t.ok(down < 1000, `failed after ${Math.round(down)} ms`);
});

t.test('no secret in any log line, error or report', async (t) => {
  assertNoSecrets(t, seen, secrets);
});

t.test('no connection left the machine', async (t) => assertLoopbackOnly(t, guard));
