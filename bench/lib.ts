/** Shared bits of the benchmarks: a database (DATABASE_URL or a throwaway embedded one), stats, output. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '../src/db/embedded.js';
import { releaseEmbeddedPostgresSignalHooks } from '../src/db/shutdown-hooks.js';
import { createKnex } from '../src/db/knex.js';
import { migrateLatest } from '../src/db/migrate.js';
import type { Knex } from 'knex';

/**
 * BENCH_PG_STATEMENTS=1 (embedded database only): pg_stat_statements on, for `topStatements` —
 * where the database's time goes, per statement, planning included.
 */
const STATEMENTS = process.env.BENCH_PG_STATEMENTS === '1';

/** The statements that took the database longest since the last call (planning + execution), printed. */
export async function topStatements(knex: Knex, label: string, perCalls = 1): Promise<void> {
  if (!STATEMENTS) return;
  const { rows } = await knex.raw(`SELECT calls, total_plan_time + total_exec_time AS ms, total_plan_time AS plan_ms, left(regexp_replace(query, '\\s+', ' ', 'g'), 160) AS query
    FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) ORDER BY 2 DESC LIMIT 12`);
  process.stdout.write(`-- ${label}: database ms per request (plan ms), calls per request, statement\n`);
  for (const r of rows) process.stdout.write(`${(r.ms / perCalls).toFixed(3).padStart(8)} (${(r.plan_ms / perCalls).toFixed(3)}) ${(r.calls / perCalls).toFixed(2).padStart(6)}  ${r.query}\n`);
  await knex.raw('SELECT pg_stat_statements_reset()');
}

export interface BenchDb {
  url: string;
  knex: Knex;
  close(): Promise<void>;
}

/** A fresh, migrated database for one benchmark. */
export async function benchDatabase(name: string): Promise<BenchDb> {
  let stopEmbedded: (() => Promise<void>) | undefined;
  let dir: string | undefined;
  let admin = process.env.DATABASE_URL;
  if (!admin) {
    dir = mkdtempSync(join(tmpdir(), 'vintner-bench-'));
    const statements: Record<string, string> = STATEMENTS ? { shared_preload_libraries: 'pg_stat_statements', 'pg_stat_statements.track_planning': 'on' } : {};
    const e = await startEmbeddedPostgres({ dataDir: dir, persistent: false, settings: { fsync: 'off', synchronous_commit: 'off', ...statements } });
    releaseEmbeddedPostgresSignalHooks();
    admin = e.url;
    stopEmbedded = () => e.stop();
  }
  const dbName = `bench_${name}_${Date.now()}`;
  const c = new pg.Client({ connectionString: admin });
  await c.connect();
  await c.query(`CREATE DATABASE "${dbName}"`);
  await c.end();
  const u = new URL(admin);
  u.pathname = `/${dbName}`;
  const url = u.toString();
  // Trellis's own pool size (src/db/knex.ts) unless BENCH_POOL says otherwise.
  const knex = createKnex(url, { poolMax: Number(process.env.BENCH_POOL ?? 10) });
  await migrateLatest(knex, url);
  if (STATEMENTS) await knex.raw('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
  return {
    url,
    knex,
    async close() {
      await knex.destroy();
      const c2 = new pg.Client({ connectionString: admin });
      await c2.connect();
      await c2.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
      await c2.end();
      await stopEmbedded?.();
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

export const median = (v: number[]) => percentile(v, 50);

export function writeResult(name: string, result: Record<string, unknown>): void {
  const dir = new URL('./results/', import.meta.url);
  mkdirSync(dir, { recursive: true });
  const doc = { benchmark: name, measured_at: new Date().toISOString(), node: process.version, cpus: cpus().length, ...result };
  writeFileSync(new URL(`${name}.json`, dir), JSON.stringify(doc, null, 2) + '\n');
  process.stdout.write(`${name}: ${JSON.stringify(result)}\n`);
}

const TICK_MS = 10; // /proc/<pid>/stat counts CPU in clock ticks of 1/100 s (USER_HZ) on Linux

/** utime + stime of a process or thread, in ms; 0 when it is gone. */
function cpuOf(statPath: string): number {
  try {
    // Fields after the command name, which sits in parentheses and may contain spaces.
    const rest = readFileSync(statPath, 'utf8').split(') ')[1]!.split(' ');
    return (Number(rest[11]) + Number(rest[12])) * TICK_MS;
  } catch {
    return 0;
  }
}

/**
 * CPU spent meanwhile by this process's main thread (the server's event loop; a load generator in
 * a worker thread is not counted) and by the database's server processes serving `knex`'s database.
 * Steadier than requests per second on a shared machine: divide by the requests served.
 */
export async function cpuMeter(knex: Knex): Promise<() => Promise<{ main_thread_ms: number; postgres_ms: number }>> {
  const backends = async () => ((await knex.raw('SELECT pid FROM pg_stat_activity WHERE datname = current_database()')).rows as Array<{ pid: number }>).map((r) => r.pid);
  const main = `/proc/self/task/${process.pid}/stat`;
  const mainStart = cpuOf(main);
  const start = new Map((await backends()).map((pid) => [pid, cpuOf(`/proc/${pid}/stat`)]));
  return async () => {
    const mainMs = cpuOf(main) - mainStart;
    let pgMs = 0;
    for (const pid of new Set([...start.keys(), ...(await backends())])) pgMs += Math.max(0, cpuOf(`/proc/${pid}/stat`) - (start.get(pid) ?? 0));
    return { main_thread_ms: mainMs, postgres_ms: pgMs };
  };
}

/** Signs in the way a browser does (the form's CSRF token, then the session cookie); returns the cookie. */
export async function signIn(url: string, email: string, password: string): Promise<string> {
  const form = await fetch(`${url}/login`);
  const anon = form.headers.get('set-cookie')!.split(';')[0]!;
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())![1]!;
  const login = await fetch(`${url}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: anon, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: csrf, email, password }).toString(),
  });
  if (login.status !== 303) throw new Error(`sign-in failed: ${login.status}`);
  return login.headers.get('set-cookie')!.split(';')[0]!;
}
