/**
 * Azure: a client-credentials token, the subscription and its locations from Resource Manager,
 * and subscription-wide Microsoft.Network listings for discovery. External ids are ARM resource
 * ids, which are also Terraform's import ids.
 */
import { ResourceCollector } from '../collect.js';
import type { Ctx } from '../context.js';
import { CloudCheckError } from '../errors.js';
import { arr, field, str } from '../http.js';
import type { AzureCloudIdentity, ConnectionReport, DiscoveredResource, Discovery } from '../types.js';
import { armGet, nextLink, type AzureWho } from './arm.js';
import { fetchAzureToken } from './token.js';
import { fetchManagedIdentityToken, IMDS_URL } from './managed-identity.js';

const AZURE = { login: 'https://login.microsoftonline.com', arm: 'https://management.azure.com' };
const API = { subscriptions: '2022-12-01', network: '2024-05-01', dnsZones: '2018-05-01', privateDnsZones: '2024-06-01' };
/** Subscription states in which ARM still answers but the subscription cannot be used. */
const DISABLED_STATES = new Set(['Disabled', 'Deleted']);

interface AzureSession {
  token: string;
  who: AzureWho;
  arm: string;
  sub: string;
}

async function start(identity: AzureCloudIdentity, ctx: Ctx): Promise<AzureSession> {
  const e = identity.config.endpoint?.replace(/\/+$/, '');
  const base = e ? { login: e, arm: e } : AZURE;
  const customEndpoint = Boolean(e);
  const { tenant_id: tenantId, client_id: clientId, subscription_id: subscriptionId } = identity.config;
  if (!identity.credentials) {
    const own = await fetchManagedIdentityToken(ctx, e ?? IMDS_URL, clientId || undefined, customEndpoint);
    return { token: own.token, arm: base.arm, sub: encodeURIComponent(subscriptionId), who: { clientId: own.clientId, tenantId, subscriptionId, customEndpoint } };
  }
  ctx.addSecret(identity.credentials.client_secret);
  const token = await fetchAzureToken(ctx, { tenantId, clientId, clientSecret: identity.credentials.client_secret }, base.login, customEndpoint);
  return { token, arm: base.arm, sub: encodeURIComponent(subscriptionId), who: { clientId, tenantId, subscriptionId, customEndpoint } };
}

/** "West Europe" and "westeurope" name the same location. */
const locationKey = (s: string) => s.toLowerCase().replace(/[\s_-]/g, '');

export async function testAzure(identity: AzureCloudIdentity, ctx: Ctx): Promise<ConnectionReport> {
  const s = await start(identity, ctx);
  const subscription = await armGet(
    ctx,
    s.token,
    { what: 'subscriptions get', action: 'Microsoft.Resources/subscriptions/read', url: `${s.arm}/subscriptions/${s.sub}?api-version=${API.subscriptions}` },
    s.who,
  );
  const name = str(field(subscription, 'displayName')) ?? s.who.subscriptionId;
  const state = str(field(subscription, 'state')) ?? 'unknown';
  const tenant = str(field(subscription, 'tenantId')) ?? s.who.tenantId;
  ctx.log(`Azure Resource Manager: subscription '${name}' is ${state}`);
  if (DISABLED_STATES.has(state)) {
    throw new CloudCheckError(
      'subscription_disabled',
      `Azure subscription '${name}' (${s.who.subscriptionId}) is ${state}: ${state === 'Deleted' ? 'choose another subscription' : 're-enable it in the portal (Subscriptions → Reactivate), or choose another subscription'}.`,
    );
  }

  const region = identity.config.region;
  const locations = await armGet(
    ctx,
    s.token,
    { what: 'locations list', action: 'Microsoft.Resources/subscriptions/locations/read', url: `${s.arm}/subscriptions/${s.sub}/locations?api-version=${API.subscriptions}` },
    s.who,
  );
  const known = arr(field(locations, 'value'));
  const match = known.find((l) => [str(field(l, 'name')), str(field(l, 'displayName'))].some((n) => n !== undefined && locationKey(n) === locationKey(region)));
  if (!match) {
    throw new CloudCheckError(
      'region_unknown',
      `Azure subscription ${s.who.subscriptionId} has no location '${region}': set the identity's region to a location name such as westeurope (az account list-locations -o table shows them).`,
    );
  }
  const location = str(field(match, 'name')) ?? region;
  ctx.log(`Azure Resource Manager: location ${location} is available`);
  const warning = state === 'Enabled' ? '' : ` (state ${state}: ${state === 'PastDue' ? 'pay the outstanding balance before Azure disables it' : 'check its billing before Azure disables it'})`;
  return {
    provider: 'azure',
    summary: `Connected to Azure subscription '${name}' (${s.who.subscriptionId}) in tenant ${tenant} as application ${s.who.clientId}${warning}; location ${location} is available.`,
    details: { subscription_id: s.who.subscriptionId, subscription_name: name, state, tenant_id: tenant, region: location },
  };
}

export async function discoverAzure(identity: AzureCloudIdentity, ctx: Ctx): Promise<Discovery> {
  const s = await start(identity, ctx);
  const out = new ResourceCollector(ctx);
  const list = (provider: string, version: string) => `${s.arm}/subscriptions/${s.sub}/providers/${provider}?api-version=${version}`;
  const subnets: DiscoveredResource[] = [];

  await out.list('networks', 'Azure Microsoft.Network/virtualNetworks', async (link) => {
    const page = await armGet(
      ctx,
      s.token,
      { what: 'virtualNetworks list', action: 'Microsoft.Network/virtualNetworks/read', url: link ?? list('Microsoft.Network/virtualNetworks', API.network) },
      s.who,
    );
    const items = arr(field(page, 'value')).map((v): DiscoveredResource => {
      const id = str(field(v, 'id')) ?? '';
      const location = str(field(v, 'location')) ?? null;
      const props = field(v, 'properties');
      for (const n of arr(field(props, 'subnets'))) {
        const p = field(n, 'properties');
        subnets.push({
          kind: 'subnet',
          external_id: str(field(n, 'id')) ?? '',
          name: str(field(n, 'name')) ?? null,
          region: location,
          data: {
            cidr: str(field(p, 'addressPrefix')) ?? str(arr(field(p, 'addressPrefixes'))[0]) ?? null,
            region: location,
            network_id: id,
          },
        });
      }
      return {
        kind: 'network',
        external_id: id,
        name: str(field(v, 'name')) ?? null,
        region: location,
        data: {
          cidr_blocks: arr(field(field(props, 'addressSpace'), 'addressPrefixes')).filter((c) => typeof c === 'string'),
          // Azure has no default virtual network.
          is_default: false,
          resource_group: id.match(/\/resourceGroups\/([^/]+)/i)?.[1] ?? null,
        },
      };
    });
    return { items, next: nextLink(page, s.arm) };
  });

  // Subnets come inside their virtual networks: one "page" of what the networks listing held.
  await out.list('subnets', 'Azure subnets (inside virtualNetworks)', () => Promise.resolve({ items: subnets, next: undefined }));

  for (const [label, provider, version, isPrivate] of [
    ['DNS zones', 'Microsoft.Network/dnszones', API.dnsZones, false],
    ['private DNS zones', 'Microsoft.Network/privateDnsZones', API.privateDnsZones, true],
  ] as const) {
    await out.list(label, `Azure ${provider}`, async (link) => {
      const page = await armGet(ctx, s.token, { what: `${provider.split('/')[1]} list`, action: `${provider}/read`, url: link ?? list(provider, version) }, s.who);
      const items = arr(field(page, 'value')).map((z): DiscoveredResource => {
        const id = str(field(z, 'id')) ?? '';
        const name = str(field(z, 'name')) ?? '';
        const props = field(z, 'properties');
        const records = field(props, 'numberOfRecordSets');
        return {
          kind: 'dns_zone',
          external_id: id,
          name,
          region: null,
          data: {
            domain_name: name,
            private: isPrivate || str(field(props, 'zoneType')) === 'Private',
            ...(typeof records === 'number' ? { record_count: records } : {}),
            resource_group: id.match(/\/resourceGroups\/([^/]+)/i)?.[1] ?? null,
          },
        };
      });
      return { items, next: nextLink(page, s.arm) };
    });
  }
  return out.result();
}
