/**
 * Fault drills: a throwaway embedded PostgreSQL of the drill's own (stopped and started again on
 * the same port, data kept), Tendrils as real `worker` processes on it with their own temporary
 * directory (TMPDIR: their Terraform work directories), and what a drill asserts about a vine.
 */
import type { Test } from 'tap';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Knex } from 'knex';
import { freePort, startEmbeddedPostgres, type EmbeddedDatabase } from '../../src/db/embedded.js';
import { createKnex } from '../../src/db/knex.js';
import { migrateLatest } from '../../src/db/migrate.js';
import { createStateService } from '../../src/domain/state/service.js';
import { createSealer } from '../../src/domain/crypto.js';

/** The key every drill's Tendrils seal secrets and states with. */
export const DRILL_KEY = Buffer.alloc(32, 9);

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface DrillDatabase {
  url: string;
  knex: Knex;
  /** Stops PostgreSQL (fast shutdown: every connection dropped), keeping its data. */
  stop(): Promise<void>;
  /** Starts it again, on the same port. */
  start(): Promise<void>;
}

export async function drillDatabase(t: Test): Promise<DrillDatabase> {
  const dir = mkdtempSync(join(tmpdir(), 'vintner-drill-pg-'));
  const port = await freePort();
  const settings = { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' };
  let pg: EmbeddedDatabase | undefined = await startEmbeddedPostgres({ dataDir: dir, persistent: true, port, settings });
  const url = pg.url;
  const knex = createKnex(url, { poolMax: 5 });
  await migrateLatest(knex, url);
  t.teardown(async () => {
    await knex.destroy().catch(() => {});
    await pg?.stop().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    url,
    knex,
    async stop() {
      await pg?.stop();
      pg = undefined;
    },
    async start() {
      pg = await startEmbeddedPostgres({ dataDir: dir, persistent: true, port, settings });
    },
  };
}

export interface WorkerProcess extends ChildProcess {
  output(): string;
  /** Its TMPDIR: where its Terraform work directories are. */
  tmp: string;
  alive(): boolean;
}

/** A Tendril as its own process (node itself, so kill -9 hits the Tendril and nothing between). */
export function startWorker(t: Test, url: string, name: string, env: Record<string, string> = {}, tmp?: string): WorkerProcess {
  const cwd = mkdtempSync(join(tmpdir(), `vintner-${name}-`));
  const workTmp = tmp ?? mkdtempSync(join(tmpdir(), `vintner-${name}-tmp-`));
  t.teardown(() => {
    rmSync(cwd, { recursive: true, force: true });
    if (!tmp) rmSync(workTmp, { recursive: true, force: true });
  });
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bin/tendril.ts')], {
    cwd: ROOT,
    env: {
      ...process.env,
      DATABASE_URL: url,
      VINTNER_DATA_DIR: cwd,
      TMPDIR: workTmp,
      TENDRIL_NAME: name,
      VINTNER_SECRET_KEY: DRILL_KEY.toString('base64'),
      TENDRIL_CONCURRENCY: '2',
      TENDRIL_HEARTBEAT_SECONDS: '1',
      TENDRIL_DEAD_AFTER_SECONDS: '8',
      TERRAFORM_KILL_GRACE_SECONDS: '10',
      LOG_LEVEL: 'warn',
      LOG_FORMAT: 'json',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return Object.assign(child, { output: () => out, tmp: workTmp, alive: () => child.exitCode === null && child.signalCode === null });
}

/** Terraform processes whose working directory is under `dir` (a worker's TMPDIR). */
export function terraformUnder(dir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv0 = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0')[0] ?? '';
      if (/(^|\/)terraform$/.test(argv0) && readlinkSync(`/proc/${entry}/cwd`).startsWith(dir)) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/**
 * How many times each resource of the vine was created across the given jobs, from Terraform's
 * own log lines ("<address>: Creation complete after …").
 */
export async function creations(knex: Knex, jobIds: string[]): Promise<Map<string, number>> {
  const lines: string[] = await knex('provision_job_logs').whereIn('job_id', jobIds).pluck('line');
  const counts = new Map<string, number>();
  for (const l of lines) {
    const m = /^(\S+\["[^"]+"\]): Creation complete after/.exec(l);
    if (m) counts.set(m[1]!, (counts.get(m[1]!) ?? 0) + 1);
  }
  return counts;
}

/** The resources in the vine's state (opened with the Tendrils' key), as "<type>.<name>[\"key\"]". */
export async function stateResources(knex: Knex, secretKey: Buffer, vineId: string): Promise<string[]> {
  const body = await createStateService({ knex, sealer: createSealer(secretKey) }).read({ vineId });
  if (!body) return [];
  const state = JSON.parse(body.toString('utf8')) as { resources?: Array<{ mode: string; type: string; name: string; instances: Array<{ index_key?: string }> }> };
  return (state.resources ?? []).filter((r) => r.mode === 'managed').flatMap((r) => r.instances.map((i) => `${r.type}.${r.name}${i.index_key !== undefined ? `["${i.index_key}"]` : ''}`)).sort();
}

/** The jobs' system lines and Terraform's errors, as comments: what a failed drill is read by. */
export async function explain(t: Test, knex: Knex, jobIds: string[]): Promise<void> {
  for (const id of jobIds) {
    const lines: Array<{ stream: string; line: string }> = await knex('provision_job_logs').where({ job_id: id }).whereIn('stream', ['system', 'stderr']).orderBy('seq').select('stream', 'line');
    t.comment(`job ${id}:\n${lines.map((l) => `  [${l.stream}] ${l.line}`).join('\n')}`);
  }
}

/** Waits for the job's end (a terminal status); on a timeout, says what the job and the Tendrils logged. */
export async function jobEnd(t: Test, knex: Knex, jobId: string, ms: number, workers: WorkerProcess[] = []): Promise<{ status: string; error: string | null }> {
  const started = Date.now();
  for (;;) {
    const row = await knex('provision_jobs').where({ id: jobId }).first('status', 'error').catch(() => undefined);
    if (row && ['SUCCESS', 'FAILED', 'CANCELLED'].includes(row.status)) return row;
    if (Date.now() - started > ms) {
      await explain(t, knex, [jobId]).catch(() => {});
      for (const w of workers) {
        const lines = w.output().split('\n').filter((l) => !/heartbeat failed/.test(l)).slice(-40);
        t.comment(`Tendril output (its last 40 lines but heartbeats):\n${lines.map((l) => l.slice(0, 600)).join('\n')}`);
      }
      throw new Error(`job ${jobId} did not end within ${ms} ms (${row?.status ?? 'unknown'})`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
