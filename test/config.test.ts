import t from 'tap';
import { statSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../src/config.js';

t.test('local defaults generate and persist secrets with mode 0600', async (t) => {
  const dir = t.testdir({});
  const a = loadConfig({}, dir);
  const b = loadConfig({}, dir);
  t.equal(a.secretKey.length, 32, 'a 32-byte key');
  t.same(a.secretKey, b.secretKey, 'the same key on the next start');
  t.equal(a.sessionSecret, b.sessionSecret);
  for (const f of ['secret.key', 'session.secret']) {
    t.equal(statSync(join(dir, '.vintner', f)).mode & 0o777, 0o600, `${f} is 0600`);
  }
  t.equal(a.databaseUrl, undefined, 'no DATABASE_URL means the embedded database');
  t.equal(a.tendrilInProcess, true, 'the web process runs a Tendril by default');
  t.ok(readFileSync(join(dir, '.vintner', 'secret.key'), 'utf8').trim().length > 40);
});

t.test('bad values give one clear line', async (t) => {
  const dir = t.testdir({});
  const cases: Array<[Record<string, string>, RegExp]> = [
    [{ VINTNER_SECRET_KEY: 'short' }, /^VINTNER_SECRET_KEY must be 32 bytes encoded as base64/],
    [{ DATABASE_URL: 'not a url' }, /^DATABASE_URL is not a valid URL/],
    [{ DATABASE_URL: 'mysql://x@y/z' }, /^DATABASE_URL must start with postgres:\/\//],
    [{ DATABASE_URL: 'postgres://u:p@host:5432' }, /^DATABASE_URL names no database/],
    [{ PORT: 'eighty' }, /^PORT must be a whole number/],
    [{ PORT: '70000' }, /^PORT must be between 0 and 65535/],
    [{ TENDRIL_IN_PROCESS: 'maybe' }, /^TENDRIL_IN_PROCESS must be true or false/],
    [{ TENDRIL_CONCURRENCY: '0' }, /^TENDRIL_CONCURRENCY must be between 1 and 64/],
    [{ LOG_LEVEL: 'loud' }, /^LOG_LEVEL must be one of/],
    [{ LOG_FORMAT: 'xml' }, /^LOG_FORMAT must be pretty or json, got "xml"/],
    [{ SESSION_SECRET: 'tooshort' }, /^SESSION_SECRET must be at least 32 characters/],
    [{ TERRAFORM_PROVIDER_MIRROR: 'no-such-dir' }, /^TERRAFORM_PROVIDER_MIRROR must be an existing directory, got "no-such-dir" \(.*no-such-dir does not exist\)$/],
    [{ TERRAFORM_PROVIDER_MIRROR: '.vintner/secret.key' }, /^TERRAFORM_PROVIDER_MIRROR must be an existing directory, got "\.vintner\/secret\.key" \(.* is not a directory\)$/],
  ];
  loadConfig({}, dir); // makes .vintner/secret.key, a file
  for (const [env, message] of cases) {
    t.throws(() => loadConfig(env, dir), { name: 'ConfigError', message }, `${Object.keys(env)[0]}: ${message}`);
  }
  t.throws(() => loadConfig({ PORT: 'x' }, dir), ConfigError);
});

t.test('explicit values are used', async (t) => {
  const key = Buffer.alloc(32, 7).toString('base64');
  const c = loadConfig({ VINTNER_SECRET_KEY: key, PORT: '8080', TENDRIL_IN_PROCESS: 'false', DATABASE_URL: 'postgres://u:p@db:5432/v' }, t.testdir({}));
  t.equal(c.port, 8080);
  t.equal(c.tendrilInProcess, false);
  t.equal(c.databaseUrl, 'postgres://u:p@db:5432/v');
  t.same(c.secretKey, Buffer.alloc(32, 7));
});

t.test('TERRAFORM_PROVIDER_MIRROR: an existing directory, made absolute', async (t) => {
  const dir = t.testdir({ mirror: {} });
  t.equal(loadConfig({ TERRAFORM_PROVIDER_MIRROR: 'mirror' }, dir).terraformProviderMirror, join(dir, 'mirror'));
  t.equal(loadConfig({}, dir).terraformProviderMirror, undefined, 'unset: the registry');
});

t.test('every variable the README lists is read and validated in src/config.ts', async (t) => {
  const { readFileSync } = await import('node:fs');
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const config = readFileSync(new URL('../src/config.ts', import.meta.url), 'utf8');
  const table = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('\n## ', readme.indexOf('## Configuration') + 5));
  const names = [...table.matchAll(/^\| `([A-Z_]+)`(?:, `([A-Z_]+)`)? \|/gm)].flatMap((m) => [m[1]!, ...(m[2] ? [m[2]] : [])]);
  t.ok(names.length >= 20, `the README's table was read (${names.length} variables)`);
  for (const n of names) t.match(config, new RegExp(`'${n}'`), `${n} is read by name in src/config.ts`);
});
