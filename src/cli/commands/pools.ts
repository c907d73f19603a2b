/**
 * grape pools [add | show | rm | tokens | token-add | token-revoke]: Tendril pools and their
 * tokens. A new token goes to stdout alone (`TOKEN=$(grape pools token-add edge --name ecs)`),
 * how to use it to stderr; it is never shown again.
 */
import { COMMON_OPTIONS, JSON_OPTION, type Command } from '../command.js';
import { EXIT, GrapeError, usage } from '../errors.js';
import { ago, paint, printJson, status, table } from '../output.js';
import { all, pool as findPool, type PoolJson, type PoolTendrilJson, type PoolTokenCreatedJson, type PoolTokenJson } from '../resolve.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const identityNames = (p: PoolJson) => p.identities.map((i) => (i.credentials_from_pool ? `${i.name}*` : i.name)).join(', ') || '-';
const tokenState = (k: PoolTokenJson, color: boolean) => (k.revoked_at ? `${paint(color, 'dim', 'revoked')} ${ago(k.revoked_at)}` : paint(color, 'green', 'active'));

export const pools: Command = {
  name: 'pools',
  usage: 'grape pools [add NAME [--description TEXT] | show NAME | rm NAME | tokens NAME | token-add NAME --name X | token-revoke NAME TOKEN] [--json]',
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
  Bind an identity: grape identities bind IDENTITY POOL (unbind IDENTITY).`,
  options: { ...COMMON_OPTIONS, ...JSON_OPTION, description: { type: 'string' }, name: { type: 'string' } },
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

    if (action !== undefined) throw usage(`unknown action "${action}": add, show, rm, tokens, token-add or token-revoke`);
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
