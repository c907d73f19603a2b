/**
 * grape pools [add | show | rm | tokens | token-add | token-revoke | deploy | destroy-worker]:
 * Tendril pools and their tokens, and their Tendrils deployed into AWS (DEPLOY_WORKER /
 * DESTROY_WORKER, followed like any job). A new token goes to stdout alone
 * (`TOKEN=$(grape pools token-add edge --name ecs)`), how to use it to stderr; it is never shown again.
 */
import { COMMON_OPTIONS, JSON_OPTION, type Command, type Values } from '../command.js';
import { EXIT, GrapeError, usage } from '../errors.js';
import { ago, paint, printJson, status, table } from '../output.js';
import { waitForJob } from '../wait.js';
import { all, identityId, pool as findPool, type JobJson, type PoolJson, type PoolTendrilJson, type PoolTokenCreatedJson, type PoolTokenJson } from '../resolve.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `grape pools deploy` options → the API's settings (as the API names them); numbers as numbers, lists split on commas. */
const DEPLOY_OPTIONS: Array<[option: string, setting: string, kind: 'string' | 'number' | 'list' | 'bool']> = [
  ['image', 'image', 'string'],
  ['trellis-url', 'trellis_url', 'string'],
  ['count', 'desired_count', 'number'],
  ['concurrency', 'concurrency', 'number'],
  ['cpu', 'cpu', 'number'],
  ['memory', 'memory', 'number'],
  ['arch', 'cpu_architecture', 'string'],
  ['cluster', 'cluster_arn', 'string'],
  ['subnets', 'subnet_ids', 'list'],
  ['security-groups', 'security_group_ids', 'list'],
  ['public-ip', 'assign_public_ip', 'bool'],
  ['log-retention', 'log_retention_days', 'number'],
];

/** Settings whose `none` clears the last deployment's value (the API's null / []). */
const CLEARABLE = new Set(['cluster_arn', 'subnet_ids', 'security_group_ids']);

function deploySettings(values: Values): Record<string, unknown> {
  const settings: Record<string, unknown> = {};
  for (const [option, setting, kind] of DEPLOY_OPTIONS) {
    const raw = values[option];
    if (typeof raw !== 'string') continue;
    if (CLEARABLE.has(setting) && raw.toLowerCase() === 'none') settings[setting] = kind === 'list' ? [] : null;
    else if (kind === 'number') settings[setting] = /^\d+$/.test(raw) ? Number(raw) : raw;
    else if (kind === 'list') settings[setting] = raw.split(/[\s,]+/).filter(Boolean);
    else if (kind === 'bool') {
      if (!/^(yes|no|true|false)$/.test(raw)) throw usage(`--public-ip takes yes or no, not "${raw}"`);
      settings[setting] = raw === 'yes' || raw === 'true';
    } else settings[setting] = raw;
  }
  return settings;
}

const identityNames = (p: PoolJson) => p.identities.map((i) => (i.credentials_from_pool ? `${i.name}*` : i.name)).join(', ') || '-';
const tokenState = (k: PoolTokenJson, color: boolean) => (k.revoked_at ? `${paint(color, 'dim', 'revoked')} ${ago(k.revoked_at)}` : paint(color, 'green', 'active'));

export const pools: Command = {
  name: 'pools',
  usage: 'grape pools [add NAME [--description TEXT] | show NAME | rm NAME | tokens NAME | token-add NAME --name X | token-revoke NAME TOKEN | deploy NAME --identity I [settings…] | destroy-worker NAME [--identity I]] [--no-wait] [--json]',
  summary: 'Tendril pools: your own Tendrils, their tokens, the identities that use them',
  details: `  (no action)        list your pools: Tendrils online, running jobs, identities bound
  add NAME           a new pool (lowercase letters, digits and hyphens); --description TEXT
  show NAME          the pool: its Tendrils (where they run, last seen, version), tokens, identities
  rm NAME            delete it and its tokens (refused while identities are bound or its Tendrils
                     run jobs: the answer names them)
  tokens NAME        its tokens (never the tokens themselves): name, prefix, last used, revoked
  token-add NAME --name X
                     make a token: printed this once, alone on stdout; start a Tendril with
                     TRELLIS_URL=… TENDRIL_TOKEN=<it> npm run worker
  token-revoke NAME TOKEN
                     revoke a token (its id, name or prefix): the Tendrils holding it are refused
                     from their next request
  deploy NAME --identity I
                     deploy (or update) the pool's Tendrils in the AWS account of identity I
                     (DEPLOY_WORKER: ECS Fargate, a new pool token in Secrets Manager; its log
                     streamed until it ends). Settings left out keep the last deployment's:
                     --image REF --trellis-url URL --count N --concurrency N --cpu UNITS
                     --memory MIB --arch X86_64|ARM64 --cluster ARN --subnets ID,ID
                     --security-groups ID,ID --public-ip yes|no --log-retention DAYS
                     (--cluster, --subnets, --security-groups none: back to a cluster of
                     their own, the default VPC's subnets, no extra security groups)
  destroy-worker NAME [--identity I]
                     remove the pool's Tendrils from AWS and revoke their tokens (DESTROY_WORKER;
                     with the last deployment's identity unless --identity names another)
  --no-wait          deploy, destroy-worker: queue the job and return (grape logs JOB --follow)
  Bind an identity: grape identities bind IDENTITY POOL (unbind IDENTITY).`,
  options: {
    ...COMMON_OPTIONS, ...JSON_OPTION, description: { type: 'string' }, name: { type: 'string' }, identity: { type: 'string' }, 'no-wait': { type: 'boolean' },
    ...Object.fromEntries(DEPLOY_OPTIONS.map(([option]) => [option, { type: 'string' as const }])),
  },
  async run(ctx, values, args) {
    const api = ctx.api();
    const [action, ref, ...rest] = args;
    const one = (what: string) => {
      if (!ref) throw usage(`grape pools ${what}`);
      if (rest.length) throw usage(`unexpected arguments: ${rest.join(' ')}`);
      return ref;
    };

    if (action === 'add' || action === 'create') {
      const name = one('add NAME [--description TEXT]');
      const created = await api.call<PoolJson>('POST', '/pools', { name, ...(values.description !== undefined ? { description: values.description } : {}) });
      if (values.json) printJson(ctx.io, created);
      else ctx.io.stdout.write(`Created pool ${created.name}. Make a token for its Tendrils: grape pools token-add ${created.name} --name NAME\n`);
      return EXIT.OK;
    }

    if (action === 'rm' || action === 'delete') {
      const found = await findPool(api, one('rm NAME'));
      await api.call('DELETE', `/pools/${found.id}`);
      if (values.json) printJson(ctx.io, { deleted: found.id });
      else ctx.io.stdout.write(`Deleted pool ${found.name} and its tokens\n`);
      return EXIT.OK;
    }

    if (action === 'show') {
      const found = await findPool(api, one('show NAME'));
      const [tendrils, tokens] = await Promise.all([all<PoolTendrilJson>(api, `/pools/${found.id}/tendrils`), all<PoolTokenJson>(api, `/pools/${found.id}/tokens`)]);
      if (values.json) {
        printJson(ctx.io, { ...found, tendrils, tokens });
        return EXIT.OK;
      }
      const out = ctx.io.stdout;
      out.write(`${paint(ctx.color, 'bold', found.name)}${found.description ? ` — ${found.description}` : ''}\n`);
      out.write(`Tendrils online: ${found.tendrils_online} · running jobs: ${found.running_jobs} · active tokens: ${found.active_tokens}\n`);
      out.write(`Identities: ${found.identities.length ? found.identities.map((i) => `${i.name} (${i.provider}${i.credentials_from_pool ? ', credentials from the pool' : ''})`).join(', ') : 'none bound (grape identities bind IDENTITY POOL)'}\n\n`);
      if (tendrils.length) {
        out.write(table(['TENDRIL', 'STATUS', 'WHERE', 'SEEN', 'JOBS', 'VERSION'], tendrils.map((x) => [x.name, status(ctx.color, x.status), x.location ?? x.host, ago(x.last_seen_at), `${x.running_jobs}/${x.concurrency}`, x.version])));
      } else {
        out.write(`No Tendril of this pool has connected yet: start one with TRELLIS_URL=${api.session.url} TENDRIL_TOKEN=<a token> npm run worker\n`);
      }
      out.write('\n');
      if (tokens.length) out.write(table(['TOKEN', 'NAME', 'PREFIX', 'CREATED', 'LAST USED', 'STATUS'], tokens.map((k) => [k.id, k.name, `${k.prefix}…`, ago(k.created_at), ago(k.last_used_at), tokenState(k, ctx.color)])));
      else out.write(`No token yet: grape pools token-add ${found.name} --name NAME\n`);
      return EXIT.OK;
    }

    if (action === 'tokens') {
      const found = await findPool(api, one('tokens NAME'));
      const tokens = await all<PoolTokenJson>(api, `/pools/${found.id}/tokens`);
      if (values.json) printJson(ctx.io, tokens);
      else if (!tokens.length) ctx.io.stdout.write(`No token yet: grape pools token-add ${found.name} --name NAME\n`);
      else ctx.io.stdout.write(table(['ID', 'NAME', 'PREFIX', 'CREATED', 'LAST USED', 'STATUS'], tokens.map((k) => [k.id, k.name, `${k.prefix}…`, ago(k.created_at), ago(k.last_used_at), tokenState(k, ctx.color)])));
      return EXIT.OK;
    }

    if (action === 'token-add') {
      const name = values.name;
      if (typeof name !== 'string') throw usage('grape pools token-add NAME --name TOKEN_NAME (what the token is for, e.g. ecs-eu-west-1)');
      const found = await findPool(api, one('token-add NAME --name TOKEN_NAME'));
      const made = await api.call<PoolTokenCreatedJson>('POST', `/pools/${found.id}/tokens`, { name });
      if (values.json) printJson(ctx.io, made);
      else {
        ctx.io.stdout.write(`${made.token}\n`);
        ctx.io.stderr.write(
          `Token ${made.name} of pool ${found.name}: shown this once (only its hash is kept). Start a Tendril with it:\n  TRELLIS_URL=${api.session.url} TENDRIL_TOKEN=${made.prefix}… npm run worker\n`,
        );
      }
      return EXIT.OK;
    }

    if (action === 'token-revoke') {
      const [tokenRef, ...extra] = rest;
      if (!ref || !tokenRef) throw usage('grape pools token-revoke NAME TOKEN (its id, name or prefix: grape pools tokens NAME)');
      if (extra.length) throw usage(`unexpected arguments: ${extra.join(' ')}`);
      const found = await findPool(api, ref);
      let tokenId = UUID.test(tokenRef) ? tokenRef : undefined;
      if (!tokenId) {
        const tokens = await all<PoolTokenJson>(api, `/pools/${found.id}/tokens`);
        const matches = tokens.filter((k) => k.name === tokenRef || (tokenRef.length >= 6 && k.prefix.startsWith(tokenRef.replace(/…$/, ''))));
        if (!matches.length) throw new GrapeError(`not found: pool ${found.name} has no token "${tokenRef}" (grape pools tokens ${found.name})`, EXIT.NOT_FOUND);
        if (matches.length > 1) throw new GrapeError(`"${tokenRef}" names ${matches.length} tokens of pool ${found.name}: give its id (grape pools tokens ${found.name})`, EXIT.USAGE);
        tokenId = matches[0]!.id;
      }
      await api.call('DELETE', `/pools/${found.id}/tokens/${tokenId}`);
      if (values.json) printJson(ctx.io, { revoked: tokenId });
      else ctx.io.stdout.write(`Revoked token ${tokenId} of pool ${found.name}: Tendrils holding it are refused from their next request\n`);
      return EXIT.OK;
    }

    if (action === 'deploy' || action === 'destroy-worker') {
      const deploy = action === 'deploy';
      const found = await findPool(api, one(deploy ? 'deploy NAME --identity IDENTITY [settings…]' : 'destroy-worker NAME [--identity IDENTITY]'));
      if (!deploy && DEPLOY_OPTIONS.some(([option]) => values[option] !== undefined)) throw usage('destroy-worker takes no settings: it removes what the last deployment made');
      const identity = typeof values.identity === 'string' ? await identityId(api, values.identity) : undefined;
      const job = await api.call<JobJson>('POST', `/pools/${found.id}/jobs`, {
        type: deploy ? 'DEPLOY_WORKER' : 'DESTROY_WORKER',
        ...(identity ? { identity_id: identity.id } : {}),
        ...(deploy ? { settings: deploySettings(values) } : {}),
      });
      const what = deploy ? `deploying pool ${found.name}'s Tendrils into AWS` : `removing pool ${found.name}'s Tendrils from AWS`;
      if (values['no-wait']) {
        if (values.json) printJson(ctx.io, job);
        else ctx.io.stdout.write(`${job.type} job ${job.id} queued: ${what}. Follow it: grape logs ${job.id} --follow\n`);
        return EXIT.OK;
      }
      if (!values.json) ctx.io.stderr.write(`${job.type} job ${job.id} queued: ${what}\n`);
      return waitForJob(ctx, job, { printLogs: !values.json, json: values.json === true });
    }

    if (action !== undefined) throw usage(`unknown action "${action}": add, show, rm, tokens, token-add, token-revoke, deploy or destroy-worker`);
    const list = await all<PoolJson>(api, '/pools');
    if (values.json) {
      printJson(ctx.io, list);
      return EXIT.OK;
    }
    if (!list.length) ctx.io.stdout.write('No pools yet: grape pools add NAME\n');
    else {
      ctx.io.stdout.write(table(['NAME', 'ONLINE', 'JOBS', 'IDENTITIES', 'TOKENS', 'DESCRIPTION'], list.map((p) => [p.name, String(p.tendrils_online), String(p.running_jobs), identityNames(p), String(p.active_tokens), p.description || '-'])));
      if (list.some((p) => p.identities.some((i) => i.credentials_from_pool))) ctx.io.stdout.write('* its credentials come from the pool’s Tendrils\n');
    }
    return EXIT.OK;
  },
};
