/** grape identities [add | test | discover | delete], grape tendrils. */
import { readFileSync } from 'node:fs';
import { COMMON_OPTIONS, JSON_OPTION, type Command, type Options } from '../command.js';
import { EXIT, GrapeError, usage } from '../errors.js';
import { ago, printJson, status, table } from '../output.js';
import { all, identityId, type IdentityJson, type JobJson, type TendrilJson } from '../resolve.js';
import { waitForJob } from '../wait.js';


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

export const identities: Command = {
  name: 'identities',
  usage: 'grape identities [add NAME --provider P [fields…] | test NAME | discover NAME | delete NAME] [--wait] [--json]',
  summary: 'cloud identities: list, add, test the connection, discover resources, delete',
  details: `  add NAME --provider local|aws|gcp|azure, then the provider's fields:
      aws:   --region R [--role-arn ARN [--external-id X]] [--access-key-id K --secret-access-key S]
      gcp:   --project-id P --region R --service-account-key-file key.json
      azure: --tenant-id T --client-id C --client-secret S --subscription-id S --region LOCATION
      any:   --endpoint URL (a LocalStack-style fake);  -f identity.json instead of flags
    Secrets on a command line land in your shell history: prefer -f for them.
  test NAME          queue a CONNECTION_TEST job      discover NAME   queue a FETCH_RESOURCES job
  --wait             wait for that job and show its log`,
  options: {
    ...COMMON_OPTIONS, ...JSON_OPTION, ...fieldOptions,
    provider: { type: 'string' }, file: { type: 'string', short: 'f' }, 'service-account-key-file': { type: 'string' }, wait: { type: 'boolean' },
  },
  async run(ctx, values, args) {
    const api = ctx.api();
    const [action, name, ...extra] = args;
    if (extra.length) throw usage(`unexpected arguments: ${extra.join(' ')}`);
    if (action === 'add') {
      if (!name) throw usage('grape identities add NAME --provider P');
      const body: Record<string, unknown> = values.file ? readJsonFile(values.file as string, 'a JSON object') : {};
      body.name = name;
      if (values.provider !== undefined) body.provider = values.provider;
      if (body.provider === undefined) throw usage('which provider? --provider local, aws, gcp or azure');
      for (const f of FIELDS) if (values[f] !== undefined) body[snake(f)] = values[f];
      if (values['service-account-key-file']) body.service_account_key = JSON.stringify(readJsonFile(values['service-account-key-file'] as string, 'a service-account key file'));
      const created = await api.call<IdentityJson>('POST', '/identities', body);
      if (values.json) printJson(ctx.io, created);
      else ctx.io.stdout.write(`Added ${created.provider} identity ${created.name}. Check it: grape identities test ${created.name}\n`);
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
      if (values.wait) return waitForJob(ctx, job, { printLogs: !values.json, json: values.json === true });
      if (values.json) printJson(ctx.io, job);
      else ctx.io.stdout.write(`${job.type} job ${job.id} queued. Follow it: grape logs ${job.id} --follow\n`);
      return EXIT.OK;
    }
    if (action !== undefined) throw usage(`unknown action "${action}": add, test, discover or delete`);
    const list = await all<IdentityJson>(api, '/identities');
    if (values.json) {
      printJson(ctx.io, list);
      return EXIT.OK;
    }
    const where = (i: IdentityJson) => [i.config.project_id ?? i.config.subscription_id, i.config.region, i.config.endpoint].filter((x) => x !== undefined).join(' ') || '-';
    ctx.io.stdout.write(
      table(['NAME', 'PROVIDER', 'WHERE', 'SECRETS', 'LAST TEST'], list.map((i) => [i.name, i.provider, where(i), i.has_credentials ? 'stored' : '-', i.last_test_status ? `${status(ctx.color, i.last_test_status)} ${ago(i.last_tested_at)}` : '-'])),
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
        table(['NAME', 'HOST', 'STATUS', 'JOBS', 'TERRAFORM', 'SEEN'], list.map((x) => [x.name, x.host, status(ctx.color, x.status), `${x.running_jobs}/${x.concurrency}`, x.terraform_version ?? '-', ago(x.last_seen_at)])),
      );
    }
    return EXIT.OK;
  },
};
