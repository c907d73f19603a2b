/**
 * Identities taking their credentials from their pool's Tendrils: the Tendril's own GCP service
 * account (the metadata server) and Azure managed identity (the Instance Metadata Service),
 * against the fakes; and the sentences when the machine has none, or is not in that cloud.
 */
import t, { type Test } from 'tap';
import { randomUUID } from 'node:crypto';
import { discoverResources, testConnection, type AzureCloudIdentity, type CheckOptions, type GcpCloudIdentity } from '../../src/cloud/index.js';
import { startGcpFake, type GcpFake, type GcpFakeState } from './fakes/gcp.js';
import { azureTestTenant, startAzureFake, type AzureFake, type AzureFakeState } from './fakes/azure.js';
import { assertLoopbackOnly, assertNoSecrets, failsWith, guardFile, Seen } from './helpers.js';

const guard = guardFile(t);
const seen = new Seen();
const secrets: string[] = [];
const FAST: CheckOptions = { log: seen.log, retry: { baseDelayMs: 5 } };
const MACHINE = 'tendril@app-prod-1.iam.gserviceaccount.com';

async function gcpFake(t: Test, state: Partial<GcpFakeState> = {}): Promise<GcpFake> {
  const f = await startGcpFake({ projects: [{ id: 'app-prod-1', number: '222233334444', readers: [MACHINE] }], networks: [{ name: 'default', auto: true }], machineAccount: MACHINE, ...state });
  t.teardown(() => {
    secrets.push(...f.tokens);
    return f.close();
  });
  return f;
}
const gcp = (f: { url: string }): GcpCloudIdentity => ({ provider: 'gcp', config: { project_id: 'app-prod-1', region: 'europe-west1', endpoint: f.url }, credentials: null });

t.test('GCP: the machine’s service account, from the metadata server', async (t) => {
  const f = await gcpFake(t);
  const report = await testConnection(gcp(f), FAST);
  seen.keep(report);
  t.equal(report.summary, `Connected to GCP project app-prod-1 (number 222233334444) as ${MACHINE}; region europe-west1 is available.`, 'connected as the machine’s account');
  t.same(f.routes(), ['metadata:account', 'metadata:token', 'crm:projects.get', 'compute:regions.get'], 'the metadata server, then the APIs with its token; no key, no OAuth grant');
  t.equal(f.requests[0]!.headers['metadata-flavor'], 'Google', 'with the Metadata-Flavor header');
  t.match(seen.lines.join('\n'), `Google: using the Tendril's own service account ${MACHINE}`, 'the log says whose credentials');
  const found = await discoverResources(gcp(f), FAST);
  t.same(found.resources.map((r) => r.external_id), ['projects/app-prod-1/global/networks/default'], 'and it discovers with them');
});

t.test('GCP: no service account on the machine, or no metadata server at all', async (t) => {
  const f = await gcpFake(t, { machineAccount: undefined });
  await failsWith(
    t,
    seen,
    testConnection(gcp(f), FAST),
    'no_credentials',
    `The machine running the Tendril has no service account (the metadata server at ${f.url} answered 404 for it): run the pool's Tendrils on Google Cloud with a service account (a VM's, or Workload Identity on GKE), or store a service-account key on the identity.`,
  );
  const gone = await startGcpFake();
  await gone.close();
  await failsWith(
    t,
    seen,
    testConnection(gcp(gone), FAST),
    'no_credentials',
    `The Tendril has no Google credentials of its own: the metadata server at ${gone.url} cannot be reached (connection refused): run the pool's Tendrils on Google Cloud with a service account (a VM's, or Workload Identity on GKE), or store a service-account key on the identity.`,
  );
});

const { tenant, app } = azureTestTenant();
const SUB = '00000000-aaaa-4bbb-8ccc-000000000001';
const msi = { clientId: randomUUID(), objectId: randomUUID(), secrets: [] };
const userAssigned = { clientId: randomUUID(), objectId: randomUUID(), secrets: [] };

async function azureFake(t: Test, state: Partial<AzureFakeState> = {}): Promise<AzureFake> {
  const f = await startAzureFake({
    tenants: [tenant],
    subscriptions: [{ id: SUB, tenantId: tenant.id, name: 'Vintner Test', state: 'Enabled', readers: [msi.clientId, userAssigned.clientId, app.clientId] }],
    machine: { tenantId: tenant.id, systemAssigned: msi, userAssigned: [userAssigned] },
    ...state,
  });
  t.teardown(() => {
    secrets.push(...f.tokens);
    return f.close();
  });
  return f;
}
const azure = (f: { url: string }, clientId = ''): AzureCloudIdentity => ({
  provider: 'azure',
  config: { tenant_id: tenant.id, client_id: clientId, subscription_id: SUB, region: 'westeurope', endpoint: f.url },
  credentials: null,
});

t.test('Azure: the machine’s managed identity, system- or user-assigned', async (t) => {
  const f = await azureFake(t);
  const report = await testConnection(azure(f), FAST);
  seen.keep(report);
  t.equal(report.summary, `Connected to Azure subscription 'Vintner Test' (${SUB}) in tenant ${tenant.id} as application ${msi.clientId}; location westeurope is available.`, 'the system-assigned identity');
  t.same(f.routes(), ['imds:token', 'arm:subscription', 'arm:locations'], 'IMDS, then ARM; no client secret grant');
  t.equal(f.requests[0]!.headers.metadata, 'true', 'with the Metadata header');
  const user = await testConnection(azure(f, userAssigned.clientId), FAST);
  t.match(user.summary, `as application ${userAssigned.clientId};`, 'the user-assigned one its client id names');
  t.match(f.requests.find((r) => r.route === 'imds:token' && r.url.includes('client_id'))!.url, `client_id=${userAssigned.clientId}`, 'asked for by client id');
});

t.test('Azure: no such managed identity, or no metadata service', async (t) => {
  const f = await azureFake(t, { machine: { tenantId: tenant.id } });
  await failsWith(
    t,
    seen,
    testConnection(azure(f), FAST),
    'no_credentials',
    'The machine running the Tendril has no system-assigned managed identity (Identity not found): assign it to the VM or scale set (Identity → System assigned, or User assigned), or store a client secret on the identity.',
  );
  const other = randomUUID();
  await failsWith(t, seen, testConnection(azure(f, other), FAST), 'no_credentials', new RegExp(`^The machine running the Tendril has no managed identity with client id ${other} \\(Identity not found\\)`));
  const gone = await startAzureFake();
  await gone.close();
  await failsWith(
    t,
    seen,
    testConnection(azure(gone), FAST),
    'no_credentials',
    new RegExp(`^The Tendril has no Azure managed identity to use: the Instance Metadata Service at ${gone.url.replace(/\./g, '\\.')} cannot be reached \\(connection refused\\): run the pool's Tendrils on Azure with a managed identity`),
  );
});

t.test('no token in any log line, error or report', async (t) => assertNoSecrets(t, seen, secrets));
t.test('no connection left the machine', async (t) => assertLoopbackOnly(t, guard));
