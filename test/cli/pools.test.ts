/**
 * grape pools and grape identities bind/unbind, the real binary against a real Trellis: tables
 * and --json, a token printed once (alone on stdout), revoke by name, one-line errors with their
 * exit codes (usage 2, not found 4, refused 1 with the server's reason).
 */
import t from 'tap';
import { signupWithToken } from '../api/helpers.js';
import { grape, startServer } from './helpers.js';
import { EXIT } from '../../src/cli/errors.js';
import { authenticatePoolToken } from '../../src/domain/pools/service.js';

t.test('grape pools: add, list, token-add once, tokens, token-revoke, show, bind, rm', { timeout: 120_000 }, async (t) => {
  const server = await startServer(t);
  const ada = await signupWithToken(server.app);
  const env = { VINTNER_URL: server.url, VINTNER_TOKEN: ada.token, HOME: t.testdir({}) };
  const g = (args: string[]) => grape(args, env);

  const none = await g(['pools']);
  t.same([none.code, none.stdout], [0, 'No pools yet: grape pools add NAME\n'], 'none yet');
  const add = await g(['pools', 'add', 'edge', '--description', 'ECS in eu-west-1']);
  t.equal(add.code, 0, `added ${add.stderr}`);
  t.equal(add.stdout, 'Created pool edge. Make a token for its Tendrils: grape pools token-add edge --name NAME\n');
  const bad = await g(['pools', 'add', 'Edge Pool']);
  t.equal(bad.code, EXIT.USAGE, 'a bad name: exit 2');
  t.match(bad.stderr, /^grape pools: invalid request body\n {2}name: is not valid: expected lowercase letters, digits and hyphens/, 'one line, then the field');
  const dup = await g(['pools', 'add', 'edge']);
  t.match(dup.stderr, 'name: a pool named "edge" already exists', 'a taken name');

  const made = await g(['pools', 'token-add', 'edge', '--name', 'ecs-service']);
  t.equal(made.code, 0, `token made ${made.stderr}`);
  t.match(made.stdout, /^vtp_[A-Za-z0-9_-]{43}\n$/, 'the token alone on stdout');
  const token = made.stdout.trim();
  t.match(made.stderr, `Token ecs-service of pool edge: shown this once (only its hash is kept). Start a Tendril with it:\n  TRELLIS_URL=${server.url} TENDRIL_TOKEN=${token.slice(0, 12)}… npm run worker\n`, 'how to use it, on stderr');
  t.notOk(made.stderr.includes(token), 'the token printed once only');
  t.ok(await authenticatePoolToken(server.db.knex, token), 'a working pool token');
  t.equal((await g(['pools', 'token-add', 'edge'])).code, EXIT.USAGE, 'token-add needs --name');
  const second = JSON.parse((await g(['pools', 'token-add', 'edge', '--name', 'laptop', '--json'])).stdout);
  t.match(second, { name: 'laptop', token: /^vtp_/, revoked_at: null }, '--json: the created token, with the token');

  const tokens = await g(['pools', 'tokens', 'edge']);
  t.match(tokens.stdout, /^ID\s+NAME\s+PREFIX\s+CREATED\s+LAST USED\s+STATUS\n/, 'a table of tokens');
  t.match(tokens.stdout, new RegExp(`ecs-service\\s+${token.slice(0, 12)}…\\s+\\d+ s ago\\s+\\d+ s ago\\s+active`), 'named, prefixed, used once, active');
  t.notOk(tokens.stdout.includes(token), 'never the token');
  const revoke = await g(['pools', 'token-revoke', 'edge', 'ecs-service']);
  t.equal(revoke.code, 0, `revoked by name ${revoke.stderr}`);
  t.match(revoke.stdout, /^Revoked token [0-9a-f-]{36} of pool edge: Tendrils holding it are refused from their next request\n$/);
  t.equal(await authenticatePoolToken(server.db.knex, token), undefined, 'refused at once');
  const jsonTokens = JSON.parse((await g(['pools', 'tokens', 'edge', '--json'])).stdout);
  t.same(jsonTokens.map((k: { name: string; revoked_at: string | null }) => [k.name, k.revoked_at !== null]), [['laptop', false], ['ecs-service', true]], '--json: newest first, one revoked');
  const noSuch = await g(['pools', 'token-revoke', 'edge', 'nope']);
  t.same([noSuch.code, noSuch.stderr], [EXIT.NOT_FOUND, 'grape pools: not found: pool edge has no token "nope" (grape pools tokens edge)\n'], 'an unknown token: exit 4, one line');
  t.equal((await g(['pools', 'token-revoke', 'edge', second.id])).code, 0, 'revoked by id');

  // A Tendril of the pool, as the agent API registers it.
  const pool = JSON.parse((await g(['pools', 'show', 'edge', '--json'])).stdout);
  await server.db.knex('tendrils').insert({ name: 'tendril-ecs-1', host: 'ip-10-0-1-5', pid: 1, version: '0.1.0', terraform_version: '1.9.8', concurrency: 2, pool_id: pool.id, location: 'ecs:eu-west-1/edge/3f2a' });

  const bind = await g(['identities', 'bind', 'sandbox', 'edge']);
  t.same([bind.code, bind.stdout], [0, 'Identity sandbox now runs its jobs only on the Tendrils of pool edge\n'], 'bound');
  const aws = await g(['identities', 'add', 'prod', '--provider', 'aws', '--region', 'eu-west-1', '--pool', 'edge', '--credentials-from-pool']);
  t.equal(aws.code, 0, `an AWS identity on the pool's task role ${aws.stderr}`);
  const ids = await g(['identities']);
  t.match(ids.stdout, /prod\s+aws\s+eu-west-1\s+edge\s+from pool/, 'the identities table shows the pool and where the credentials come from');
  t.match(ids.stdout, /sandbox\s+local\s+-\s+edge\s+-/, 'and the bound sandbox');

  const list = await g(['pools']);
  t.match(list.stdout, /^NAME\s+ONLINE\s+JOBS\s+IDENTITIES\s+TOKENS\s+DESCRIPTION\nedge\s+1\s+0\s+prod\*, sandbox\s+0\s+ECS in eu-west-1\n\* its credentials come from the pool’s Tendrils\n$/, 'the list: one online, both identities, no active token');
  const show = await g(['pools', 'show', 'edge']);
  t.match(show.stdout, 'Identities: prod (aws, credentials from the pool), sandbox (local)', 'show: the identities');
  t.match(show.stdout, /tendril-ecs-1\s+RUNNING\s+ecs:eu-west-1\/edge\/3f2a\s+\d+ s ago\s+0\/2\s+0\.1\.0/, 'show: its Tendril, where it runs');
  const tendrils = await g(['tendrils']);
  t.match(tendrils.stdout, /tendril-ecs-1\s+ecs:eu-west-1\/edge\/3f2a\s+edge\s+RUNNING/, 'grape tendrils names the pool');

  const busy = await g(['pools', 'rm', 'edge']);
  t.same([busy.code, busy.stderr], [EXIT.FAILED, 'grape pools: pool "edge" is used by identities "prod" and "sandbox": unbind them first (or delete them)\n'], 'rm refused: exit 1, the reason in one line');
  const stuck = await g(['identities', 'unbind', 'prod']);
  t.equal(stuck.code, EXIT.FAILED, 'an identity on the pool’s credentials with no role cannot leave');
  t.match(stuck.stderr, /^grape identities: identity "prod" stores no credentials of its own \(it has no a role ARN or access keys\)/, 'saying so');
  t.equal((await g(['identities', 'delete', 'prod'])).code, 0);
  const unbind = await g(['identities', 'unbind', 'sandbox']);
  t.same([unbind.code, unbind.stdout], [0, "Identity sandbox now runs its jobs on Vintner's own Tendrils\n"], 'unbound');
  const rm = await g(['pools', 'rm', 'edge']);
  t.same([rm.code, rm.stdout], [0, 'Deleted pool edge and its tokens\n'], 'removed');

  const missing = await g(['pools', 'show', 'edge']);
  t.same([missing.code, missing.stderr], [EXIT.NOT_FOUND, 'grape pools: not found: pool "edge" not found\n'], 'gone: exit 4');
  const bindMissing = await g(['identities', 'bind', 'sandbox', 'nope']);
  t.same([bindMissing.code, bindMissing.stderr], [EXIT.NOT_FOUND, 'grape identities: not found: pool "nope" not found\n'], 'binding to no pool: exit 4');
  const usage = await g(['pools', 'frobnicate']);
  t.equal(usage.code, EXIT.USAGE, 'an unknown action: exit 2');
  t.match(usage.stderr, 'grape pools: unknown action "frobnicate": add, show, rm, tokens, token-add or token-revoke', 'naming the actions');
  t.equal((await g(['identities', 'bind', 'sandbox'])).code, EXIT.USAGE, 'bind needs a pool');
  const help = await g(['pools', '--help']);
  t.match(help.stdout, 'token-add NAME --name X', 'help lists the actions');
});
