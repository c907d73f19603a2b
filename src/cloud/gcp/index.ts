/**
 * GCP: the key's token, Resource Manager for the project, Compute for the region, and Compute /
 * Cloud DNS listings for discovery. External ids are the resources' relative names, which are
 * also their Terraform import ids ("projects/p/global/networks/n").
 */
import { ResourceCollector } from '../collect.js';
import type { Ctx } from '../context.js';
import { CloudCheckError } from '../errors.js';
import { arr, field, str } from '../http.js';
import type { ConnectionReport, DiscoveredResource, Discovery, GcpCloudIdentity } from '../types.js';
import { APIS, googleGet, type GoogleWho } from './api.js';
import { fetchGoogleToken, parseServiceAccountKey } from './token.js';
import { fetchMetadataToken, METADATA_URL } from './metadata.js';

const GOOGLE = {
  token: 'https://oauth2.googleapis.com/token',
  crm: 'https://cloudresourcemanager.googleapis.com',
  compute: 'https://compute.googleapis.com',
  dns: 'https://dns.googleapis.com',
};

function bases(identity: GcpCloudIdentity): typeof GOOGLE {
  const e = identity.config.endpoint?.replace(/\/+$/, '');
  return e ? { token: `${e}/token`, crm: e, compute: e, dns: e } : GOOGLE;
}

interface GcpSession {
  token: string;
  who: GoogleWho;
  base: typeof GOOGLE;
  project: string;
}

async function start(identity: GcpCloudIdentity, ctx: Ctx): Promise<GcpSession> {
  const base = bases(identity);
  const customEndpoint = Boolean(identity.config.endpoint);
  if (!identity.credentials) {
    const own = await fetchMetadataToken(ctx, identity.config.endpoint?.replace(/\/+$/, '') ?? METADATA_URL, customEndpoint);
    return { token: own.token, base, project: encodeURIComponent(identity.config.project_id), who: { email: own.email, projectId: identity.config.project_id, customEndpoint } };
  }
  const key = parseServiceAccountKey(identity.credentials.service_account_key, ctx);
  const token = await fetchGoogleToken(ctx, key, base.token, customEndpoint);
  return { token, base, project: encodeURIComponent(identity.config.project_id), who: { email: key.clientEmail, projectId: identity.config.project_id, customEndpoint } };
}

function projectNotFound(s: GcpSession): () => CloudCheckError {
  return () =>
    new CloudCheckError('project_not_found', `GCP has no project ${s.who.projectId} that ${s.who.email} can see: check the project id (not its name or number) and that the project still exists.`);
}

export async function testGcp(identity: GcpCloudIdentity, ctx: Ctx): Promise<ConnectionReport> {
  const s = await start(identity, ctx);
  const project = await googleGet(
    ctx,
    s.token,
    { api: APIS.crm, method: 'projects.get', permission: 'resourcemanager.projects.get', url: `${s.base.crm}/v3/projects/${s.project}`, notFound: projectNotFound(s) },
    s.who,
  );
  const number = str(field(project, 'name'))?.replace(/^projects\//, '');
  const state = str(field(project, 'state'));
  if (!number) throw new CloudCheckError('bad_response', `Resource Manager answered without a project number for ${s.who.projectId}: check the identity's endpoint URL.`);
  if (state && state !== 'ACTIVE') {
    throw new CloudCheckError(
      'project_not_found',
      `GCP project ${s.who.projectId} is ${state === 'DELETE_REQUESTED' ? 'scheduled for deletion' : state}: restore it (gcloud projects undelete ${s.who.projectId}) or choose another project.`,
    );
  }
  ctx.log(`Google Resource Manager projects.get: ${s.who.projectId} is project number ${number} (${state ?? 'no state'})`);

  const region = identity.config.region;
  await googleGet(
    ctx,
    s.token,
    {
      api: APIS.compute,
      method: 'regions.get',
      permission: 'compute.regions.get',
      url: `${s.base.compute}/compute/v1/projects/${s.project}/regions/${encodeURIComponent(region)}`,
      notFound: () => new CloudCheckError('region_unknown', `GCP has no region '${region}': set the identity's region to a region such as europe-west1 (gcloud compute regions list shows them).`),
    },
    s.who,
  );
  ctx.log(`Google Compute regions.get: ${region} exists`);
  const name = str(field(project, 'displayName'));
  return {
    provider: 'gcp',
    summary: `Connected to GCP project ${s.who.projectId} (number ${number}) as ${s.who.email}; region ${region} is available.`,
    details: { project_id: s.who.projectId, project_number: number, service_account_email: s.who.email, region, ...(name ? { project_name: name } : {}) },
  };
}

/** "https://www.googleapis.com/compute/v1/projects/p/regions/r/subnetworks/n" → "projects/p/regions/r/subnetworks/n" */
function relativeName(url: string | undefined): string | null {
  if (!url) return null;
  const i = url.indexOf('projects/');
  return i >= 0 ? url.slice(i) : url;
}

function pageQuery(size: number, token: string | undefined): string {
  const q = new URLSearchParams({ maxResults: String(Math.min(500, Math.max(1, size))) });
  if (token) q.set('pageToken', token);
  return q.toString();
}

export async function discoverGcp(identity: GcpCloudIdentity, ctx: Ctx): Promise<Discovery> {
  const s = await start(identity, ctx);
  const out = new ResourceCollector(ctx);
  const compute = `${s.base.compute}/compute/v1/projects/${s.project}`;
  const notFound = projectNotFound(s);

  await out.list('networks', 'Google Compute networks.list', async (token, size) => {
    const page = await googleGet(ctx, s.token, { api: APIS.compute, method: 'networks.list', permission: 'compute.networks.list', url: `${compute}/global/networks?${pageQuery(size, token)}`, notFound }, s.who);
    const items = arr(field(page, 'items')).map((n): DiscoveredResource => {
      const name = str(field(n, 'name')) ?? '';
      const legacy = str(field(n, 'IPv4Range'));
      return {
        kind: 'network',
        external_id: relativeName(str(field(n, 'selfLink'))) ?? `projects/${s.who.projectId}/global/networks/${name}`,
        name,
        region: null,
        data: {
          // A VPC network has no range of its own (its subnets do); a legacy network has one.
          cidr_blocks: legacy ? [legacy] : [],
          // GCP creates a network named "default" in every new project.
          is_default: name === 'default',
          auto_create_subnetworks: field(n, 'autoCreateSubnetworks') === true,
          routing_mode: str(field(field(n, 'routingConfig'), 'routingMode')) ?? null,
          id: str(field(n, 'id')) ?? null,
        },
      };
    });
    return { items, next: str(field(page, 'nextPageToken')) || undefined };
  });

  await out.list('subnets', 'Google Compute subnetworks.aggregatedList', async (token, size) => {
    const page = await googleGet(
      ctx,
      s.token,
      { api: APIS.compute, method: 'subnetworks.aggregatedList', permission: 'compute.subnetworks.list', url: `${compute}/aggregated/subnetworks?${pageQuery(size, token)}`, notFound },
      s.who,
    );
    const scopes = field(page, 'items');
    const all = scopes && typeof scopes === 'object' ? Object.values(scopes as Record<string, unknown>).flatMap((scope) => arr(field(scope, 'subnetworks'))) : [];
    const items = all.map((n): DiscoveredResource => {
      const region = str(field(n, 'region'))?.split('/').pop() ?? null;
      const name = str(field(n, 'name')) ?? '';
      return {
        kind: 'subnet',
        external_id: relativeName(str(field(n, 'selfLink'))) ?? `projects/${s.who.projectId}/regions/${region}/subnetworks/${name}`,
        name,
        region,
        data: {
          cidr: str(field(n, 'ipCidrRange')) ?? null,
          region,
          network_id: relativeName(str(field(n, 'network'))),
          private_google_access: field(n, 'privateIpGoogleAccess') === true,
          secondary_ranges: arr(field(n, 'secondaryIpRanges')).map((r) => ({ name: str(field(r, 'rangeName')) ?? null, cidr: str(field(r, 'ipCidrRange')) ?? null })),
        },
      };
    });
    return { items, next: str(field(page, 'nextPageToken')) || undefined };
  });

  await out.list('DNS zones', 'Google Cloud DNS managedZones.list', async (token, size) => {
    const page = await googleGet(
      ctx,
      s.token,
      { api: APIS.dns, method: 'managedZones.list', permission: 'dns.managedZones.list', url: `${s.base.dns}/dns/v1/projects/${s.project}/managedZones?${pageQuery(size, token)}`, notFound },
      s.who,
    );
    const items = arr(field(page, 'managedZones')).map((z): DiscoveredResource => {
      const name = str(field(z, 'name')) ?? '';
      return {
        kind: 'dns_zone',
        external_id: `projects/${s.who.projectId}/managedZones/${name}`,
        name,
        region: null,
        data: {
          domain_name: (str(field(z, 'dnsName')) ?? '').replace(/\.$/, ''),
          private: str(field(z, 'visibility')) === 'private',
          description: str(field(z, 'description')) ?? null,
          id: str(field(z, 'id')) ?? null,
        },
      };
    });
    return { items, next: str(field(page, 'nextPageToken')) || undefined };
  });
  return out.result();
}
