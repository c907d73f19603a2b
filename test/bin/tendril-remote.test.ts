/**
 * `npm run worker` as a remote Tendril, on mistakes: each one is one line on stderr and a non-zero
 * exit, before anything runs — both DATABASE_URL and TRELLIS_URL, half of the pair, a bad URL, a
 * Trellis that cannot be reached, a token Trellis refuses.
 */
import t from 'tap';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { buildTestApp } from '../helpers.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

function worker(env: Record<string, string>, cwd: string): Promise<{ code: number | null; out: string; ms: number }> {
  const clean = { ...process.env };
  for (const k of ['DATABASE_URL', 'TRELLIS_URL', 'TENDRIL_TOKEN', 'VINTNER_SECRET_KEY']) delete clean[k];
  const started = Date.now();
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'bin/tendril.ts')], { cwd: root, env: { ...clean, VINTNER_DATA_DIR: cwd, LOG_LEVEL: 'warn', LOG_FORMAT: 'json', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, out, ms: Date.now() - started })));
}

const TOKEN = 'vtp_0123456789abcdefghijklmnopqrstuvwxyzABCDEFG';

t.test('mistakes in a remote Tendril’s configuration: one line each, non-zero exit', { timeout: 120_000 }, async (t) => {
  const cases: Array<[string, Record<string, string>, RegExp]> = [
    ['both DATABASE_URL and TRELLIS_URL', { DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/v', TRELLIS_URL: 'https://trellis.example', TENDRIL_TOKEN: TOKEN }, /^vintner: set either DATABASE_URL .* or TRELLIS_URL with TENDRIL_TOKEN .*, not both/],
    ['TRELLIS_URL without a token', { TRELLIS_URL: 'https://trellis.example' }, /^vintner: TRELLIS_URL is set but TENDRIL_TOKEN is not/],
    ['a token without TRELLIS_URL', { TENDRIL_TOKEN: TOKEN }, /^vintner: TENDRIL_TOKEN is set but TRELLIS_URL is not/],
    ['a URL that is none', { TRELLIS_URL: 'not a url', TENDRIL_TOKEN: TOKEN }, /^vintner: TRELLIS_URL is not a valid URL/],
    ['another scheme', { TRELLIS_URL: 'ftp://trellis.example', TENDRIL_TOKEN: TOKEN }, /^vintner: TRELLIS_URL must start with https:\/\//],
    ['a truncated token', { TRELLIS_URL: 'https://trellis.example', TENDRIL_TOKEN: 'vtp_short' }, /^vintner: TENDRIL_TOKEN does not look like a pool token/],
    ['an API token', { TRELLIS_URL: 'https://trellis.example', TENDRIL_TOKEN: 'vnt_0123456789abcdefghijklmnopqrstuvwxyzABCDEFG' }, /^vintner: TENDRIL_TOKEN does not look like a pool token .*an API token is none/],
  ];
  for (const [what, env, re] of cases) {
    const r = await worker(env, t.testdir({}));
    t.not(r.code, 0, `${what}: non-zero exit`);
    const lines = r.out.trim().split('\n');
    t.equal(lines.length, 1, `${what}: one line`);
    t.match(lines[0], re, `${what}: ${lines[0]}`);
  }
});

t.test('an unreachable Trellis and a refused token: one line each', { timeout: 120_000 }, async (t) => {
  const down = await worker({ TRELLIS_URL: 'http://127.0.0.1:1', TENDRIL_TOKEN: TOKEN }, t.testdir({}));
  t.not(down.code, 0);
  t.equal(down.out.trim().split('\n').length, 1, 'one line');
  t.match(down.out.trim(), /^vintner: cannot reach Trellis at http:\/\/127\.0\.0\.1:1: .*\(is TRELLIS_URL right, and Trellis up\?\)$/, `unreachable: ${down.out.trim()} (after ${down.ms} ms of retries)`);

  const { app } = await buildTestApp(t);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  const refused = await worker({ TRELLIS_URL: url, TENDRIL_TOKEN: TOKEN }, t.testdir({}));
  t.not(refused.code, 0);
  t.equal(refused.out.trim().split('\n').length, 1, 'one line');
  t.match(refused.out.trim(), /^vintner: Trellis at http:\/\/127\.0\.0\.1:\d+ refused TENDRIL_TOKEN \(.*\): check the token, or create a new one for the pool$/, `refused: ${refused.out.trim()}`);
});
