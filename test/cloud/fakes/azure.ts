/**
 * A fake of the Microsoft identity platform's v2.0 token endpoint (client credentials) and of
 * Azure Resource Manager (subscriptions, locations, Microsoft.Network lists with nextLink) on one
 * local server. The token endpoint checks the tenant, the client id and the secret and answers
 * the AADSTS errors Entra ID answers; ARM wants one of its Bearer tokens.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { pageToken, sendJson, startServer, takeThrottle, type FakeServer } from './server.js';

export interface AzureApp {
  clientId: string;
  objectId: string;
  secrets: Array<{ value: string; expired?: boolean }>;
}
export interface AzureTenant {
  id: string;
  domain: string;
  apps: AzureApp[];
}
export interface AzureSubscription {
  id: string;
  tenantId: string;
  name: string;
  state: 'Enabled' | 'Warned' | 'PastDue' | 'Disabled' | 'Deleted';
  /** Client ids with a role on the subscription. */
  readers: string[];
  /** Resource providers not registered, e.g. "Microsoft.Network". */
  unregistered?: string[];
}
export interface AzureVnet {
  name: string;
  rg: string;
  location: string;
  prefixes: string[];
  subnets: Array<{ name: string; prefix: string }>;
}
export interface AzureZone {
  name: string;
  rg: string;
  records: number;
}
export interface AzureFakeState {
  tenants: AzureTenant[];
  subscriptions: AzureSubscription[];
  locations: Array<{ name: string; displayName: string }>;
  vnets: AzureVnet[];
  dnsZones: AzureZone[];
  privateZones: AzureZone[];
  pageSize: number;
  throttle: Record<string, number>;
  /** Seconds in the Retry-After of a throttled answer. */
  retryAfter: number;
  delayMs: Record<string, number>;
  /** A nextLink pointing elsewhere than this server, to check it is not followed. */
  foreignNextLink?: boolean;
  /** The managed identities of the machine (IMDS): the system-assigned one first (undefined: none). */
  machine?: { tenantId: string; systemAssigned?: AzureApp; userAssigned?: AzureApp[] };
}
export interface AzureFake extends FakeServer {
  state: AzureFakeState;
  tokens: string[];
  routes(): string[];
}

export function azureTestTenant(): { tenant: AzureTenant; app: AzureApp; secret: string } {
  const secret = `test~${randomBytes(18).toString('base64url')}`;
  const app: AzureApp = { clientId: randomUUID(), objectId: randomUUID(), secrets: [{ value: secret }] };
  return { tenant: { id: randomUUID(), domain: 'vintnertest.onmicrosoft.com', apps: [app] }, app, secret };
}

const trace = () => `\r\nTrace ID: ${randomUUID()}\r\nCorrelation ID: ${randomUUID()}\r\nTimestamp: ${new Date().toISOString().replace('T', ' ').slice(0, 19)}Z`;

export async function startAzureFake(initial: Partial<AzureFakeState> = {}): Promise<AzureFake> {
  const state: AzureFakeState = {
    tenants: [],
    subscriptions: [],
    locations: [
      { name: 'westeurope', displayName: 'West Europe' },
      { name: 'eastus', displayName: 'East US' },
    ],
    vnets: [],
    dnsZones: [],
    privateZones: [],
    pageSize: 1000,
    throttle: {},
    retryAfter: 0,
    delayMs: {},
    ...initial,
  };
  const tokens = new Map<string, { tenantId: string; clientId: string; objectId: string }>();

  const server = await startServer(async (req, res) => {
    // --- Entra ID: POST /{tenant}/oauth2/v2.0/token
    const tokenPath = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(req.path);
    if (tokenPath && req.method === 'POST') {
      req.route = 'aad:token';
      const form = new URLSearchParams(req.body);
      const fail = (status: number, error: string, code: number, text: string) =>
        sendJson(res, status, { error, error_description: `AADSTS${code}: ${text}${trace()}`, error_codes: [code], timestamp: new Date().toISOString(), trace_id: randomUUID(), correlation_id: randomUUID(), error_uri: `https://login.microsoftonline.com/error?code=${code}` });
      const tenantRef = decodeURIComponent(tokenPath[1]!);
      const tenant = state.tenants.find((t) => t.id === tenantRef || t.domain === tenantRef);
      if (!tenant) {
        return fail(400, 'invalid_request', 90002, `Tenant '${tenantRef}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`);
      }
      if (form.get('grant_type') !== 'client_credentials') return fail(400, 'unsupported_grant_type', 70003, 'The app requested an unsupported grant type.');
      if (form.get('scope') !== 'https://management.azure.com/.default') return fail(400, 'invalid_scope', 70011, `The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid.`);
      const app = tenant.apps.find((a) => a.clientId === form.get('client_id'));
      if (!app) {
        return fail(400, 'unauthorized_client', 700016, `Application with identifier '${form.get('client_id') ?? ''}' was not found in the directory '${tenant.domain}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`);
      }
      const secret = app.secrets.find((s) => s.value === form.get('client_secret'));
      if (!secret) {
        return fail(401, 'invalid_client', 7000215, `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${app.clientId}'.`);
      }
      if (secret.expired) {
        return fail(401, 'invalid_client', 7000222, `The provided client secret keys for app '${app.clientId}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.`);
      }
      if (takeThrottle(state.throttle, 'aad:token')) return sendJson(res, 429, { error: 'temporarily_unavailable', error_description: 'AADSTS50196: The server terminated an operation because it encountered a client request loop.' }, { 'retry-after': String(state.retryAfter) });
      const token = `eyJ0eXAiOiJKV1Qi.test-${randomBytes(24).toString('base64url')}`;
      tokens.set(token, { tenantId: tenant.id, clientId: app.clientId, objectId: app.objectId });
      return sendJson(res, 200, { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: token });
    }

    // --- The Instance Metadata Service: a managed identity's token.
    if (req.method === 'GET' && req.path === '/metadata/identity/oauth2/token') {
      req.route = 'imds:token';
      if (req.headers.metadata !== 'true') return sendJson(res, 400, { error: 'bad_request', error_description: 'Required metadata header not specified' });
      if (req.query.get('resource') !== 'https://management.azure.com/') return sendJson(res, 400, { error: 'invalid_resource', error_description: 'AADSTS500011: The resource principal named x was not found' });
      const clientId = req.query.get('client_id');
      const m = state.machine;
      const app = clientId ? m?.userAssigned?.find((a) => a.clientId === clientId) : m?.systemAssigned;
      if (!m || !app) return sendJson(res, 400, { error: 'invalid_request', error_description: 'Identity not found' });
      const token = `eyJ0eXAiOiJKV1Qi.msi-${randomBytes(24).toString('base64url')}`;
      tokens.set(token, { tenantId: m.tenantId, clientId: app.clientId, objectId: app.objectId });
      return sendJson(res, 200, { access_token: token, client_id: app.clientId, expires_in: '86399', expires_on: '1700000000', resource: 'https://management.azure.com/', token_type: 'Bearer' });
    }

    // --- Resource Manager
    const armError = (status: number, code: string, message: string, headers: Record<string, string> = {}) => sendJson(res, status, { error: { code, message } }, headers);
    const m = /^\/subscriptions\/([^/]+)(\/locations|\/providers\/(Microsoft\.Network\/(?:virtualNetworks|dnszones|privateDnsZones)))?$/.exec(req.path);
    if (!m) return armError(404, 'InvalidResourceType', `The resource type could not be found in the namespace for api version '${req.query.get('api-version') ?? ''}'.`);
    const [, subId = '', sub2, provider] = m;
    req.route = provider ? `arm:${provider.split('/')[1]}` : sub2 ? 'arm:locations' : 'arm:subscription';
    if (!req.query.get('api-version')) return armError(400, 'MissingApiVersionParameter', "The api-version query parameter (?api-version=) is required for all requests.");
    const bearer = /^Bearer (\S+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
    const caller = bearer ? tokens.get(bearer) : undefined;
    if (!caller) return armError(401, bearer ? 'InvalidAuthenticationToken' : 'AuthenticationFailed', bearer ? 'The access token is invalid.' : "Authentication failed. The 'Authorization' header is missing.");
    const delay = state.delayMs[req.route];
    if (delay) await server.delay(delay);
    if (takeThrottle(state.throttle, req.route)) {
      return armError(429, 'TooManyRequests', 'The request is being throttled as the limit has been reached for operation type - Read_ObservationWindow_00:05:00.', { 'retry-after': String(state.retryAfter) });
    }
    const sub = state.subscriptions.find((s) => s.id === subId);
    if (!sub) return armError(404, 'SubscriptionNotFound', `The subscription '${subId}' could not be found.`);
    if (sub.tenantId !== caller.tenantId) {
      return armError(
        401,
        'InvalidAuthenticationTokenTenant',
        `The access token is from the wrong issuer 'https://sts.windows.net/${caller.tenantId}/'. It must match the tenant 'https://sts.windows.net/${sub.tenantId}/' associated with this subscription. Please use the authority (URL) 'https://login.windows.net/${sub.tenantId}' to get the token. Note, if the subscription is transferred to another tenant there is no impact to the services, but information about new tenant could take time to propagate (up to an hour). If you just transferred your subscription and see this error message, please try back later.`,
      );
    }
    const action = provider ? `${provider}/read` : sub2 ? 'Microsoft.Resources/subscriptions/locations/read' : 'Microsoft.Resources/subscriptions/read';
    if (!sub.readers.includes(caller.clientId)) {
      return armError(
        403,
        'AuthorizationFailed',
        `The client '${caller.clientId}' with object id '${caller.objectId}' does not have authorization to perform action '${action}' over scope '/subscriptions/${subId}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
      );
    }
    if (!provider && !sub2) {
      return sendJson(res, 200, {
        id: `/subscriptions/${sub.id}`,
        authorizationSource: 'RoleBased',
        managedByTenants: [],
        subscriptionId: sub.id,
        tenantId: sub.tenantId,
        displayName: sub.name,
        state: sub.state,
        subscriptionPolicies: { locationPlacementId: 'Public_2014-09-01', quotaId: 'PayAsYouGo_2014-09-01', spendingLimit: 'Off' },
      });
    }
    if (sub2 === '/locations') {
      return sendJson(res, 200, {
        value: state.locations.map((l) => ({ id: `/subscriptions/${sub.id}/locations/${l.name}`, name: l.name, type: 'Region', displayName: l.displayName, regionalDisplayName: `(Europe) ${l.displayName}`, metadata: { regionType: 'Physical' } })),
      });
    }
    const namespace = provider!.split('/')[0]!;
    if (sub.unregistered?.includes(namespace)) {
      return armError(409, 'MissingSubscriptionRegistration', `The subscription is not registered to use namespace '${namespace}'. See https://aka.ms/rps-not-found for how to register subscriptions.`);
    }
    const rid = (rg: string, type: string, name: string) => `/subscriptions/${sub.id}/resourceGroups/${rg}/providers/Microsoft.Network/${type}/${name}`;
    const type = provider!.split('/')[1]!;
    const all =
      type === 'virtualNetworks'
        ? state.vnets.map((v) => ({
            name: v.name,
            id: rid(v.rg, 'virtualNetworks', v.name),
            etag: 'W/"1"',
            type: 'Microsoft.Network/virtualNetworks',
            location: v.location,
            properties: {
              provisioningState: 'Succeeded',
              addressSpace: { addressPrefixes: v.prefixes },
              subnets: v.subnets.map((s) => ({ name: s.name, id: `${rid(v.rg, 'virtualNetworks', v.name)}/subnets/${s.name}`, properties: { provisioningState: 'Succeeded', addressPrefix: s.prefix }, type: 'Microsoft.Network/virtualNetworks/subnets' })),
              virtualNetworkPeerings: [],
              enableDdosProtection: false,
            },
          }))
        : (type === 'dnszones' ? state.dnsZones : state.privateZones).map((z) => ({
            id: rid(z.rg, type, z.name),
            name: z.name,
            type: `Microsoft.Network/${type}`,
            etag: '00000000-0000-0000-0000-000000000000',
            location: 'global',
            properties:
              type === 'dnszones'
                ? { maxNumberOfRecordSets: 10000, numberOfRecordSets: z.records, nameServers: ['ns1-01.azure-dns.com.'], zoneType: 'Public' }
                : { maxNumberOfRecordSets: 25000, numberOfRecordSets: z.records, numberOfVirtualNetworkLinks: 1, provisioningState: 'Succeeded' },
          }));
    const start = pageToken.read(req.query.get('$skipToken'));
    if (start === undefined) return armError(400, 'InvalidSkipToken', 'The skip token is invalid.');
    const end = Math.min(all.length, start + state.pageSize);
    const base = state.foreignNextLink ? 'https://management.example.net' : server.url;
    const nextLink = end < all.length ? `${base}${req.path}?api-version=${req.query.get('api-version') ?? ''}&$skipToken=${pageToken.make(end)}` : undefined;
    return sendJson(res, 200, { value: all.slice(start, end), ...(nextLink ? { nextLink } : {}) });
  });
  return { ...server, state, get tokens() { return [...tokens.keys()]; }, routes: () => server.requests.map((r) => r.route ?? '?') };
}
