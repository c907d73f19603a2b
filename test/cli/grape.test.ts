/** Grape without a job runner: help, usage errors, config file, server errors, tables and colour. */
import t from 'tap';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { COMMANDS, main } from '../../src/cli/main.js';
import { configPath, currentSession, writeConfig } from '../../src/cli/config.js';
import { paint, status, table, useColor, type Io } from '../../src/cli/output.js';
import { fullSpec, PASSWORD, signupWithToken } from '../api/helpers.js';
import { grape, startServer } from './helpers.js';

/** Runs main() in this process with captured streams. */
async function run(args: string[], env: Record<string, string> = {}, input?: string) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const stdin = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => (err += d));
  if (input !== undefined) stdin.end(input);
  const code = await main(args, { stdout, stderr, stdin, env } as unknown as Io);
  return { code, stdout: out, stderr: err };
}

t.test('help for every command; usage errors exit 2', async (t) => {
  const overview = await run(['--help'], {});
  t.equal(overview.code, 0);
  for (const c of COMMANDS) t.match(overview.stdout, new RegExp(`\\n  ${c.name} `), `${c.name} in the overview`);
  t.match(overview.stdout, /Exit codes: 0 ok/, 'the exit codes are documented');
  for (const c of COMMANDS) {
    const h = await run([c.name, '--help'], {});
    t.equal(h.code, 0, `${c.name} --help: exit 0`);
    t.match(h.stdout, new RegExp(`Usage: grape ${c.name}`), `${c.name} --help shows its usage`);
  }
  t.match((await run(['help', 'plant'], {})).stdout, /grape plant -f vine.json/, 'grape help COMMAND');
  const unknown = await run(['grow'], {});
  t.equal(unknown.code, 2, 'an unknown command: exit 2');
  t.match(unknown.stderr, /unknown command "grow"/);
  const badFlag = await run(['vines', '--colour'], {});
  t.equal(badFlag.code, 2, 'an unknown option: exit 2');
  t.match(badFlag.stderr, /Unknown option '--colour'[\s\S]*Usage: grape vines/);
  const missing = await run(['show'], { VINTNER_TOKEN: 'vnt_x' });
  t.equal(missing.code, 2, 'a missing argument: exit 2');
  t.match(missing.stderr, /grape show VINEYARD\/VINE/);
  const notVine = await run(['show', 'acme'], { VINTNER_TOKEN: 'vnt_x', VINTNER_URL: 'http://127.0.0.1:1' });
  t.equal(notVine.code, 2, 'not VINEYARD/VINE: exit 2');
  t.match(notVine.stderr, /"acme" is not VINEYARD\/VINE/);
  t.equal((await run(['logs', 'not-a-job'], { VINTNER_TOKEN: 'vnt_x' })).code, 2, 'not a job id: exit 2');
  const noLogin = await run(['vines'], { HOME: t.testdir({}) });
  t.equal(noLogin.code, 3, 'not logged in: exit 3');
  t.match(noLogin.stderr, /not logged in: run grape login/);
});

t.test('server unreachable or slow: exit 5 with one line', async (t) => {
  const refused = await run(['vineyards'], { VINTNER_URL: 'http://127.0.0.1:1', VINTNER_TOKEN: 'vnt_x' });
  t.equal(refused.code, 5, 'connection refused: exit 5');
  t.equal(refused.stderr.trim().split('\n').length, 1, 'one line');
  t.match(refused.stderr, /cannot reach Vintner at http:\/\/127\.0\.0\.1:1: connection refused/);
  const badUrl = await run(['vineyards'], { VINTNER_URL: 'ftp://x', VINTNER_TOKEN: 'vnt_x' });
  t.equal(badUrl.code, 2, 'not an http URL: exit 2');
});

t.test('the config file: XDG or ~/.config, mode 0600, environment overrides', async (t) => {
  const home = t.testdir({});
  t.equal(configPath({ HOME: home }), join(home, '.config', 'vintner', 'grape.json'), '~/.config without XDG_CONFIG_HOME');
  t.equal(configPath({ HOME: home, XDG_CONFIG_HOME: join(home, 'x') }), join(home, 'x', 'vintner', 'grape.json'), 'XDG_CONFIG_HOME when set');
  const path = writeConfig({ url: 'http://a:1', token: 'vnt_stored' }, { HOME: home });
  t.equal(statSync(path).mode & 0o777, 0o600, 'mode 0600');
  t.equal(statSync(join(home, '.config', 'vintner')).mode & 0o777, 0o700, 'its folder 0700');
  t.same(currentSession({ HOME: home }), { url: 'http://a:1', token: 'vnt_stored', tokenFrom: 'config' }, 'read back');
  t.same(currentSession({ HOME: home, VINTNER_URL: 'http://b:2/', VINTNER_TOKEN: 'vnt_env' }), { url: 'http://b:2', token: 'vnt_env', tokenFrom: 'VINTNER_TOKEN' }, 'VINTNER_URL and VINTNER_TOKEN win');
  t.equal(currentSession({ HOME: home, VINTNER_URL: 'http://b:2' }, 'http://c:3').url, 'http://c:3', '--url wins over all');
  mkdirSync(join(home, 'broken', 'vintner'), { recursive: true });
  writeFileSync(join(home, 'broken', 'vintner', 'grape.json'), '{nope');
  const broken = await run(['vines'], { HOME: home, XDG_CONFIG_HOME: join(home, 'broken') });
  t.equal(broken.code, 1);
  t.match(broken.stderr, /grape\.json is not valid JSON: fix it or delete it/, 'a broken config file is named, not a stack trace');
});

t.test('tables align; colour only on a terminal without NO_COLOR', async (t) => {
  const out = table(['NAME', 'STATUS'], [['a', status(true, 'ACTIVE')], ['longer-name', status(true, 'FAILED')]]);
  const plain = out.replace(/\u001b\[[0-9;]*m/g, '');
  t.equal(plain, 'NAME         STATUS\na            ACTIVE\nlonger-name  FAILED\n', 'aligned, colour codes not counted');
  t.match(out, /\u001b\[32mACTIVE/, 'ACTIVE in green');
  t.match(out, /\u001b\[31mFAILED/, 'FAILED in red');
  t.equal(paint(false, 'red', 'x'), 'x', 'no colour, no codes');
  const tty = { isTTY: true } as unknown as Io['stdout'];
  const pipe = {} as unknown as Io['stdout'];
  const io = (stdout: Io['stdout'], env: Record<string, string>) => ({ stdout, env }) as unknown as Io;
  t.ok(useColor(io(tty, {})), 'colour on a terminal');
  t.notOk(useColor(io(pipe, {})), 'none when piped');
  t.notOk(useColor(io(tty, { NO_COLOR: '1' })), 'none with NO_COLOR');
  t.ok(useColor(io(pipe, { FORCE_COLOR: '1' })), 'FORCE_COLOR forces it');
});

t.test('against a server: validation errors name fields, plant reads files, 404 says what', async (t) => {
  const server = await startServer(t);
  const ada = await signupWithToken(server.app);
  const home = t.testdir({});
  const env = { VINTNER_URL: server.url, VINTNER_TOKEN: ada.token, HOME: home };
  t.equal((await grape(['vineyards', 'create', 'acme', '--description', 'the shop'], env)).code, 0);
  const table1 = await grape(['vineyards'], env);
  t.match(table1.stdout, /^NAME\s+VINES\s+BY STATUS\s+CREATED\nacme\s+0\s+-\s+\d+ s ago\n$/, 'a table for people');

  writeFileSync(join(home, 'bad.json'), JSON.stringify(fullSpec('shop', { databases: [{ name: 'main', storage_gb: 1 }], colour: 'red' })));
  const invalid = await grape(['plant', '-f', join(home, 'bad.json'), '--vineyard', 'acme'], env);
  t.equal(invalid.code, 2, 'an invalid spec: exit 2');
  t.match(invalid.stderr, /databases\.0\.storage_gb: must be between 10 and 65536/, 'names the field');
  t.match(invalid.stderr, /colour: is not a known field/, 'and the unknown one');
  writeFileSync(join(home, 'broken.json'), '{"name": "shop",');
  const broken = await grape(['plant', '-f', join(home, 'broken.json')], env);
  t.equal(broken.code, 2, 'a file that is not JSON: exit 2');
  t.match(broken.stderr, /broken\.json is not valid JSON/);
  t.equal((await grape(['plant', '-f', join(home, 'none.json')], env)).code, 2, 'a missing file: exit 2');

  const fromStdin = await grape(['plant', '-f', '-'], env, JSON.stringify({ name: 'blog', stage: 'staging', identity: 'sandbox', databases: [{ name: 'main' }] }));
  t.equal(fromStdin.code, 0, `a spec on stdin, the only vineyard chosen: ${fromStdin.stderr}`);
  const dry = await grape(['plant', '-f', '-', '--dry-run'], env, JSON.stringify({ name: 'blog', stage: 'staging', identity: 'sandbox', databases: [] }));
  t.match(dry.stdout, /would change:\n.*- databases\/main/, '--dry-run shows the change');
  t.equal(JSON.parse((await grape(['show', 'acme/blog', '--json'], env)).stdout).spec.databases.length, 1, 'and makes none');

  const vineyard404 = await grape(['vines', '--vineyard', 'nope'], env);
  t.equal(vineyard404.code, 4);
  t.match(vineyard404.stderr, /not found: vineyard "nope" not found/);
  const job404 = await grape(['logs', '00000000-0000-4000-8000-000000000000'], env);
  t.equal(job404.code, 4, 'an unknown job: exit 4');
  const identities = await grape(['identities', 'add', 'prod', '--provider', 'aws', '--region', 'moon'], env);
  t.equal(identities.code, 2);
  t.match(identities.stderr, /region: is not valid: expected an AWS region/);
  const added = await grape(['identities', 'add', 'lab', '--provider', 'aws', '--region', 'eu-west-1', '--role-arn', 'arn:aws:iam::123456789012:role/vintner'], env);
  t.equal(added.code, 0, `an AWS identity added ${added.stderr}`);
  t.match((await grape(['identities'], env)).stdout, /lab\s+aws\s+eu-west-1/, 'listed');
  const queued = await grape(['identities', 'test', 'lab', '--no-wait', '--json'], env);
  t.equal(JSON.parse(queued.stdout).type, 'CONNECTION_TEST', 'identities test queues a CONNECTION_TEST');

  const login = await grape(['login', '--url', server.url, '--email', ada.email], { HOME: home, VINTNER_PASSWORD: PASSWORD });
  t.equal(login.code, 0, 'VINTNER_PASSWORD is accepted');
  const asked = await grape(['login', '--url', server.url], { HOME: home }, `${ada.email}\n${PASSWORD}\n`);
  t.equal(asked.code, 0, `email and password read from stdin, one line each ${asked.stderr}`);
  t.match(asked.stderr, /Email: /, 'the email was asked for');
  t.equal((await grape(['whoami'], { HOME: home })).code, 0, 'the stored token works');
});

t.test('grape signup: an account and a stored token in one step; refusals say why', async (t) => {
  const server = await startServer(t);
  const home = t.testdir({});
  const env = { HOME: home };
  const made = await grape(['signup', '--url', server.url, '--email', 'new@example.com'], env, `${PASSWORD}\n`);
  t.equal(made.code, 0, `signup: exit 0 ${made.stderr}`);
  t.match(made.stdout, /Account created on http:\/\/127\.0\.0\.1:\d+ as new@example\.com \(token "grape@/);
  const who = await grape(['whoami', '--json'], env);
  t.equal(JSON.parse(who.stdout).user.email, 'new@example.com', 'logged in with the new account');
  t.match((await grape(['identities'], env)).stdout, /sandbox\s+local/, 'with its sandbox identity');
  const again = await grape(['signup', '--url', server.url, '--email', 'new@example.com'], env, `${PASSWORD}\n`);
  t.equal(again.code, 1, 'the same email again: exit 1');
  t.match(again.stderr, /already/);
  const short = await grape(['signup', '--url', server.url, '--email', 'short@example.com'], env, 'short\n');
  t.equal(short.code, 2, 'a short password: exit 2');
  t.match(short.stderr, /password/);
  const closed = await startServer(t, { SIGNUP_OPEN: 'false' });
  const refused = await grape(['signup', '--url', closed.url, '--email', 'x@example.com'], { HOME: t.testdir({}) }, `${PASSWORD}\n`);
  t.equal(refused.code, 3, 'sign-up closed: exit 3');
  t.match(refused.stderr, /sign-up is closed on this Vintner/);
});
