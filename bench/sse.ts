/**
 * Live streams under load (issue 14, target 3). A real Trellis (this process) and its real SSE
 * routes over HTTP; 500 clients in a process of their own (bench/clients/sse-clients.ts), each
 * holding what a browser on a vine page holds: the vine's stream and its running job's log stream.
 *   one job:   500 clients on one vine and its one running job;
 *   500 vines: 500 clients each on a different vine, each with its own running job.
 * The jobs' lines are appended the way a Tendril's runner does (the job's log writer: batched
 * inserts and a NOTIFY per batch), on a database pool of their own as a Tendril's; then each job
 * ends (SUCCESS, through the job repository's transition), which the vine streams show.
 * Reported: lines delivered to every client (must be all, in order, once), stored → delivered
 * latency (from the batch's commit as seen by the writer to its arrival at the client; one
 * machine, one clock), the vine streams' swap after the job ended, and Trellis's RSS and heap
 * growth per client (after a full GC, clients connected and idle, against before they came).
 * Target: every line to every client, p99 ≤ 100 ms. Figures in bench/results/sse.json.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { benchDatabase, median, percentile, writeResult, signIn } from './lib.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { buildApp } from '../src/app.js';
import { createLogWriter, type LogWriter } from '../src/domain/jobs/log-writer.js';
import { createJobRepository } from '../src/domain/jobs/repository.js';
import { seedVine } from '../test/fixtures.js';
import { createKnex } from '../src/db/knex.js';

const CLIENTS = Number(process.env.BENCH_SSE_CLIENTS ?? 500);
/** One job: lines in all, in batches of BATCH every INTERVAL ms (a busy `terraform apply`). */
const LINES = Number(process.env.BENCH_SSE_LINES ?? 300);
const BATCH = 5;
const INTERVAL_MS = 100;
/** 500 vines: rounds of a batch of ROUND_LINES lines to every job, every ROUND_MS. */
const ROUNDS = Number(process.env.BENCH_SSE_ROUNDS ?? 10);
const ROUND_LINES = 2;
const ROUND_MS = 500;
const TARGET = { p99Ms: 100 };
/** BENCH_ONLY=one|many measures one scenario and prints it. */
const ONLY = process.env.BENCH_ONLY;
const part = (name: string) => !ONLY || ONLY === name;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mb = (n: number) => Math.round((n / 1024 / 1024) * 10) / 10;
const memory = () => {
  gc();
  gc();
  const m = process.memoryUsage();
  return { rss: m.rss, heap: m.heapUsed + m.external };
};

interface ClientReport {
  lines: number[];
  swaps: number[];
  jobEnd?: number;
  errors: string[];
}

class Clients {
  private child: ChildProcess;
  private waiting = new Map<string, (msg: { clients?: ClientReport[] }) => void>();
  constructor() {
    this.child = fork(fileURLToPath(new URL('./clients/sse-clients.ts', import.meta.url)), [], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
    this.child.on('message', (msg: { type: string; clients?: ClientReport[] }) => {
      const w = this.waiting.get(msg.type);
      this.waiting.delete(msg.type);
      w?.(msg);
    });
  }
  private next(type: string, ms: number) {
    return new Promise<{ clients?: ClientReport[] }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the clients did not answer '${type}' within ${ms} ms`)), ms);
      this.waiting.set(type, (m) => {
        clearTimeout(timer);
        resolve(m);
      });
    });
  }
  started = () => this.next('started', 60_000);
  async open(url: string, cookie: string, targets: Array<{ jobId: string; vineId: string }>) {
    const ready = this.next('ready', 180_000);
    this.child.send({ type: 'open', url, cookie, targets });
    await ready;
  }
  async report(): Promise<ClientReport[]> {
    const r = this.next('report', 60_000);
    this.child.send({ type: 'report' });
    return (await r).clients!;
  }
  close() {
    this.child.send({ type: 'close' });
    return new Promise((r) => this.child.once('exit', r));
  }
}

const db = await benchDatabase('sse');
const dataDir = await mkdtemp(join(tmpdir(), 'vintner-bench-data-'));
const config = loadConfig({ DATABASE_URL: db.url, LOG_LEVEL: 'warn', LOG_FORMAT: 'json', NODE_ENV: 'production', VIEWS_RELOAD: 'false' }, dataDir);
const app = await buildApp({ config, knex: db.knex, databaseUrl: db.url, logger: createLogger(config, 'bench') });
// The Tendril's side (log lines, the job's end) on a pool of its own, as a Tendril process has.
const tendrilKnex = createKnex(db.url, { poolMax: 10 });
const jobs = createJobRepository(tendrilKnex);
try {
  const password = 'benchmark password';
  const user = await app.services.users.signup('bench@example.com', password);
  const identity = await db.knex('cloud_identities').where({ user_id: user.id }).first('id');
  const owner = identity ? { userId: user.id, identityId: identity.id as string } : { userId: user.id, identityId: (await db.knex('cloud_identities').insert({ user_id: user.id, name: 'sandbox', provider: 'local' }).returning('id'))[0].id as string };
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  const cookie = await signIn(url, 'bench@example.com', password);

  /** A vine with a running DEPLOY (its row as a Tendril's claim leaves it: PROCESSING). */
  const runningVine = async (i: number) => {
    const v = await seedVine(db.knex, { user: owner, allKinds: i === 0, name: `shop${i}` });
    const [job] = await db.knex('provision_jobs').insert({ vine_id: v.vineId, created_by: owner.userId, type: 'DEPLOY', status: 'PROCESSING', processing_at: db.knex.fn.now() }).returning('id');
    await db.knex('vines').where({ id: v.vineId }).update({ status: 'PROVISIONING' });
    return { vineId: v.vineId, jobId: job.id as string };
  };
  const line = (i: number) => `terraform_data.databases["db-${i % 10}"]: Still creating... [${i}s elapsed] \u001b[1mline ${i}\u001b[0m`;

  /**
   * Runs a scenario: `targets[i]` is client i's vine and job; `write` appends the lines and says
   * when each batch was stored (storedAt[jobIndex][seq]); then every job ends.
   */
  const scenario = async (name: string, targets: Array<{ vineId: string; jobId: string }>, write: (writers: LogWriter[], storedAt: Array<Map<number, number>>) => Promise<void>) => {
    const jobIds = [...new Set(targets.map((t) => t.jobId))];
    const loadBefore = loadavg()[0]!;
    const clients = new Clients();
    await clients.started();
    await sleep(500);
    const before = memory();
    const t0 = now();
    await clients.open(url, cookie, targets);
    const connectMs = now() - t0;
    await sleep(1000);
    const connected = memory();

    // The lines, written while every client follows; Trellis's peak memory meanwhile.
    let peak = connected.rss;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
    const writers = jobIds.map((id) => createLogWriter(tendrilKnex, id));
    const storedAt = jobIds.map(() => new Map<number, number>());
    const w0 = now();
    await write(writers, storedAt);
    await Promise.all(writers.map((w) => w.close()));
    const writeMs = now() - w0;
    // Every job ends; its streams send the final status and `end`, the vine streams a swap.
    const endedAt = new Map<string, number>();
    await Promise.all(
      jobIds.map(async (id) => {
        const [ended] = await jobs.transition({ id }, 'SUCCESS');
        if (!ended) throw new Error(`job ${id} did not end`);
        endedAt.set(id, now());
      }),
    );
    const expectedLines = storedAt.map((m) => m.size);
    const deadline = Date.now() + 120_000;
    let reports: ClientReport[];
    for (;;) {
      await sleep(1000);
      reports = await clients.report();
      if (reports.every((r) => r.jobEnd !== undefined && r.swaps.length > 0) || Date.now() > deadline) break;
    }
    clearInterval(sampler);
    const after = memory();
    await clients.close();

    const index = new Map(jobIds.map((id, i) => [id, i]));
    const latencies: number[] = [];
    let complete = 0;
    const problems: string[] = [];
    reports.forEach((r, c) => {
      const j = index.get(targets[c]!.jobId)!;
      const seqs: number[] = [];
      for (let k = 0; k < r.lines.length; k += 2) {
        seqs.push(r.lines[k]!);
        latencies.push(r.lines[k + 1]! - storedAt[j]!.get(r.lines[k]!)!);
      }
      const ok = seqs.length === expectedLines[j] && seqs.every((s, k) => s === k + 1);
      if (ok) complete++;
      else if (problems.length < 5) problems.push(`client ${c}: ${seqs.length} of ${expectedLines[j]} lines${seqs.every((s, k) => s === k + 1) ? '' : ', out of order'}`);
      if (r.errors.length && problems.length < 5) problems.push(`client ${c}: ${r.errors[0]}`);
    });
    const ended = (c: number) => endedAt.get(targets[c]!.jobId)!;
    const swapLatencies = reports.flatMap((r, c) => (r.swaps.length ? [r.swaps.at(-1)! - ended(c)] : []));
    const endLatencies = reports.flatMap((r, c) => (r.jobEnd !== undefined ? [r.jobEnd - ended(c)] : []));
    const round = (n: number) => Math.round(n * 10) / 10;
    const result = {
      clients: targets.length,
      jobs: jobIds.length,
      vines: new Set(targets.map((t) => t.vineId)).size,
      streams_open: targets.length * 2,
      lines_per_job: median(expectedLines),
      lines_delivered: latencies.length,
      lines_expected: targets.reduce((n, t) => n + expectedLines[index.get(t.jobId)!]!, 0),
      clients_with_every_line_in_order: complete,
      every_line_to_every_client: complete === targets.length,
      problems,
      connect_all_ms: Math.round(connectMs),
      write_ms: Math.round(writeMs),
      stored_to_delivered_ms: { p50: round(percentile(latencies, 50)), p90: round(percentile(latencies, 90)), p99: round(percentile(latencies, 99)), max: round(latencies.reduce((a, b) => Math.max(a, b), 0)) },
      job_end_to_end_event_ms: { p50: round(median(endLatencies)), p99: round(percentile(endLatencies, 99)), got: endLatencies.length },
      job_end_to_vine_swap_ms: { p50: round(median(swapLatencies)), p99: round(percentile(swapLatencies, 99)), got: swapLatencies.length },
      trellis_memory_mb: { before: { rss: mb(before.rss), heap: mb(before.heap) }, connected: { rss: mb(connected.rss), heap: mb(connected.heap) }, peak_rss: mb(peak), after_end: { rss: mb(after.rss), heap: mb(after.heap) } },
      trellis_memory_per_client_kb: { rss: Math.round((connected.rss - before.rss) / 1024 / targets.length), heap: Math.round((connected.heap - before.heap) / 1024 / targets.length) },
      target: TARGET,
      meets_target: complete === targets.length && percentile(latencies, 99) <= TARGET.p99Ms,
      load_average_1m: { before: round(loadBefore), after: round(loadavg()[0]!) },
    };
    process.stdout.write(`${name}: ${JSON.stringify(result)}\n`);
    return result;
  };

  // 1. 500 clients on one job and its vine.
  let one;
  if (part('one')) {
    const t = await runningVine(0);
    one = await scenario('one job', Array.from({ length: CLIENTS }, () => t), async ([writer], [stored]) => {
      for (let i = 1; i <= LINES; i++) {
        writer!.write({ stream: 'stdout', level: 'info', line: line(i) });
        if (i % BATCH === 0 || i === LINES) {
          await writer!.flush();
          const at = now();
          for (let s = i - ((i - 1) % BATCH); s <= i; s++) stored!.set(s, at);
          await sleep(INTERVAL_MS);
        }
      }
    });
  }

  // 2. 500 clients, each on a vine of its own with its own running job.
  let many;
  if (part('many')) {
    const targets = [];
    for (let i = 1; i <= CLIENTS; i++) targets.push(await runningVine(i));
    many = await scenario('500 vines', targets, async (writers, stored) => {
      for (let r = 0; r < ROUNDS; r++) {
        const started = Date.now();
        await Promise.all(
          writers.map(async (w, j) => {
            for (let k = 1; k <= ROUND_LINES; k++) w.write({ stream: 'stdout', level: 'info', line: line(r * ROUND_LINES + k) });
            await w.flush();
            const at = now();
            for (let k = 1; k <= ROUND_LINES; k++) stored[j]!.set(r * ROUND_LINES + k, at);
          }),
        );
        await sleep(Math.max(0, ROUND_MS - (Date.now() - started)));
      }
    });
  }
  (ONLY ? (_: string, r: object) => console.log(JSON.stringify(r, null, 1)) : writeResult)('sse', {
    one_job: one && { ...one, writing: `${LINES} lines in batches of ${BATCH} every ${INTERVAL_MS} ms` },
    many_vines: many && { ...many, writing: `${ROUNDS} rounds of ${ROUND_LINES} lines to every job, every ${ROUND_MS} ms` },
    note: 'Trellis in the bench process; the clients in another process on the same 2 cores (they compete for CPU). Each client holds 2 streams: /vines/:id/events and /jobs/:id/events (HTML, as the vine page opens them). Memory per client: after a full GC, clients connected and idle, against before.',
  });
} finally {
  await app.close();
  await tendrilKnex.destroy();
  await db.close();
  await rm(dataDir, { recursive: true, force: true });
}
process.exit(0);
