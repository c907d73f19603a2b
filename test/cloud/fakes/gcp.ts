/**
 * A fake of Google's OAuth token endpoint, Resource Manager v3, Compute v1 and Cloud DNS v1 on one
 * local server. The token endpoint verifies the JWT bearer assertion as Google does: RS256 with the
 * service account's public key, and iss / aud / scope / iat / exp; the APIs want its Bearer token.
 */
import { generateKeyPairSync, randomBytes, verify, type KeyObject } from 'node:crypto';
import { pageToken, sendJson, startServer, takeThrottle, type FakeServer } from './server.js';

export interface GcpAccount {
  email: string;
  keyId: string;
  publicKey: KeyObject;
  /** Deleted or disabled: the token endpoint answers "account not found". */
  gone?: boolean;
  /** "compute:networks.list" and the like, refused with 403. */
  deny?: string[];
}
export interface GcpProject {
  id: string;
  number: string;
  state?: 'ACTIVE' | 'DELETE_REQUESTED';
  /** Service accounts that may read the project. */
  readers: string[];
  /** APIs not enabled, e.g. "compute.googleapis.com". */
  disabledApis?: string[];
}
export interface GcpNetwork {
  name: string;
  auto?: boolean;
}
export interface GcpSubnet {
  name: string;
  region: string;
  network: string;
  cidr: string;
}
export interface GcpZone {
  name: string;
  dnsName: string;
  visibility: 'public' | 'private';
}
export interface GcpFakeState {
  accounts: GcpAccount[];
  projects: GcpProject[];
  regions: string[];
  networks: GcpNetwork[];
  subnets: GcpSubnet[];
  zones: GcpZone[];
  pageSize: number;
  throttle: Record<string, number>;
  delayMs: Record<string, number>;
  clockOffsetMs: number;
  /** The service account of the machine (its metadata server); undefined: none attached (404). */
  machineAccount?: string;
}
export interface GcpFake extends FakeServer {
  state: GcpFakeState;
  /** Access tokens issued, to look for in logs. */
  tokens: string[];
  routes(): string[];
}

/** A service account and its JSON key file, with a key pair made now. */
export function gcpTestAccount(project = 'vintner-test', name = 'deployer'): { account: GcpAccount; keyFile: string; privateKey: string } {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const email = `${name}@${project}.iam.gserviceaccount.com`;
  const keyId = randomBytes(20).toString('hex');
  const keyFile = JSON.stringify({
    type: 'service_account',
    project_id: project,
    private_key_id: keyId,
    private_key: pem,
    client_email: email,
    client_id: '100000000000000000001',
    auth_uri: 'https://accounts.google.com/o/oauth2/auth',
    token_uri: 'https://oauth2.googleapis.com/token',
  });
  return { account: { email, keyId, publicKey }, keyFile, privateKey: pem };
}

const TITLES: Record<string, string> = {
  'cloudresourcemanager.googleapis.com': 'Cloud Resource Manager API',
  'compute.googleapis.com': 'Compute Engine API',
  'dns.googleapis.com': 'Cloud DNS API',
};

function apiError(code: number, status: string, message: string, reason: string, domain = 'global', details: unknown[] = []): unknown {
  return { error: { code, message, errors: [{ message, domain, reason }], status, details } };
}

export async function startGcpFake(initial: Partial<GcpFakeState> = {}): Promise<GcpFake> {
  const state: GcpFakeState = {
    accounts: [],
    projects: [],
    regions: ['europe-west1', 'us-central1', 'asia-east1'],
    networks: [],
    subnets: [],
    zones: [],
    pageSize: 500,
    throttle: {},
    delayMs: {},
    clockOffsetMs: 0,
    ...initial,
  };
  const tokens = new Map<string, string>();
  const now = () => Date.now() + state.clockOffsetMs;

  const server = await startServer(async (req, res) => {
    const tokenUrl = `${server.url}/token`;
    // --- OAuth 2.0 token endpoint: the JWT bearer grant.
    if (req.method === 'POST' && req.path === '/token') {
      req.route = 'oauth:token';
      const form = new URLSearchParams(req.body);
      const bad = (error: string, description: string, status = 400) => sendJson(res, status, { error, error_description: description });
      if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') return bad('unsupported_grant_type', 'Invalid grant_type: ' + String(form.get('grant_type')));
      const [h = '', p = '', sig = ''] = (form.get('assertion') ?? '').split('.');
      let header: { alg?: string; kid?: string };
      let claims: { iss?: string; aud?: string; scope?: string; iat?: number; exp?: number };
      try {
        header = JSON.parse(Buffer.from(h, 'base64url').toString()) as typeof header;
        claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as typeof claims;
      } catch {
        return bad('invalid_request', 'Invalid JWT: not a JWT.');
      }
      if (header.alg !== 'RS256') return bad('invalid_grant', 'Invalid JWT: unsupported algorithm.');
      const account = state.accounts.find((a) => a.email === claims.iss);
      if (!account || account.gone) return bad('invalid_grant', 'Invalid grant: account not found');
      if (!verify('sha256', Buffer.from(`${h}.${p}`), account.publicKey, Buffer.from(sig, 'base64url'))) return bad('invalid_grant', 'Invalid JWT Signature.');
      const t = Math.floor(now() / 1000);
      if (typeof claims.iat !== 'number' || typeof claims.exp !== 'number' || claims.exp - claims.iat > 3600 || claims.iat > t + 300 || claims.exp < t) {
        return bad('invalid_grant', 'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.');
      }
      if (claims.aud !== tokenUrl) return bad('invalid_grant', `Invalid JWT: Failed audience check. The expected audience is ${tokenUrl}.`);
      if (!claims.scope?.split(' ').some((s) => s.startsWith('https://www.googleapis.com/auth/cloud-platform'))) return bad('invalid_scope', 'Invalid OAuth scope or ID token audience provided.');
      if (takeThrottle(state.throttle, 'oauth:token')) return bad('rate_limit_exceeded', 'Rate limit exceeded.', 429);
      const token = `ya29.test-${randomBytes(24).toString('base64url')}`;
      tokens.set(token, account.email);
      return sendJson(res, 200, { access_token: token, expires_in: 3599, token_type: 'Bearer' });
    }

    // --- The metadata server of the machine (Compute Engine, GKE Workload Identity).
    if (req.method === 'GET' && req.path.startsWith('/computeMetadata/v1/')) {
      req.route = `metadata:${req.path.endsWith('/token') ? 'token' : 'account'}`;
      if (req.headers['metadata-flavor'] !== 'Google') return sendJson(res, 403, { error: 'Missing Metadata-Flavor:Google header.' });
      const base = '/computeMetadata/v1/instance/service-accounts/default';
      if (!state.machineAccount || (req.path !== `${base}/` && req.path !== `${base}/token`)) return sendJson(res, 404, { error: 'Not Found' });
      if (req.path === `${base}/`) return sendJson(res, 200, { aliases: ['default'], email: state.machineAccount, scopes: ['https://www.googleapis.com/auth/cloud-platform'] });
      const token = `ya29.machine-${randomBytes(24).toString('base64url')}`;
      tokens.set(token, state.machineAccount);
      return sendJson(res, 200, { access_token: token, expires_in: 3599, token_type: 'Bearer' });
    }

    // --- The APIs: which one, which method, which project.
    let m: RegExpExecArray | null;
    let api: string;
    let method: string;
    let projectId: string;
    let rest: string[] = [];
    if ((m = /^\/v3\/projects\/([^/]+)$/.exec(req.path))) [api, method, projectId] = ['cloudresourcemanager.googleapis.com', 'projects.get', m[1]!];
    else if ((m = /^\/compute\/v1\/projects\/([^/]+)\/regions\/([^/]+)$/.exec(req.path))) [api, method, projectId, rest] = ['compute.googleapis.com', 'regions.get', m[1]!, [m[2]!]];
    else if ((m = /^\/compute\/v1\/projects\/([^/]+)\/global\/networks$/.exec(req.path))) [api, method, projectId] = ['compute.googleapis.com', 'networks.list', m[1]!];
    else if ((m = /^\/compute\/v1\/projects\/([^/]+)\/aggregated\/subnetworks$/.exec(req.path))) [api, method, projectId] = ['compute.googleapis.com', 'subnetworks.aggregatedList', m[1]!];
    else if ((m = /^\/dns\/v1\/projects\/([^/]+)\/managedZones$/.exec(req.path))) [api, method, projectId] = ['dns.googleapis.com', 'managedZones.list', m[1]!];
    else return sendJson(res, 404, apiError(404, 'NOT_FOUND', `The requested URL ${req.path} was not found on this server.`, 'notFound'));
    const short = api.split('.')[0] === 'cloudresourcemanager' ? 'crm' : api.split('.')[0]!;
    req.route = `${short}:${method}`;

    const bearer = /^Bearer (\S+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
    const email = bearer ? tokens.get(bearer) : undefined;
    if (!email) {
      return sendJson(
        res,
        401,
        apiError(401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.', 'authError'),
        { 'www-authenticate': 'Bearer realm="https://accounts.google.com/", error="invalid_token"' },
      );
    }
    const delay = state.delayMs[req.route];
    if (delay) await server.delay(delay);
    if (takeThrottle(state.throttle, req.route)) {
      return sendJson(
        res,
        429,
        apiError(429, 'RESOURCE_EXHAUSTED', `Quota exceeded for quota metric 'Read requests' and limit 'Read requests per minute' of service '${api}'.`, 'rateLimitExceeded', 'usageLimits', [
          { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'RATE_LIMIT_EXCEEDED', domain: 'googleapis.com', metadata: { service: api } },
        ]),
      );
    }
    // Resource Manager is billed to the caller's own project; Compute and DNS to the project read.
    const home = state.projects.find((p) => p.id === email.split('@')[1]?.split('.')[0]);
    const project = state.projects.find((p) => p.id === projectId);
    const consumer = api === 'cloudresourcemanager.googleapis.com' ? home : project;
    if (consumer?.disabledApis?.includes(api)) {
      const message = `${TITLES[api]} has not been used in project ${consumer.number} before or it is disabled. Enable it by visiting https://console.developers.google.com/apis/api/${api}/overview?project=${consumer.number} then retry. If you enabled this API recently, wait a few minutes for the action to propagate to our systems and retry.`;
      return sendJson(
        res,
        403,
        apiError(403, 'PERMISSION_DENIED', message, 'accessNotConfigured', 'usageLimits', [
          { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'SERVICE_DISABLED', domain: 'googleapis.com', metadata: { service: api, consumer: `projects/${consumer.number}`, serviceTitle: TITLES[api] } },
        ]),
      );
    }
    const account = state.accounts.find((a) => a.email === email);
    const readable = project && project.readers.includes(email) && !account?.deny?.includes(req.route);
    if (method === 'projects.get') {
      if (!readable) {
        return sendJson(
          res,
          403,
          apiError(403, 'PERMISSION_DENIED', `Permission 'resourcemanager.projects.get' denied on resource '//cloudresourcemanager.googleapis.com/projects/${projectId}' (or it may not exist).`, 'forbidden', 'global', [
            { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'IAM_PERMISSION_DENIED', domain: 'cloudresourcemanager.googleapis.com', metadata: { permission: 'resourcemanager.projects.get' } },
          ]),
        );
      }
      return sendJson(res, 200, { name: `projects/${project.number}`, parent: 'organizations/1', projectId: project.id, state: project.state ?? 'ACTIVE', displayName: `Test ${project.id}`, etag: 'W/"1"' });
    }
    if (!project) return sendJson(res, 404, apiError(404, 'NOT_FOUND', `The resource 'projects/${projectId}' was not found`, 'notFound'));
    if (!readable) {
      const permission = { 'regions.get': 'compute.regions.get', 'networks.list': 'compute.networks.list', 'subnetworks.aggregatedList': 'compute.subnetworks.list', 'managedZones.list': 'dns.managedZones.list' }[method];
      return sendJson(res, 403, apiError(403, 'PERMISSION_DENIED', `Required '${permission}' permission for 'projects/${projectId}'`, 'forbidden'));
    }
    const self = (path: string) => `https://www.googleapis.com/compute/v1/projects/${projectId}/${path}`;
    const page = <T>(list: T[]) => {
      const start = pageToken.read(req.query.get('pageToken'));
      const max = Math.min(Number(req.query.get('maxResults') ?? '500'), 500, state.pageSize);
      if (start === undefined || !(max >= 1)) return undefined;
      const end = Math.min(list.length, start + max);
      return { slice: list.slice(start, end), next: end < list.length ? { nextPageToken: pageToken.make(end) } : {} };
    };
    const badPage = () => sendJson(res, 400, apiError(400, 'INVALID_ARGUMENT', 'Invalid value for field \'pageToken\' or \'maxResults\'.', 'invalid'));
    switch (method) {
      case 'regions.get': {
        const region = rest[0]!;
        if (!state.regions.includes(region)) return sendJson(res, 404, apiError(404, 'NOT_FOUND', `The resource 'projects/${projectId}/regions/${region}' was not found`, 'notFound'));
        return sendJson(res, 200, { kind: 'compute#region', id: '1000', name: region, status: 'UP', selfLink: self(`regions/${region}`) });
      }
      case 'networks.list': {
        const p = page(state.networks);
        if (!p) return badPage();
        return sendJson(res, 200, {
          kind: 'compute#networkList',
          id: `projects/${projectId}/global/networks`,
          items: p.slice.map((n, i) => ({
            kind: 'compute#network',
            id: String(5000 + i),
            name: n.name,
            selfLink: self(`global/networks/${n.name}`),
            autoCreateSubnetworks: n.auto ?? false,
            subnetworks: state.subnets.filter((s) => s.network === n.name).map((s) => self(`regions/${s.region}/subnetworks/${s.name}`)),
            routingConfig: { routingMode: 'REGIONAL' },
            networkFirewallPolicyEnforcementOrder: 'AFTER_CLASSIC_FIREWALL',
          })),
          selfLink: self('global/networks'),
          ...p.next,
        });
      }
      case 'subnetworks.aggregatedList': {
        const p = page(state.subnets);
        if (!p) return badPage();
        const items: Record<string, unknown> = {};
        for (const r of state.regions) {
          const here = p.slice.filter((s) => s.region === r);
          items[`regions/${r}`] = here.length
            ? {
                subnetworks: here.map((s, i) => ({
                  kind: 'compute#subnetwork',
                  id: String(7000 + i),
                  name: s.name,
                  network: self(`global/networks/${s.network}`),
                  ipCidrRange: s.cidr,
                  region: self(`regions/${s.region}`),
                  selfLink: self(`regions/${s.region}/subnetworks/${s.name}`),
                  privateIpGoogleAccess: true,
                  secondaryIpRanges: [],
                })),
              }
            : { warning: { code: 'NO_RESULTS_ON_PAGE', message: 'There are no results for scope \'regions/' + r + '\' on this page.', data: [{ key: 'scope', value: `regions/${r}` }] } };
        }
        return sendJson(res, 200, { kind: 'compute#subnetworkAggregatedList', id: `projects/${projectId}/aggregated/subnetworks`, items, selfLink: self('aggregated/subnetworks'), ...p.next });
      }
      case 'managedZones.list': {
        const p = page(state.zones);
        if (!p) return badPage();
        return sendJson(res, 200, {
          kind: 'dns#managedZonesListResponse',
          managedZones: p.slice.map((z, i) => ({ kind: 'dns#managedZone', name: z.name, dnsName: z.dnsName, description: '', id: String(9000 + i), nameServers: ['ns-cloud-a1.googledomains.com.'], creationTime: '2024-01-01T00:00:00.000Z', visibility: z.visibility })),
          ...p.next,
        });
      }
    }
  });
  return { ...server, state, get tokens() { return [...tokens.keys()]; }, routes: () => server.requests.map((r) => r.route ?? '?') };
}
