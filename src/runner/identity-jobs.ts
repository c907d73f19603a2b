/**
 * CONNECTION_TEST and FETCH_RESOURCES: the two identity jobs. A cloud identity is checked with
 * src/cloud (the provider's own APIs, under the job's cancel signal) and its networks, subnets and
 * DNS zones replace the identity's discovered snapshot; the local sandbox checks Terraform and
 * the state backend, as it always did. The identity's credentials are opened here only, and every
 * one of their values joins the job's redactor before the first call.
 */
import { CloudCheckError, discoverResources, testConnection, type CheckOptions, type CloudIdentity, type DiscoveredResource, type ResourceKind } from '../cloud/index.js';
import { terraformVersion } from '../terraform/index.js';
import type { HandlerOutcome } from './handlers.js';
import type { JobContext } from './index.js';
import type { DiscoveredResourceInput, JobIdentity } from './store.js';

/** How the cloud checks of a Tendril run (from CLOUD_TIMEOUT_SECONDS and CLOUD_MAX_RESOURCES). */
export interface CloudCheckSettings {
  /** How long one HTTP call to a cloud may take. */
  timeoutMs: number;
  /** The most resources one discovery keeps; more is reported as truncated. */
  maxResources: number;
}

const RESOURCE_KINDS: readonly ResourceKind[] = ['network', 'subnet', 'dns_zone'];

/** What a discovery reports in a job's result (FETCH_RESOURCES: the result; CONNECTION_TEST: its `discovery`). */
export interface DiscoveryResult {
  discovered: number;
  kinds: Record<string, number>;
  truncated: boolean;
  message?: string;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** Where a Tendril's own credentials come from, per provider, in words (the job's log). */
const TENDRIL_OWN: Record<string, string> = {
  aws: 'its task or instance role, or whatever its environment gives the AWS SDK',
  gcp: 'the service account of the machine it runs on, from the metadata server',
  azure: 'the managed identity of the machine it runs on',
};

function missing(identity: JobIdentity, what: string): CloudCheckError {
  return new CloudCheckError('no_credentials', `Identity ${identity.name} has no ${what} stored: delete it and add it again with its ${what}.`);
}

/** The identity as src/cloud takes it: snake_case config, the opened credentials. */
export function cloudIdentity(identity: JobIdentity): CloudIdentity {
  const c = identity.config;
  const creds = identity.credentials ?? {};
  const endpoint = str(c.endpoint);
  const withEndpoint = endpoint ? { endpoint } : {};
  switch (identity.provider) {
    case 'aws': {
      const role = str(c.role_arn);
      const externalId = str(c.external_id);
      const keys = str(creds.access_key_id) && str(creds.secret_access_key) ? { access_key_id: creds.access_key_id!, secret_access_key: creds.secret_access_key! } : null;
      return { provider: 'aws', config: { region: str(c.region) ?? '', ...(role ? { role_arn: role } : {}), ...(externalId ? { external_id: externalId } : {}), ...withEndpoint }, credentials: keys };
    }
    case 'gcp': {
      const key = str(creds.service_account_key);
      // A pool's Tendril with no key: the service account of the machine it runs on (its metadata server).
      if (!key && !identity.ambient) throw missing(identity, 'service-account key');
      return { provider: 'gcp', config: { project_id: str(c.project_id) ?? '', region: str(c.region) ?? '', ...withEndpoint }, credentials: key ? { service_account_key: key } : null };
    }
    case 'azure': {
      const secret = str(creds.client_secret);
      // A pool's Tendril with no secret: the managed identity of the machine it runs on.
      if (!secret && !identity.ambient) throw missing(identity, 'client secret');
      return {
        provider: 'azure',
        config: { tenant_id: str(c.tenant_id) ?? '', client_id: str(c.client_id) ?? '', subscription_id: str(c.subscription_id) ?? '', region: str(c.region) ?? '', ...withEndpoint },
        credentials: secret ? { client_secret: secret } : null,
      };
    }
    case 'local':
      throw new Error('the local sandbox is not a cloud identity');
  }
}

/**
 * Every value of the identity's credentials, and of a GCP key file the private key in its own
 * lines and as it appears JSON-escaped: none of them may reach a log line, a result or an error.
 */
export function credentialSecrets(identity: Pick<JobIdentity, 'credentials'>): string[] {
  const values = Object.values(identity.credentials ?? {}).filter((v): v is string => typeof v === 'string' && v.length > 0);
  const out = [...values];
  for (const v of values) {
    let privateKey: unknown;
    try {
      privateKey = (JSON.parse(v) as { private_key?: unknown }).private_key;
    } catch {
      continue;
    }
    if (typeof privateKey !== 'string') continue;
    out.push(privateKey, JSON.stringify(privateKey).slice(1, -1));
    for (const line of privateKey.split('\n')) if (line.length >= 16 && !line.startsWith('-----')) out.push(line.trim());
  }
  return out;
}

function checkOptions(ctx: JobContext): CheckOptions {
  const s = ctx.deps.cloud;
  return {
    signal: ctx.signal,
    log: (line) => ctx.logs.system(line),
    ...(s ? { timeoutMs: s.timeoutMs, maxResources: s.maxResources } : {}),
  };
}

/** One row per (kind, external id): the table's key; a listing that repeats an item keeps its first. */
function snapshot(resources: DiscoveredResource[]): DiscoveredResourceInput[] {
  const seen = new Set<string>();
  const out: DiscoveredResourceInput[] = [];
  for (const r of resources) {
    const key = `${r.kind}\u0000${r.external_id}`;
    if (!r.external_id || seen.has(key)) continue;
    seen.add(key);
    out.push({ kind: r.kind, external_id: r.external_id, name: r.name, region: r.region, data: r.data });
  }
  return out;
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** Lists the account's resources and replaces the identity's snapshot with them, in one transaction. */
async function discover(ctx: JobContext, identity: CloudIdentity, opts: CheckOptions): Promise<DiscoveryResult> {
  const found = await discoverResources(identity, opts);
  const rows = snapshot(found.resources);
  await ctx.store.replaceDiscovered(ctx.job, rows);
  const kinds: Record<string, number> = Object.fromEntries(RESOURCE_KINDS.map((k) => [k, rows.filter((r) => r.kind === k).length]));
  ctx.logs.system(
    `discovered ${plural(rows.length, 'resource', 'resources')} (${plural(kinds.network!, 'network', 'networks')}, ${plural(kinds.subnet!, 'subnet', 'subnets')}, ${plural(kinds.dns_zone!, 'DNS zone', 'DNS zones')}): they replace the identity's previous snapshot`,
  );
  if (found.truncated) ctx.logs.system(`discovery truncated: ${found.message ?? 'the resource limit was reached'}`, 'warn');
  return { discovered: rows.length, kinds, truncated: found.truncated, ...(found.message ? { message: found.message } : {}) };
}

const isCancel = (ctx: JobContext, err: unknown) => ctx.signal.aborted || (err instanceof CloudCheckError && err.code === 'cancelled');

async function cloudJob(ctx: JobContext, identity: JobIdentity, kind: 'test' | 'discover'): Promise<HandlerOutcome> {
  ctx.addSecrets(credentialSecrets(identity));
  const endpoint = str(identity.config.endpoint);
  ctx.logs.system(`${kind === 'test' ? 'testing the connection of' : 'discovering the resources of'} ${identity.provider} identity ${identity.name}${endpoint ? ` through the custom endpoint ${endpoint}` : ''}`);
  if (identity.ambient) ctx.logs.system(`its credentials come from this Tendril (${TENDRIL_OWN[identity.provider] ?? 'its own'}): nothing is stored with the identity`);
  const opts = checkOptions(ctx);
  let cloud: CloudIdentity;
  try {
    cloud = cloudIdentity(identity);
  } catch (err) {
    if (kind === 'test' && err instanceof CloudCheckError) await ctx.store.recordTest(ctx.job, 'FAILED', ctx.redact(err.message));
    throw err;
  }
  if (kind === 'discover') return { result: { ...(await discover(ctx, cloud, opts)) } };

  let report;
  try {
    report = await testConnection(cloud, opts);
  } catch (err) {
    // A failure the user can act on becomes the identity's last test; a cancel leaves it as it was.
    if (err instanceof CloudCheckError && !isCancel(ctx, err)) await ctx.store.recordTest(ctx.job, 'FAILED', ctx.redact(err.message));
    throw err;
  }
  ctx.logs.system(report.summary);
  await ctx.store.recordTest(ctx.job, 'SUCCESS', ctx.redact(report.summary));

  // The seed's "cache discovered resources": a working connection is followed by a discovery.
  let discovery: DiscoveryResult | { error: string; code: string };
  try {
    discovery = await discover(ctx, cloud, opts);
  } catch (err) {
    if (isCancel(ctx, err) || !(err instanceof CloudCheckError)) throw err;
    const message = ctx.redact(err.message);
    ctx.logs.system(`the connection works, but discovering resources failed: ${message}`, 'warn');
    await ctx.store.recordTest(ctx.job, 'SUCCESS', ctx.redact(`${report.summary} Resources were not discovered: ${message}`));
    discovery = { error: message, code: err.code };
  }
  return { result: { provider: report.provider, summary: ctx.redact(report.summary), details: report.details, discovery } };
}

/** The sandbox: Terraform answers, the state store is reachable; its "resources" are the user's vines' Terraform states. */
async function localJob(ctx: JobContext, kind: 'test' | 'discover'): Promise<HandlerOutcome> {
  const version = await terraformVersion(ctx.deps.terraformBin, ctx.signal);
  ctx.logs.system(`terraform: ${version}`);
  const states = await ctx.store.states(ctx.job);
  ctx.logs.system(`state store: reachable, ${states.length} Terraform state${states.length === 1 ? '' : 's'} of your vines`);
  if (kind === 'test') {
    await ctx.store.recordTest(ctx.job, 'SUCCESS', `Terraform ${version}; state store reachable`);
    return { result: { terraform: version, backend: 'http', states: states.length } };
  }
  await ctx.store.replaceDiscovered(
    ctx.job,
    states.map((s) => ({ kind: 'state', external_id: s.key, name: s.name, region: 'local', data: { backend: 'http', serial: s.serial } })),
  );
  return { result: { discovered: states.length, kinds: { state: states.length } } };
}

export async function identityJob(ctx: JobContext, kind: 'test' | 'discover'): Promise<HandlerOutcome> {
  const identity = await ctx.store.identity(ctx.job);
  return identity.provider === 'local' ? localJob(ctx, kind) : cloudJob(ctx, identity, kind);
}
