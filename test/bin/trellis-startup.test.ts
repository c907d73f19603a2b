/**
 * The real entry point as a child process: what a user sees on a fresh machine and on mistakes.
 */
import t from 'tap';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { lstatSync, readlinkSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = fileURLToPath(new URL('../../', import.meta.url));
const tsx = join(root, 'node_modules', '.bin', 'tsx');
const trellis = join(root, 'bin', 'trellis.ts');

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function start(env: Record<string, string | undefined>, cwd: string): Started {
  const clean = { ...process.env };
  delete clean.DATABASE_URL;
  const child = spawn(tsx, [trellis], {
    cwd,
    env: { ...clean, PORT: '0', LOG_LEVEL: 'warn', LOG_FORMAT: 'json', TENDRIL_IN_PROCESS: 'false', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, output: () => out, exited };
}

async function waitFor(s: Started, re: RegExp, ms = 30_000): Promise<RegExpMatchArray> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const m = s.output().match(re);
    if (m) return m;
    if (s.child.exitCode !== null) throw new Error(`exited early (${s.child.exitCode}): ${s.output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${re}: ${s.output()}`);
}

/**
 * Where the cluster of the data directory in `cwd` lives: .vintner/pg, or where it links to when
 * run as root from a folder the postgres user cannot reach (CI in a clone under /root).
 */
function clusterOf(cwd: string): string {
  const link = join(cwd, '.vintner', 'pg');
  return lstatSync(link, { throwIfNoEntry: false })?.isSymbolicLink() ? readlinkSync(link) : link;
}

function postgresProcessesFor(cwd: string): string[] {
  const dirs = [cwd, clusterOf(cwd)];
  const ps = spawnSync('ps', ['-eo', 'pid,stat,args'], { encoding: 'utf8' }).stdout;
  return ps.split('\n').filter((l) => dirs.some((d) => l.includes(d)) && l.includes('postgres') && !/ Z/.test(l));
}

t.test('a malformed DATABASE_URL exits with one clear line', async (t) => {
  const s = start({ DATABASE_URL: 'mysql://nope' }, t.testdir({}));
  const code = await s.exited;
  t.not(code, 0, 'non-zero exit code');
  t.equal(s.output().trim(), 'vintner: DATABASE_URL must start with postgres:// or postgresql://, got "mysql://"', 'one line, no stack trace');
});

t.test('an unreachable database exits with one clear line', async (t) => {
  const s = start({ DATABASE_URL: 'postgres://u:p@127.0.0.1:1/vintner' }, t.testdir({}));
  const code = await s.exited;
  t.not(code, 0);
  const lines = s.output().trim().split('\n');
  t.equal(lines.length, 1, 'one line');
  t.match(lines[0], /^vintner: cannot reach the database at 127\.0\.0\.1:1\/vintner: connection refused/);
  t.notMatch(s.output(), /    at /, 'no stack trace');
});

t.test('embedded database: starts, refuses a second process, stops cleanly, persists', { timeout: 120_000 }, async (t) => {
  const cwd = t.testdir({});
  // A cluster kept outside the folder (see clusterOf) goes with it.
  t.teardown(() => {
    const cluster = clusterOf(cwd);
    if (!cluster.startsWith(cwd)) rmSync(dirname(cluster), { recursive: true, force: true });
  });
  const first = start({}, cwd);
  const [, url] = await waitFor(first, /Vintner is running at (http:\/\/\S+)/);
  const res = await fetch(url!);
  t.equal(res.status, 200, 'the printed URL answers');
  t.match(await res.text(), /Embedded PostgreSQL/, 'on the embedded database');

  const second = start({}, cwd);
  const code2 = await second.exited;
  t.not(code2, 0, 'a second start in the same folder fails');
  t.match(second.output(), /^vintner: the data directory .*\.vintner is in use by another Vintner process \(pid \d+\)/, 'and says the data dir is in use');
  t.equal((await fetch(url!)).status, 200, 'the first one is unharmed');

  first.child.kill('SIGTERM');
  t.equal(await first.exited, 0, 'SIGTERM shuts down cleanly');
  await new Promise((r) => setTimeout(r, 300));
  t.same(postgresProcessesFor(cwd), [], 'no orphan postgres process left behind');

  const third = start({ LOG_LEVEL: 'info' }, cwd);
  await waitFor(third, /Vintner is running at/);
  t.notMatch(third.output(), /applied migrations/, 'the data persisted: nothing to migrate on restart');
  third.child.kill('SIGINT');
  t.equal(await third.exited, 0, 'SIGINT shuts down cleanly');
});
