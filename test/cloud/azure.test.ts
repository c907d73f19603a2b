import t, { type Test } from 'tap';
import { discoverResources, testConnection, type AzureCloudIdentity, type CheckOptions } from '../../src/cloud/index.js';
import { azureTestTenant, startAzureFake, type AzureFake, type AzureFakeState } from './fakes/azure.js';
import { assertLoopbackOnly, assertNoSecrets, elapsed, failsWith, guardFile, Seen } from './helpers.js';

const guard = guardFile(t);
const seen = new Seen();
const secrets: string[] = [];
const FAST: CheckOptions = { log: seen.log, retry: { baseDelayMs: 5 } };

const { tenant, app, secret } = azureTestTenant();
secrets.push(secret);
const SUB = '00000000-aaaa-4bbb-8ccc-000000000001';

async function fake(t: Test, state: Partial<AzureFakeState> = {}): Promise<AzureFake> {
  const f = await startAzureFake({
    tenants: [tenant],
    subscriptions: [{ id: SUB, tenantId: tenant.id, name: 'Vintner Test', state: 'Enabled', readers: [app.clientId] }],
    ...state,
  });
  t.teardown(() => {
    secrets.push(...f.tokens);
    return f.close();
  });
  return f;
}

function identity(f: AzureFake, config: Partial<AzureCloudIdentity['config']> = {}, clientSecret = secret): AzureCloudIdentity {
  return {
    provider: 'azure',
    config: { tenant_id: tenant.id, client_id: app.clientId, subscription_id: SUB, region: 'westeurope', endpoint: f.url, ...config },
    credentials: { client_secret: clientSecret },
  };
}

t.test('a client secret: the report names the subscription, its state and tenant', async (t) => {
  const f = await fake(t);
  const report = await testConnection(identity(f, { region: 'West Europe' }), FAST);
  seen.keep(report);
  t.same(report.details, { subscription_id: SUB, subscription_name: 'Vintner Test', state: 'Enabled', tenant_id: tenant.id, region: 'westeurope' });
  t.equal(report.summary, `Connected to Azure subscription 'Vintner Test' (${SUB}) in tenant ${tenant.id} as application ${app.clientId}; location westeurope is available.`);
  t.same(f.routes(), ['aad:token', 'arm:subscription', 'arm:locations'], 'token, subscription, locations, all at the endpoint');
  t.equal(f.requests[0]!.path, `/${tenant.id}/oauth2/v2.0/token`);
  const form = new URLSearchParams(f.requests[0]!.body);
  t.same([form.get('grant_type'), form.get('client_id'), form.get('scope')], ['client_credentials', app.clientId, 'https://management.azure.com/.default']);
  t.equal(f.requests[1]!.url, `/subscriptions/${SUB}?api-version=2022-12-01`);
  t.match(f.requests[1]!.headers.authorization, /^Bearer eyJ/, 'the issued token on ARM calls');
});

t.test('a PastDue subscription passes with a warning; a Disabled one fails: subscription_disabled', async (t) => {
  const f = await fake(t, { subscriptions: [{ id: SUB, tenantId: tenant.id, name: 'Vintner Test', state: 'PastDue', readers: [app.clientId] }] });
  const report = await testConnection(identity(f), FAST);
  t.equal(report.details.state, 'PastDue');
  t.match(report.summary, /\(state PastDue: pay the outstanding balance before Azure disables it\)/);
  const g = await fake(t, { subscriptions: [{ id: SUB, tenantId: tenant.id, name: 'Vintner Test', state: 'Disabled', readers: [app.clientId] }] });
  await failsWith(t, seen, testConnection(identity(g), FAST), 'subscription_disabled', `Azure subscription 'Vintner Test' (${SUB}) is Disabled: re-enable it in the portal (Subscriptions → Reactivate), or choose another subscription.`);
});

t.test('Entra ID refusals: invalid_secret, expired, unknown_key, tenant_not_found', async (t) => {
  const expiredSecret = 'test~expired-secret-0123456789';
  secrets.push(expiredSecret, `${secret}x`);
  const f = await fake(t, { tenants: [{ ...tenant, apps: [{ ...app, secrets: [{ value: secret }, { value: expiredSecret, expired: true }] }] }] });
  await failsWith(
    t,
    seen,
    testConnection(identity(f, {}, `${secret}x`), FAST),
    'invalid_secret',
    `Microsoft Entra ID rejected the client secret of application ${app.clientId} (AADSTS7000215): paste the secret's Value, not its Secret ID, or create a new client secret under App registrations → Certificates & secrets.`,
  );
  await failsWith(
    t,
    seen,
    testConnection(identity(f, {}, expiredSecret), FAST),
    'expired',
    `The client secret of application ${app.clientId} has expired (AADSTS7000222): create a new client secret under App registrations → Certificates & secrets and update the identity.`,
  );
  const stranger = '11111111-2222-4333-8444-555555555555';
  await failsWith(
    t,
    seen,
    testConnection(identity(f, { client_id: stranger }), FAST),
    'unknown_key',
    `Tenant ${tenant.id} has no application ${stranger} (AADSTS700016): check the client id (the application's Application (client) ID), or register the application in this tenant.`,
  );
  await failsWith(
    t,
    seen,
    testConnection(identity(f, { tenant_id: 'nowhere.onmicrosoft.com' }), FAST),
    'tenant_not_found',
    "Microsoft Entra ID has no tenant 'nowhere.onmicrosoft.com' (AADSTS90002): check the tenant id (a GUID, or a domain such as contoso.onmicrosoft.com) on the Microsoft Entra ID overview page.",
  );
  t.equal(f.routes().filter((r) => r === 'aad:token').length, 4, 'one token request each, no retries');
});

t.test('ARM refusals: subscription_not_found (missing, other tenant) and permission_denied', async (t) => {
  const other = '99999999-8888-4777-8666-555555555555';
  const f = await fake(t, {
    subscriptions: [
      { id: SUB, tenantId: tenant.id, name: 'Vintner Test', state: 'Enabled', readers: [] },
      { id: other, tenantId: 'ffffffff-eeee-4ddd-8ccc-bbbbbbbbbbbb', name: 'Elsewhere', state: 'Enabled', readers: [app.clientId] },
    ],
  });
  const missing = '12345678-1234-4234-8234-123456789012';
  await failsWith(
    t,
    seen,
    testConnection(identity(f, { subscription_id: missing }), FAST),
    'subscription_not_found',
    `Azure has no subscription ${missing} that application ${app.clientId} can see (SubscriptionNotFound): check the subscription id, and give the application a role on it such as Reader.`,
  );
  await failsWith(
    t,
    seen,
    testConnection(identity(f, { subscription_id: other }), FAST),
    'subscription_not_found',
    `Subscription ${other} belongs to tenant ffffffff-eeee-4ddd-8ccc-bbbbbbbbbbbb, not to tenant ${tenant.id} (InvalidAuthenticationTokenTenant): set the identity's tenant id to the subscription's tenant, with an application registered there.`,
  );
  await failsWith(
    t,
    seen,
    testConnection(identity(f), FAST),
    'permission_denied',
    `Application ${app.clientId} may not Microsoft.Resources/subscriptions/read in subscription ${SUB} (AuthorizationFailed): assign it the Reader role (az role assignment create --assignee ${app.clientId} --role Reader --scope /subscriptions/${SUB}).`,
  );
});

t.test('an unknown location: region_unknown', async (t) => {
  const f = await fake(t);
  await failsWith(
    t,
    seen,
    testConnection(identity(f, { region: 'moonbase1' }), FAST),
    'region_unknown',
    `Azure subscription ${SUB} has no location 'moonbase1': set the identity's region to a location name such as westeurope (az account list-locations -o table shows them).`,
  );
});

function world(vnets: number, zones: number, privateZones: number): Partial<AzureFakeState> {
  return {
    vnets: Array.from({ length: vnets }, (_, i) => ({
      name: `vnet-${i}`,
      rg: 'rg-net',
      location: i % 2 ? 'eastus' : 'westeurope',
      prefixes: [`10.${i}.0.0/16`],
      subnets: [
        { name: 'default', prefix: `10.${i}.0.0/24` },
        { name: 'apps', prefix: `10.${i}.1.0/24` },
      ],
    })),
    dnsZones: Array.from({ length: zones }, (_, i) => ({ name: `z${i}.example.com`, rg: 'rg-dns', records: 2 + i })),
    privateZones: Array.from({ length: privateZones }, (_, i) => ({ name: `p${i}.internal`, rg: 'rg-dns', records: 1 })),
  };
}

t.test('discovery follows nextLink across pages; subnets come inside their networks', async (t) => {
  const f = await fake(t, { pageSize: 2, ...world(5, 3, 4) });
  const d = await discoverResources(identity(f), FAST);
  seen.keep(d);
  t.equal(d.truncated, false);
  const count = (k: string) => d.resources.filter((r) => r.kind === k).length;
  t.same([count('network'), count('subnet'), count('dns_zone')], [5, 10, 7]);
  t.same(
    f.routes().filter((r) => r.startsWith('arm:')),
    ['arm:virtualNetworks', 'arm:virtualNetworks', 'arm:virtualNetworks', 'arm:dnszones', 'arm:dnszones', 'arm:privateDnsZones', 'arm:privateDnsZones'],
    '3 + 2 + 2 pages',
  );
  t.ok(f.requests.filter((r) => r.route === 'arm:virtualNetworks').slice(1).every((r) => r.query.get('$skipToken') && r.query.get('api-version') === '2024-05-01'), 'nextLink followed as given');
  const vnet = `/subscriptions/${SUB}/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet-1`;
  t.same(d.resources.find((r) => r.external_id === vnet), { kind: 'network', external_id: vnet, name: 'vnet-1', region: 'eastus', data: { cidr_blocks: ['10.1.0.0/16'], is_default: false, resource_group: 'rg-net' } });
  t.same(d.resources.find((r) => r.external_id === `${vnet}/subnets/apps`), {
    kind: 'subnet',
    external_id: `${vnet}/subnets/apps`,
    name: 'apps',
    region: 'eastus',
    data: { cidr: '10.1.1.0/24', region: 'eastus', network_id: vnet },
  });
  t.same(d.resources.find((r) => r.name === 'z2.example.com')?.data, { domain_name: 'z2.example.com', private: false, record_count: 4, resource_group: 'rg-dns' });
  t.same(d.resources.find((r) => r.name === 'p0.internal')?.data, { domain_name: 'p0.internal', private: true, record_count: 1, resource_group: 'rg-dns' });
});

t.test('discovery stops at maxResources', async (t) => {
  const f = await fake(t, { pageSize: 2, ...world(5, 3, 4) });
  const d = await discoverResources(identity(f), { ...FAST, maxResources: 12 });
  t.equal(d.truncated, true);
  t.equal(d.resources.length, 12);
  t.equal(d.message, 'Showing the first 12 resources (5 networks, 7 subnets) of more: there are more subnets, and DNS zones and private DNS zones were not listed; raise the resource limit (now 12) to see them all.');
  t.notOk(f.routes().some((r) => r.includes('dns')), 'no zone listing past the limit');
});

t.test('a nextLink to another host is not followed', async (t) => {
  const f = await fake(t, { pageSize: 2, foreignNextLink: true, ...world(3, 0, 0) });
  await failsWith(
    t,
    seen,
    discoverResources(identity(f), FAST),
    'bad_response',
    "Azure Resource Manager answered a nextLink to another host (https://management.example.net), which the check does not follow: check the identity's endpoint URL.",
  );
  t.same(guard.refused, [], 'no attempt to reach it');
});

t.test('Microsoft.Network not registered: api_disabled with the az fix', async (t) => {
  const f = await fake(t, { subscriptions: [{ id: SUB, tenantId: tenant.id, name: 'Vintner Test', state: 'Enabled', readers: [app.clientId], unregistered: ['Microsoft.Network'] }] });
  await failsWith(
    t,
    seen,
    discoverResources(identity(f), FAST),
    'api_disabled',
    `Subscription ${SUB} is not registered for the Microsoft.Network resource provider (MissingSubscriptionRegistration): register it with "az provider register --namespace Microsoft.Network --subscription ${SUB}", then run the check again.`,
  );
});

t.test('429 with Retry-After: waits as told, then answered; and past the last try', async (t) => {
  const f = await fake(t, { throttle: { 'arm:subscription': 1 }, retryAfter: 1 });
  const log = new Seen();
  const [report, ms] = await elapsed(() => testConnection(identity(f), { ...FAST, log: (l) => (log.log(l), seen.log(l)) }));
  t.equal(report.details.state, 'Enabled');
  t.equal(f.routes().filter((r) => r === 'arm:subscription').length, 2, 'one retry');
  t.ok(ms >= 950, `waited the Retry-After second (${Math.round(ms)} ms)`);
  t.same(log.lines.filter((l) => /try \d of/.test(l)), ['Azure Resource Manager subscriptions get: throttled (HTTP 429 TooManyRequests); try 2 of 5 in 1 s']);
  const g = await fake(t, { throttle: { 'arm:locations': 9 } });
  await failsWith(
    t,
    seen,
    testConnection(identity(g), { ...FAST, retry: { attempts: 3, baseDelayMs: 5 } }),
    'throttled',
    'Azure Resource Manager kept throttling locations list (HTTP 429 TooManyRequests) after 3 tries: wait a few minutes and run the check again.',
  );
  t.equal(g.routes().filter((r) => r === 'arm:locations').length, 3);
});

t.test('a slow ARM: timeout; a cancel: cancelled at once; nothing listening: endpoint_unreachable', async (t) => {
  const f = await fake(t, { delayMs: { 'arm:subscription': 5000 } });
  const [, slow] = await elapsed(() =>
    failsWith(t, seen, testConnection(identity(f), { ...FAST, timeoutMs: 400 }), 'timeout', `Azure Resource Manager at ${f.url}/subscriptions/${SUB} did not answer within 0.4 s: check the Tendril's network path to it (proxy, firewall), or try again later.`),
  );
  t.ok(slow < 2000, `timed out after ${Math.round(slow)} ms`);
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 150);
  const [, cancel] = await elapsed(() =>
    failsWith(t, seen, testConnection(identity(f), { ...FAST, signal: ac.signal }), 'cancelled', 'The check was cancelled while waiting for Azure Resource Manager: nothing to fix, run it again when needed.'),
  );
  t.ok(cancel < 1000, `cancelled after ${Math.round(cancel)} ms`);
  const already = new AbortController();
  already.abort();
  await failsWith(t, seen, testConnection(identity(f), { ...FAST, signal: already.signal }), 'cancelled');

  const gone = await startAzureFake();
  await gone.close();
  await failsWith(
    t,
    seen,
    testConnection(identity(gone), FAST),
    'endpoint_unreachable',
    `Microsoft Entra ID cannot be reached: nothing accepts connections at ${gone.url}/${tenant.id}/oauth2/v2.0/token (connection refused); check the identity's endpoint URL and that the service there is running.`,
  );
});

t.test('no secret in any log line, error or report', async (t) => {
  assertNoSecrets(t, seen, secrets);
});

t.test('no connection left the machine', async (t) => assertLoopbackOnly(t, guard));
