/**
 * Remote Tendrils (issue 13): a sandbox harvest on a remote Tendril (its own process, HTTP to
 * Trellis, state through its proxy) against the same harvest on Trellis's in-house Tendril, and
 * the claim latency over HTTP — a long-poll answered when a job is queued (client clock), and
 * queued → PROCESSING of CONNECTION_TEST jobs on a real remote Tendril (database clock, as
 * bench/results/enqueue-latency.json measures it in-house).
 *
 * Trellis and the remote Tendril are processes of their own (node --import tsx), like in
 * production; everything shares the 2 cores with PostgreSQL and this script.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchDatabase, median, percentile, writeResult } from './lib.js';
import { seedUser, seedVine } from '../test/fixtures.js';
import { createJobService } from '../src/domain/jobs/service.js';
import { JOB_TERMINAL } from '../src/domain/jobs/status.js';
import { createPoolService } from '../src/domain/pools/service.js';
import type { Knex } from 'knex';

const HARVESTS = Number(process.env.BENCH_HARVESTS ?? 7);
const CLAIMS = Number(process.env.BENCH_CLAIMS ?? 200);
const TESTS = Number(process.env.BENCH_CONNECTION_TESTS ?? 200);
const ROOT = fileURLToPath(new URL('../', import.meta.url));
const KEY = Buffer.alloc(32, 5).toString('base64');

const procs: ChildProcess[] = [];
function node(script: string, env: Record<string, string>): Promise<{ proc: ChildProcess; out: () => string }> {
  const data = mkdtempSync(join(tmpdir(), 'vintner-bench-remote-'));
  const base = { ...process.env };
  for (const k of ['DATABASE_URL', 'TRELLIS_URL', 'TENDRIL_TOKEN', 'VINTNER_SECRET_KEY']) delete base[k];
  const proc = spawn(process.execPath, ['--import', 'tsx', join(ROOT, script)], { cwd: ROOT, env: { ...base, VINTNER_DATA_DIR: data, LOG_LEVEL: 'warn', LOG_FORMAT: 'json', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  procs.push(proc);
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  proc.on('exit', () => rmSync(data, { recursive: true, force: true }));
  return new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      if (/is running/.test(out)) {
        clearInterval(timer);
        resolve({ proc, out: () => out });
      } else if (proc.exitCode !== null) {
        clearInterval(timer);
        reject(new Error(`${script} exited: ${out}`));
      }
    }, 20);
  });
}

async function until(knex: Knex, jobId: string): Promise<{ status: string; error: string | null }> {
  for (;;) {
    const j = await knex('provision_jobs').where({ id: jobId }).first('status', 'error');
    if (JOB_TERMINAL.includes(j.status)) return j;
    await new Promise((r) => setTimeout(r, 5));
  }
}

const db = await benchDatabase('remote');
try {
  const trellis = await node('bin/trellis.ts', { DATABASE_URL: db.url, PORT: '0', VINTNER_SECRET_KEY: KEY, TENDRIL_IN_PROCESS: 'true', TENDRIL_CONCURRENCY: '1' });
  const url = /Vintner is running at (http:\/\/[^\s]+?)\/\s/.exec(trellis.out())![1]!;
  const user = await seedUser(db.knex);
  const pools = createPoolService({ knex: db.knex });
  const pool = await pools.create(user.userId, { name: 'bench' });
  const { token } = await pools.createToken(user.userId, pool.id, { name: 'bench' });
  const [pooled] = await db.knex('cloud_identities').insert({ user_id: user.userId, name: 'pooled', provider: 'local', pool_id: pool.id }).returning('id');
  const jobs = createJobService(db.knex);

  // 1. Claim latency of the protocol itself: a long-poll waiting, a job queued, the answer here.
  const auth = { authorization: `Bearer ${token}` };
  const json = { ...auth, 'content-type': 'application/json' };
  const hello = (await (await fetch(`${url}/api/v1/agent/tendrils`, { method: 'POST', headers: json, body: JSON.stringify({ name: 'bench-client', host: 'bench', pid: process.pid, version: '0', terraform_version: '1', concurrency: 1 }) })).json()) as { id: string };
  const wake: number[] = [];
  const ready: number[] = [];
  const vine = await seedVine(db.knex, { user: { userId: user.userId, identityId: pooled.id }, name: 'latency' });
  for (let i = 0; i < CLAIMS; i++) {
    const polling = fetch(`${url}/api/v1/agent/tendrils/${hello.id}/claim`, { method: 'POST', headers: json, body: JSON.stringify({ wait_seconds: 25 }) });
    await new Promise((r) => setTimeout(r, 30)); // the long-poll is waiting
    const queuedAt = performance.now();
    const job = await jobs.create({ userId: user.userId, type: 'PLAN', vineId: vine.vineId });
    const res = await polling;
    wake.push(performance.now() - queuedAt);
    const claim = (await res.json()) as { job: { id: string; lease_epoch: number }; job_token: string };
    if (claim.job.id !== job.id) throw new Error('claimed another job');
    const run = { ...auth, 'x-vintner-job-token': claim.job_token, 'x-vintner-lease-epoch': String(claim.job.lease_epoch) };
    // A job already queued: one request, answered at once.
    const next = await jobs.create({ userId: user.userId, type: 'PLAN', vineId: (await seedVine(db.knex, { user: { userId: user.userId, identityId: pooled.id }, name: `l${i}` })).vineId });
    const s = performance.now();
    const r2 = (await (await fetch(`${url}/api/v1/agent/tendrils/${hello.id}/claim`, { method: 'POST', headers: json, body: JSON.stringify({ holding: [job.id], wait_seconds: 0 }) })).json()) as { job: { id: string; lease_epoch: number }; job_token: string };
    ready.push(performance.now() - s);
    if (r2.job.id !== next.id) throw new Error('claimed another job');
    for (const [id, r] of [[job.id, run], [next.id, { ...auth, 'x-vintner-job-token': r2.job_token, 'x-vintner-lease-epoch': String(r2.job.lease_epoch) }]] as const) {
      const started = await fetch(`${url}/api/v1/agent/jobs/${id}/start`, { method: 'POST', headers: r });
      const finished = await fetch(`${url}/api/v1/agent/jobs/${id}/finish`, { method: 'POST', headers: { ...r, 'content-type': 'application/json' }, body: JSON.stringify({ status: 'SUCCESS' }) });
      if (started.status !== 204 || finished.status !== 204) throw new Error(`start ${started.status}, finish ${finished.status}: ${await finished.text()}`);
    }
  }

  // 2. A real remote Tendril: queued → PROCESSING of connection tests (database clock).
  const remote = await node('bin/tendril.ts', { TRELLIS_URL: url, TENDRIL_TOKEN: token, TENDRIL_NAME: 'bench-remote', TENDRIL_CONCURRENCY: '1' });
  const pickup: number[] = [];
  for (let i = 0; i < TESTS; i++) {
    const job = await jobs.create({ userId: user.userId, type: 'CONNECTION_TEST', identityId: pooled.id });
    const end = await until(db.knex, job.id);
    if (end.status !== 'SUCCESS') throw new Error(`connection test ${job.id}: ${end.status} ${end.error}`);
    const row = await db.knex('provision_jobs').where({ id: job.id }).first('queued_at', 'processing_at');
    pickup.push(row.processing_at.getTime() - row.queued_at.getTime());
  }
  writeResult('remote-claim-latency', {
    long_poll_wake: { runs: CLAIMS, p50_ms: Math.round(median(wake) * 10) / 10, p99_ms: Math.round(percentile(wake, 99) * 10) / 10, max_ms: Math.round(Math.max(...wake)) },
    queued_claim: { runs: CLAIMS, p50_ms: Math.round(median(ready) * 10) / 10, p99_ms: Math.round(percentile(ready, 99) * 10) / 10 },
    remote_tendril_enqueue_to_processing: { jobs: TESTS, p50_ms: median(pickup), p99_ms: percentile(pickup, 99), max_ms: Math.max(...pickup) },
    load_average: loadavg().map((l) => Math.round(l * 100) / 100),
    note:
      'long_poll_wake: a claim long-poll waiting on Trellis, then a job created: job insert → claim answer received (client clock, includes the INSERT transaction). ' +
      'queued_claim: one claim request for a job already queued (client clock). ' +
      'remote_tendril_enqueue_to_processing: CONNECTION_TEST jobs of a pooled sandbox identity on a remote Tendril process, queued_at → processing_at (database clock; claim answer + start request), comparable to enqueue-latency.json in-house',
  });

  // 3. Harvests: the same vine shape on the remote Tendril and on the in-house one, interleaved.
  const viaRemote: number[] = [];
  const inHouse: number[] = [];
  const own = await seedUser(db.knex);
  for (let i = 0; i < HARVESTS; i++) {
    for (const [where, identity, into] of [['remote', pooled.id, viaRemote], ['in-house', own.identityId, inHouse]] as const) {
      const userId = where === 'remote' ? user.userId : own.userId;
      const v = await seedVine(db.knex, { allKinds: true, name: `${where}${i}`, user: { userId, identityId: identity } });
      const s = performance.now();
      const job = await jobs.create({ userId, type: 'DEPLOY', vineId: v.vineId });
      const end = await until(db.knex, job.id);
      into.push(performance.now() - s);
      if (end.status !== 'SUCCESS') throw new Error(`${where} harvest failed: ${end.error}`);
    }
  }
  writeResult('remote-harvest', {
    runs: HARVESTS,
    remote_median_ms: Math.round(median(viaRemote)),
    in_house_median_ms: Math.round(median(inHouse)),
    ratio: Math.round((median(viaRemote) / median(inHouse)) * 100) / 100,
    remote_ms: viaRemote.map(Math.round),
    in_house_ms: inHouse.map(Math.round),
    load_average: loadavg().map((l) => Math.round(l * 100) / 100),
    note: 'a vine with one component of every kind on terraform/local; job creation → SUCCESS seen in the database; remote: a Tendril process with TRELLIS_URL (HTTP on 127.0.0.1, state through its proxy), in-house: the Tendril inside the Trellis process; runs interleaved',
  });
  remote.proc.kill('SIGTERM');
} finally {
  for (const p of procs) if (p.exitCode === null) p.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 1500));
  for (const p of procs) if (p.exitCode === null) p.kill('SIGKILL');
  await db.close();
}
process.exit(0);
