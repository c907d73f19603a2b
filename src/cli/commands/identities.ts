/** grape identities [add | test | discover | resources | delete], grape tendrils. */
import { readFileSync } from 'node:fs';
import { COMMON_OPTIONS, JSON_OPTION, type Command, type Context, type Options, type Values } from '../command.js';
import { EXIT, GrapeError, usage } from '../errors.js';
import { ago, paint, printJson, status, table } from '../output.js';
import { all, identityId, pool as findPool, type DiscoveredResourceJson, type IdentityJson, type JobJson, type TendrilJson } from '../resolve.js';
import { waitForJob } from '../wait.js';
import { resourceCounts } from '../../domain/identities/schema.js';


/** Flags for each provider field (kebab-case on the command line, snake_case in the API). */
const FIELDS = ['region', 'role-arn', 'external-id', 'access-key-id', 'secret-access-key', 'project-id', 'tenant-id', 'client-id', 'client-secret', 'subscription-id', 'endpoint'];
const snake = (s: string) => s.replace(/-/g, '_');
const fieldOptions: Options = Object.fromEntries(FIELDS.map((f) => [f, { type: 'string' as const }]));

function readJsonFile(path: string, what: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new GrapeError(`cannot read ${path}: ${(err as Error).message}`, EXIT.USAGE);
  }
  try {
    const v = JSON.parse(text) as unknown;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not an object');
    return v as Record<string, unknown>;
  } catch (err) {
    throw new GrapeError(`${path} is not ${what}: ${(err as Error).message}`, EXIT.USAGE);
  }
}

/** Where a resource is: a subnet's zone, else its region ("global" for zones and GCP networks). */
const whereOf = (r: DiscoveredResourceJson) => String(r.data.availability_zone ?? r.data.region ?? r.region ?? 'global');
function detailOf(r: DiscoveredResourceJson): string {
  if (r.kind === 'network') return r.data.is_default === true ? 'default' : '';
  if (r.kind === 'subnet') return [r.data.network_id ? `in ${String(r.data.network_id).split('/').pop()}` : '', r.data.public === true ? 'public' : ''].filter(Boolean).join(', ');
  if (r.kind === 'dns_zone') return `${r.data.private === true ? 'private' : 'public'}${typeof r.data.record_count === 'number' ? `, ${r.data.record_count} records` : ''}`;
  return '';
}
const cidrOf = (r: DiscoveredResourceJson) => (Array.isArray(r.data.cidr_blocks) ? r.data.cidr_blocks.join(',') : typeof r.data.cidr === 'string' ? r.data.cidr : r.kind === 'dns_zone' ? String(r.data.domain_name ?? '') : '') || '-';

/** A CONNECTION_TEST or FETCH_RESOURCES job waited for: its outcome in a sentence (or JSON), and the exit code. */
async function waitAndReport(ctx: Context, values: Values, identity: { id: string; name: string }, job: JobJson): Promise<number> {
  const api = ctx.api();
  const code = await waitForJob(ctx, job, { printLogs: values.logs === true, json: false, quiet: true });
  const [done, now] = await Promise.all([api.call<JobJson>('GET', `/jobs/${job.id}`), api.call<IdentityJson>('GET', `/identities/${identity.id}`)]);
  if (values.json) {
    printJson(ctx.io, { job: done, identity: now });
    return code;
  }
  const ok = done.status === 'SUCCESS';
  type Found = { kinds?: Record<string, number>; truncated?: boolean; message?: string; error?: string };
  const result = (done.result ?? {}) as Found & { summary?: unknown; discovery?: Found };
  if (!ok) {
    const why = done.status === 'CANCELLED' ? `cancelled${done.error ? ` (${done.error})` : ''}` : (done.error ?? 'failed');
    ctx.io.stderr.write(`${paint(ctx.color, 'red', '✘')} ${identity.name}: ${why}\n`);
    return code;
  }
  const found: Found | undefined = done.type === 'FETCH_RESOURCES' ? result : result.discovery;
  if (done.type === 'CONNECTION_TEST') ctx.io.stdout.write(`${paint(ctx.color, 'green', '✔')} ${identity.name}: ${now.last_test_message ?? String(result.summary ?? 'SUCCESS')}\n`);
  if (found?.kinds) {
    ctx.io.stdout.write(`${done.type === 'FETCH_RESOURCES' ? `${paint(ctx.color, 'green', '✔')} ${identity.name}: discovered` : '  discovered'} ${resourceCounts(found.kinds, 'nothing')} (grape identities resources ${identity.name})\n`);
    if (found.truncated) ctx.io.stderr.write(`warning: ${found.message ?? 'the discovery was truncated'}\n`);
  } else if (found?.error && done.type === 'CONNECTION_TEST') {
    ctx.io.stderr.write(`warning: resources were not discovered: ${found.error}\n`);
  }
  return code;
}

export const identities: Command = {
  name: 'identities',
  usage: 'grape identities [add NAME --provider P [fields…] | test NAME | discover NAME | resources NAME [--kind K] | bind NAME POOL | unbind NAME | delete NAME] [--no-wait] [--json]',
  summary: 'cloud identities: list, add, test the connection, discover and list resources, bind to a pool, delete',
  details: `  add NAME --provider local|aws|gcp|azure, then the provider's fields:
      aws:   --region R [--role-arn ARN [--external-id X]] [--access-key-id K --secret-access-key S]
      gcp:   --project-id P --region R --service-account-key-file key.json
      azure: --tenant-id T --client-id C --client-secret S --subscription-id S --region LOCATION
      any:   --endpoint URL (a LocalStack-style fake);  -f identity.json instead of flags
             --pool POOL: its jobs run only on that Tendril pool's Tendrils
             --credentials-from-pool: with --pool, no secrets: the pool's Tendrils supply them
               (AWS task role, GCP workload identity, Azure managed identity)
    Secrets on a command line land in your shell history: prefer -f for them.
  bind NAME POOL     its jobs run only on the Tendrils of POOL (refused while one of its jobs is
                     queued or running); --credentials-from-pool: and its credentials come from
                     them (the stored ones are deleted)
  unbind NAME        its jobs run on Vintner's own Tendrils again
  test NAME          check the credentials with the cloud (a CONNECTION_TEST job, which then
                     discovers resources); waits for it: exit 0 and the account on success,
                     exit 1 and the reason on failure
  discover NAME      list the account's networks, subnets and DNS zones again (FETCH_RESOURCES)
  resources NAME     what the last discovery found; --kind network|subnet|dns_zone for one kind
  --no-wait          test, discover: queue the job and return (follow it with grape logs JOB)
  --logs             test, discover: show the job's log while waiting`,
  options: {
    ...COMMON_OPTIONS, ...JSON_OPTION, ...fieldOptions,
    provider: { type: 'string' }, file: { type: 'string', short: 'f' }, 'service-account-key-file': { type: 'string' },
    wait: { type: 'boolean' }, 'no-wait': { type: 'boolean' }, logs: { type: 'boolean' }, kind: { type: 'string' },
    pool: { type: 'string' }, 'credentials-from-pool': { type: 'boolean' },
  },
  async run(ctx, values, args) {
    const api = ctx.api();
    const [action, name, ...extra] = args;
    if (action === 'bind' || action === 'unbind') {
      const poolRef = action === 'bind' ? extra.shift() : undefined;
      if (!name || (action === 'bind' && !poolRef)) throw usage(action === 'bind' ? 'grape identities bind IDENTITY POOL [--credentials-from-pool]' : 'grape identities unbind IDENTITY');
      if (extra.length) throw usage(`unexpected arguments: ${extra.join(' ')}`);
      const identity = await identityId(api, name);
      const target = poolRef ? await findPool(api, poolRef) : undefined;
      const patch: Record<string, unknown> = { pool_id: target?.id ?? null };
      if (values['credentials-from-pool']) patch.credentials_from_pool = true;
      else if (action === 'unbind') patch.credentials_from_pool = false;
      const updated = await api.call<IdentityJson>('PATCH', `/identities/${identity.id}`, patch);
      if (values.json) printJson(ctx.io, updated);
      else if (updated.pool_name) ctx.io.stdout.write(`Identity ${updated.name} now runs its jobs only on the Tendrils of pool ${updated.pool_name}${updated.credentials_from_pool ? ', with their credentials' : ''}\n`);
      else ctx.io.stdout.write(`Identity ${updated.name} now runs its jobs on Vintner's own Tendrils\n`);
      return EXIT.OK;
    }
    if (extra.length) throw usage(`unexpected arguments: ${extra.join(' ')}`);
    if (action === 'add') {
      if (!name) throw usage('grape identities add NAME --provider P');
      const body: Record<string, unknown> = values.file ? readJsonFile(values.file as string, 'a JSON object') : {};
      body.name = name;
      if (values.provider !== undefined) body.provider = values.provider;
      if (body.provider === undefined) throw usage('which provider? --provider local, aws, gcp or azure');
      for (const f of FIELDS) if (values[f] !== undefined) body[snake(f)] = values[f];
      if (values['service-account-key-file']) body.service_account_key = JSON.stringify(readJsonFile(values['service-account-key-file'] as string, 'a service-account key file'));
      if (values.pool !== undefined) body.pool_id = (await findPool(api, values.pool as string)).id;
      if (values['credentials-from-pool']) body.credentials_from_pool = true;
      const created = await api.call<IdentityJson>('POST', '/identities', body);
      if (values.json) printJson(ctx.io, created);
      else ctx.io.stdout.write(`Added ${created.provider} identity ${created.name}. Check it: grape identities test ${created.name}\n`);
      return EXIT.OK;
    }
    if (action === 'resources') {
      if (!name) throw usage('grape identities resources NAME [--kind network|subnet|dns_zone]');
      const identity = await api.call<IdentityJson>('GET', `/identities/${(await identityId(api, name)).id}`);
      const kind = values.kind as string | undefined;
      const list = await all<DiscoveredResourceJson>(api, `/identities/${identity.id}/resources${kind !== undefined ? `?kind=${encodeURIComponent(kind)}` : ''}`);
      if (values.json) {
        printJson(ctx.io, list);
        return EXIT.OK;
      }
      const d = identity.discovery;
      if (!d) ctx.io.stderr.write(`${identity.name} has not discovered its resources yet: grape identities discover ${identity.name}\n`);
      else {
        ctx.io.stderr.write(`Discovered ${ago(d.at)}${d.stale ? ' (older than a day: grape identities discover ' + identity.name + ')' : ''}: ${resourceCounts(d.kinds, 'nothing')}\n`);
        if (d.truncated) ctx.io.stderr.write(`warning: ${d.message ?? 'truncated'}\n`);
      }
      if (list.length) ctx.io.stdout.write(table(['KIND', 'NAME', 'ID', 'CIDR / DOMAIN', 'WHERE', 'DETAILS'], list.map((r) => [r.kind, r.name ?? '-', r.external_id, cidrOf(r), whereOf(r), detailOf(r) || '-'])));
      else if (d) ctx.io.stdout.write(`No ${kind ? `${kind} ` : ''}resources found.\n`);
      return EXIT.OK;
    }
    if (action === 'test' || action === 'discover' || action === 'delete') {
      if (!name) throw usage(`grape identities ${action} NAME`);
      const identity = await identityId(api, name);
      if (action === 'delete') {
        await api.call('DELETE', `/identities/${identity.id}`);
        if (values.json) printJson(ctx.io, { deleted: identity.id });
        else ctx.io.stdout.write(`Deleted identity ${identity.name}\n`);
        return EXIT.OK;
      }
      const job = await api.call<JobJson>('POST', `/identities/${identity.id}/${action}`);
      if (values['no-wait']) {
        if (values.json) printJson(ctx.io, job);
        else ctx.io.stdout.write(`${job.type} job ${job.id} queued. Follow it: grape logs ${job.id} --follow\n`);
        return EXIT.OK;
      }
      return waitAndReport(ctx, values, identity, job);
    }
    if (action !== undefined) throw usage(`unknown action "${action}": add, test, discover, resources, bind, unbind or delete`);
    const list = await all<IdentityJson>(api, '/identities');
    if (values.json) {
      printJson(ctx.io, list);
      return EXIT.OK;
    }
    const where = (i: IdentityJson) => [i.config.project_id ?? i.config.subscription_id, i.config.region, i.config.endpoint].filter((x) => x !== undefined).join(' ') || '-';
    const found = (i: IdentityJson) => (i.discovery ? `${i.discovery.resources} ${ago(i.discovery.at)}${i.discovery.stale ? ' (old)' : ''}` : '-');
    ctx.io.stdout.write(
      table(['NAME', 'PROVIDER', 'WHERE', 'POOL', 'SECRETS', 'LAST TEST', 'RESOURCES'], list.map((i) => [i.name, i.provider, where(i), i.pool_name ?? '-', i.credentials_from_pool ? 'from pool' : i.has_credentials ? 'stored' : '-', i.last_test_status ? `${status(ctx.color, i.last_test_status)} ${ago(i.last_tested_at)}` : '-', found(i)])),
    );
    return EXIT.OK;
  },
};


export const tendrils: Command = {
  name: 'tendrils',
  usage: 'grape tendrils [--json]',
  summary: 'the workers: running ones, and those stopped in the last day',
  details: '',
  options: { ...COMMON_OPTIONS, ...JSON_OPTION },
  async run(ctx, values, args) {
    if (args.length) throw usage(`unexpected arguments: ${args.join(' ')}`);
    const list = await all<TendrilJson>(ctx.api(), '/tendrils');
    if (values.json) {
      printJson(ctx.io, list);
      return EXIT.OK;
    }
    if (!list.length) ctx.io.stdout.write('No Tendril is running: start one with npm run worker (or npm start)\n');
    else {
      ctx.io.stdout.write(
        table(['NAME', 'HOST', 'POOL', 'STATUS', 'JOBS', 'TERRAFORM', 'SEEN'], list.map((x) => [x.name, x.location ?? x.host, x.pool_name ?? '-', status(ctx.color, x.status), `${x.running_jobs}/${x.concurrency}`, x.terraform_version ?? '-', ago(x.last_seen_at)])),
      );
    }
    return EXIT.OK;
  },
};
