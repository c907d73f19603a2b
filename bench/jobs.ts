/**
 * Tendril benchmarks (issue 3): enqueue → PROCESSING latency, log ingest throughput, and a sandbox
 * DEPLOY through Vintner against the same `terraform init && terraform apply` run by hand.
 */
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { benchDatabase, median, percentile, writeResult } from './lib.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { startTendril } from '../src/tendril/index.js';
import { createJobService } from '../src/domain/jobs/service.js';
import { createJobRepository } from '../src/domain/jobs/repository.js';
import { createLogWriter } from '../src/domain/jobs/log-writer.js';
import { subscribeJobLogs } from '../src/domain/jobs/subscribe.js';
import { createNotifyHub } from '../src/db/notify.js';
import { createSealer } from '../src/domain/crypto.js';
import { vineContext } from '../src/runner/vine-context.js';
import { createDbJobStore } from '../src/runner/db-store.js';
import { sensitiveVarEnv } from '../src/terraform/index.js';
import type { JobRecord } from '../src/domain/jobs/repository.js';
import { seedUser, seedVine } from '../test/fixtures.js';
import { JOB_TERMINAL } from '../src/domain/jobs/status.js';
import type { Knex } from 'knex';

const JOBS = Number(process.env.BENCH_LATENCY_JOBS ?? 500);
const LINES = Number(process.env.BENCH_LOG_LINES ?? 100_000);
const DEPLOYS = Number(process.env.BENCH_DEPLOYS ?? 5);
/** BENCH_ONLY=latency|logs|deploy runs one part (the others keep their last figures). */
const ONLY = process.env.BENCH_ONLY;
const part = (name: string) => !ONLY || ONLY === name;

async function until(knex: Knex, jobId: string, statuses: readonly string[]): Promise<void> {
  for (;;) {
    const j = await knex('provision_jobs').where({ id: jobId }).first('status');
    if (statuses.includes(j.status)) return;
    await new Promise((r) => setTimeout(r, 5));
  }
}

const db = await benchDatabase('jobs');
const dataDir = await mkdtemp(join(tmpdir(), 'vintner-bench-data-'));
const config = loadConfig({ DATABASE_URL: db.url, LOG_LEVEL: 'warn', LOG_FORMAT: 'json', TENDRIL_CONCURRENCY: '4' }, dataDir);
const log = createLogger(config, 'bench');
const tendril = await startTendril({ config, knex: db.knex, databaseUrl: db.url, log, inProcess: true });
const jobs = createJobService(db.knex);
try {
  // 1. enqueue → PROCESSING, one job at a time so each measures the pick-up alone.
  const user = await seedUser(db.knex);
  const latencies: number[] = [];
  for (let i = 0; i < (part('latency') ? JOBS : 0); i++) {
    const job = await jobs.create({ userId: user.userId, type: 'CONNECTION_TEST', identityId: user.identityId });
    await until(db.knex, job.id, JOB_TERMINAL);
    const row = await db.knex('provision_jobs').where({ id: job.id }).first('queued_at', 'processing_at', 'status');
    if (row.status !== 'SUCCESS') throw new Error(`connection test ${job.id} ended ${row.status}`);
    latencies.push(row.processing_at.getTime() - row.queued_at.getTime());
  }
  if (part('latency')) writeResult('enqueue-latency', {
    jobs: JOBS,
    p50_ms: median(latencies),
    p99_ms: percentile(latencies, 99),
    max_ms: Math.max(...latencies),
    target: 'p50 <= 10 ms, p99 <= 50 ms',
    note: 'queued_at → processing_at from database timestamps (claim + PROCESSING), CONNECTION_TEST jobs on an in-process Tendril',
  });

  // 2. log ingest: one job, LINES lines, stored and delivered to a live subscriber.
  // The job is a row of its own, never enqueued: no Tendril can run it before (or while) it is measured.
  const v = await seedVine(db.knex);
  const jobRepo = createJobRepository(db.knex);
  const logJob = await jobRepo.insert({ vine_id: v.vineId, created_by: v.userId, type: 'PLAN' });
  await tendril.stop(); // nothing else writes while we measure
  await jobRepo.claim(logJob.id, tendril.id, 600, 'bench');
  await jobRepo.transition({ id: logJob.id }, 'PROCESSING');
  const hub = createNotifyHub(db.url);
  let delivered = 0;
  let lastSeq = 0;
  let inOrder = true;
  let deliveredAt = 0;
  const allDelivered = new Promise<void>((resolve) => {
    void subscribeJobLogs(db.knex, hub, logJob.id, 0, {
      onLines: (lines) => {
        for (const l of lines) {
          if (l.seq !== lastSeq + 1) inOrder = false;
          lastSeq = l.seq;
        }
        delivered += lines.length;
        if (delivered >= (part("logs") ? LINES : 1)) {
          deliveredAt = performance.now();
          resolve();
        }
      },
    });
  });
  const writer = createLogWriter(db.knex, logJob.id);
  const t0 = performance.now();
  const lines = part('logs') ? LINES : 1;
  for (let i = 1; i <= lines; i++) {
    writer.write({ stream: 'stdout', level: 'info', line: `terraform_data.databases["main"]: Still creating... [${i}s elapsed] line ${i}` });
    if (i % 5000 === 0) await new Promise((r) => setImmediate(r)); // a real stream arrives in chunks
  }
  await writer.close();
  const stored = performance.now() - t0;
  await allDelivered;
  const count = Number((await db.knex('provision_job_logs').where({ job_id: logJob.id }).count('* as n'))[0]!.n);
  await hub.close();
  if (part('logs')) writeResult('log-ingest', {
    lines: LINES,
    stored: count,
    delivered,
    lost: LINES - delivered,
    in_order: inOrder,
    stored_lines_per_s: Math.round(LINES / (stored / 1000)),
    delivered_lines_per_s: Math.round(LINES / ((deliveredAt - t0) / 1000)),
    target: '>= 20,000 lines/s, 0 lost',
  });

  // 3. DEPLOY through Vintner vs terraform init && apply by hand, same module and variables.
  const t2 = await startTendril({ config: { ...config, tendrilName: 'bench-2' }, knex: db.knex, databaseUrl: db.url, log, inProcess: true });
  const sealer = createSealer(config.secretKey);
  const viaVintner: number[] = [];
  const byHand: number[] = [];
  const moduleDir = fileURLToPath(new URL('../terraform/local/', import.meta.url));
  const cliConfig = join(dataDir, 'terraformrc');
  await writeFile(cliConfig, '');
  for (let i = 0; i < (part('deploy') ? DEPLOYS : 0); i++) {
    const vine = await seedVine(db.knex, { allKinds: true, name: `deploy${i}` });
    const s = performance.now();
    const job = await jobs.create({ userId: vine.userId, type: 'DEPLOY', vineId: vine.vineId });
    await until(db.knex, job.id, JOB_TERMINAL);
    viaVintner.push(performance.now() - s);
    const st = await db.knex('provision_jobs').where({ id: job.id }).first('status', 'error');
    if (st.status !== 'SUCCESS') throw new Error(`deploy failed: ${st.error}`);

    const other = await seedVine(db.knex, { allKinds: true, name: `hand${i}` });
    const store = createDbJobStore({ knex: db.knex, sealer, tendrilId: tendril.id, stateUrl: () => 'http://127.0.0.1:9/unused', leaseSeconds: 20 });
    const ctx = await vineContext(await store.vine({ vine_id: other.vineId } as JobRecord));
    const dir = await mkdtemp(join(tmpdir(), 'vintner-by-hand-'));
    await cp(moduleDir, dir, { recursive: true });
    await writeFile(join(dir, 'terraform.tfvars.json'), JSON.stringify(ctx.vars));
    // By hand: the state in a local file (what someone running Terraform alone would start with).
    await writeFile(join(dir, 'override.tf'), 'terraform {\n  backend "local" {}\n}\n');
    const env = { PATH: process.env.PATH!, HOME: dir, TF_CLI_CONFIG_FILE: cliConfig, CHECKPOINT_DISABLE: '1', TF_IN_AUTOMATION: '1', TF_INPUT: '0', ...sensitiveVarEnv(ctx.sensitiveVars) };
    const h = performance.now();
    await execa('terraform', ['init', '-input=false'], { cwd: dir, env, extendEnv: false });
    await execa('terraform', ['apply', '-auto-approve', '-input=false'], { cwd: dir, env, extendEnv: false });
    byHand.push(performance.now() - h);
    await rm(dir, { recursive: true, force: true });
  }
  await t2.stop();
  if (part('deploy')) writeResult('deploy-overhead', {
    runs: DEPLOYS,
    vintner_median_ms: Math.round(median(viaVintner)),
    by_hand_median_ms: Math.round(median(byHand)),
    ratio: Math.round((median(viaVintner) / median(byHand)) * 100) / 100,
    target: 'ratio <= 1.15',
    note: 'a vine with one component of every kind on terraform/local; Vintner time is job creation → SUCCESS seen in the database',
  });
} finally {
  await tendril.stop();
  await db.close();
  await rm(dataDir, { recursive: true, force: true });
}
process.exit(0);
