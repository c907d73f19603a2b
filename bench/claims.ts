/**
 * Many Tendrils on one queue (issue 14, target 4): 4 real `worker` processes (bin/tendril.ts, the
 * Procfile's `worker`) against one PostgreSQL; 25 sandbox vines (terraform/local) × 10 jobs,
 * mixed PLAN / DEPLOY / DESTROY, enqueued through the job service the way Trellis does: each
 * vine's jobs in its order, a DEPLOY or DESTROY as soon as the vine lets one start (only one may
 * be open per vine), PLANs at once.
 * Checked from the database: every job claimed once (lease epoch 1, one "started on Tendril"
 * line), per vine each job claimed only after the one before it finished, in the order enqueued.
 * Reported: total wall time (first enqueue → last finish), jobs/s, enqueue → PROCESSING p50/p99,
 * and the same from the moment the job could run (its vine's previous job finished), which is
 * what a Tendril's pick-up costs under that load (with 4 × TENDRIL_CONCURRENCY slots for 25 vines,
 * waiting for a free slot included; TENDRIL_CONCURRENCY=8 gives every vine a slot and writes
 * claims-concurrency-8.json). Figures in bench/results/claims.json.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { benchDatabase, median, percentile, writeResult } from './lib.js';
import { createJobService } from '../src/domain/jobs/service.js';
import { createComponentRepository } from '../src/domain/components/repository.js';
import { ConflictError } from '../src/domain/errors.js';
import { JOB_TERMINAL } from '../src/domain/jobs/status.js';
import { seedUser, seedVine } from '../test/fixtures.js';

const WORKERS = Number(process.env.BENCH_WORKERS ?? 4);
const VINES = Number(process.env.BENCH_VINES ?? 25);
const CONCURRENCY = process.env.TENDRIL_CONCURRENCY ?? '4';
/** Each vine's jobs, in order: 5 PLAN, 3 DEPLOY, 2 DESTROY. */
const SEQUENCE = ['PLAN', 'DEPLOY', 'PLAN', 'DESTROY', 'PLAN', 'DEPLOY', 'PLAN', 'PLAN', 'DESTROY', 'DEPLOY'] as const;
const JOBS_PER_VINE = Number(process.env.BENCH_JOBS_PER_VINE ?? SEQUENCE.length);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const db = await benchDatabase('claims');
const { knex } = db;
const dirs: string[] = [];
const workers: Array<ChildProcess & { out: () => string }> = [];
const secretKey = randomBytes(32).toString('base64');
try {
  for (let i = 0; i < WORKERS; i++) {
    const dataDir = mkdtempSync(join(tmpdir(), `vintner-bench-tendril-${i}-`));
    dirs.push(dataDir);
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bin/tendril.ts')], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: db.url, VINTNER_DATA_DIR: dataDir, TENDRIL_NAME: `bench-tendril-${i + 1}`, VINTNER_SECRET_KEY: secretKey, TENDRIL_CONCURRENCY: CONCURRENCY, LOG_LEVEL: 'warn', LOG_FORMAT: 'json' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    workers.push(Object.assign(child, { out: () => out }));
  }
  for (let i = 0; ; i++) {
    const running = await knex('tendrils').where({ status: 'RUNNING' }).count<{ n: string }[]>('* as n');
    if (Number(running[0]!.n) >= WORKERS) break;
    if (i > 600) throw new Error(`the Tendrils did not start: ${workers.map((w) => w.out()).join('\n---\n')}`);
    await sleep(200);
  }

  const user = await seedUser(knex);
  const components = createComponentRepository(knex);
  const vines: string[] = [];
  for (let i = 0; i < VINES; i++) {
    const v = await seedVine(knex, { user, name: `v${i}` });
    await components.insert('queues', v.vineId, 'q', { fifo: false, visibility_timeout_seconds: 30, message_retention_seconds: 3600, dead_letter: false });
    vines.push(v.vineId);
  }
  const jobs = createJobService(knex);
  const loadBefore = loadavg()[0]!;
  const started = Date.now();
  // Each vine's jobs in order; a DEPLOY or DESTROY waits (as a user would) until the vine lets it start.
  const perVine = await Promise.all(
    vines.map(async (vineId) => {
      const ids: string[] = [];
      for (const type of SEQUENCE.slice(0, JOBS_PER_VINE)) {
        for (;;) {
          try {
            ids.push((await jobs.create({ userId: user.userId, type, vineId })).id);
            break;
          } catch (err) {
            if (!(err instanceof ConflictError)) throw err;
            await sleep(50);
          }
        }
      }
      return ids;
    }),
  );
  const all = perVine.flat();
  for (;;) {
    const open = await knex('provision_jobs').whereIn('id', all).whereNotIn('status', JOB_TERMINAL).count<{ n: string }[]>('* as n');
    if (Number(open[0]!.n) === 0) break;
    if (Date.now() - started > 3_600_000) throw new Error('the jobs did not finish within an hour');
    await sleep(200);
  }
  const loadAfter = loadavg()[0]!;

  const rows = await knex('provision_jobs')
    .whereIn('id', all)
    .select('id', 'vine_id', 'type', 'status', 'error', 'tendril_id', 'lease_epoch', 'queued_at', 'claimed_at', 'processing_at', 'finished_at');
  const byId = new Map(rows.map((r) => [r.id as string, r]));
  const starts = await knex('provision_job_logs').whereIn('job_id', all).where('line', 'like', '% started on Tendril %').select('job_id');
  const startsPerJob = new Map<string, number>();
  for (const s of starts) startsPerJob.set(s.job_id, (startsPerJob.get(s.job_id) ?? 0) + 1);
  const doubleClaims = rows.filter((r) => r.lease_epoch !== 1 || startsPerJob.get(r.id) !== 1);
  const failed = rows.filter((r) => r.status !== 'SUCCESS');
  let outOfOrder = 0;
  const queuedToProcessing: number[] = [];
  const readyToProcessing: number[] = [];
  for (const ids of perVine) {
    for (let j = 0; j < ids.length; j++) {
      const cur = byId.get(ids[j]!)!;
      if (!cur.processing_at) continue;
      queuedToProcessing.push(cur.processing_at.getTime() - cur.queued_at.getTime());
      const prev = j > 0 ? byId.get(ids[j - 1]!)! : undefined;
      if (prev && !(cur.claimed_at >= prev.finished_at && prev.queued_at <= cur.queued_at)) outOfOrder++;
      const ready = Math.max(cur.queued_at.getTime(), prev?.finished_at?.getTime() ?? 0);
      readyToProcessing.push(cur.processing_at.getTime() - ready);
    }
  }
  const first = Math.min(...rows.map((r) => r.queued_at.getTime()));
  const last = Math.max(...rows.map((r) => r.finished_at.getTime()));
  const wallS = (last - first) / 1000;
  const byTendril: Record<string, number> = {};
  const names = new Map((await knex('tendrils').select('id', 'name')).map((t) => [t.id as string, t.name as string]));
  for (const r of rows) byTendril[names.get(r.tendril_id) ?? 'none'] = (byTendril[names.get(r.tendril_id) ?? 'none'] ?? 0) + 1;
  const byType: Record<string, number> = {};
  for (const r of rows) byType[r.type] = (byType[r.type] ?? 0) + 1;
  const round = (n: number) => Math.round(n * 100) / 100;
  // How long the jobs themselves ran (PROCESSING → finished), by type: what the slots were busy with.
  const runMs: Record<string, { p50: number; p99: number }> = {};
  for (const type of Object.keys(byType)) {
    const d = rows.filter((r) => r.type === type && r.processing_at && r.finished_at).map((r) => r.finished_at.getTime() - r.processing_at.getTime());
    runMs[type] = { p50: median(d), p99: percentile(d, 99) };
  }
  writeResult(CONCURRENCY === '4' ? 'claims' : `claims-concurrency-${CONCURRENCY}`, {
    tendril_processes: WORKERS,
    tendril_concurrency: Number(CONCURRENCY),
    vines: VINES,
    jobs: rows.length,
    jobs_by_type: byType,
    succeeded: rows.length - failed.length,
    failures: failed.slice(0, 5).map((r) => `${r.type} ${r.status}: ${r.error}`),
    double_claims: doubleClaims.length,
    out_of_order_per_vine: outOfOrder,
    jobs_by_tendril: byTendril,
    wall_s: round(wallS),
    jobs_per_s: round(rows.length / wallS),
    queued_to_processing_ms: { p50: median(queuedToProcessing), p99: percentile(queuedToProcessing, 99), max: Math.max(...queuedToProcessing) },
    run_ms_by_type: runMs,
    ready_to_processing_ms: { p50: median(readyToProcessing), p99: percentile(readyToProcessing, 99), max: Math.max(...readyToProcessing) },
    load_average_1m: { before: round(loadBefore), after: round(loadAfter) },
    note: 'real worker processes and real Terraform (terraform/local, one queue component per vine) on this machine; times from the database. queued_to_processing includes waiting behind the vine\'s earlier jobs (one at a time per vine); ready_to_processing counts from when the job could run (queued, and its vine\'s previous job finished), including waiting for a free Tendril slot.',
  });
  if (doubleClaims.length || outOfOrder) process.exitCode = 1;
} finally {
  for (const w of workers) w.kill('SIGTERM');
  await Promise.all(workers.map((w) => (w.exitCode === null && w.signalCode === null ? new Promise((r) => w.once('exit', r)) : undefined)));
  await db.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}
process.exit(process.exitCode ?? 0);
