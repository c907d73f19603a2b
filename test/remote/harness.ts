/**
 * Remote Tendrils for real: Trellis as its own process (bin/trellis.ts, no in-process Tendril
 * unless asked) on the test's database, Tendril pools and tokens made by the pools' service, and
 * remote Tendrils as their own `worker` processes started with TRELLIS_URL and TENDRIL_TOKEN and
 * without DATABASE_URL (nor the secret key) in their environment.
 */
import type { Test } from 'tap';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Knex } from 'knex';
import { createPoolService } from '../../src/domain/pools/service.js';
import { createIdentityService } from '../../src/domain/identities/service.js';
import { createSealer } from '../../src/domain/crypto.js';

export const REMOTE_KEY = Buffer.alloc(32, 7);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface Proc extends ChildProcess {
  output(): string;
  alive(): boolean;
  /** Its TMPDIR (a Tendril's Terraform work directories). */
  tmp: string;
}

function spawnNode(t: Test, script: string, env: Record<string, string>, name: string, tmp?: string): Proc {
  const cwd = mkdtempSync(join(tmpdir(), `vintner-${name}-`));
  const workTmp = tmp ?? mkdtempSync(join(tmpdir(), `vintner-${name}-tmp-`));
  t.teardown(() => {
    rmSync(cwd, { recursive: true, force: true });
    if (!tmp) rmSync(workTmp, { recursive: true, force: true });
  });
  const base = { ...process.env };
  delete base.DATABASE_URL;
  delete base.VINTNER_SECRET_KEY;
  delete base.TRELLIS_URL;
  delete base.TENDRIL_TOKEN;
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, script)], {
    cwd: ROOT,
    env: { ...base, VINTNER_DATA_DIR: cwd, TMPDIR: workTmp, LOG_LEVEL: 'warn', LOG_FORMAT: 'json', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return Object.assign(child, { output: () => out, alive: () => child.exitCode === null && child.signalCode === null, tmp: workTmp });
}

async function waitForOutput(p: Proc, re: RegExp, ms: number): Promise<RegExpMatchArray> {
  const until = Date.now() + ms;
  for (;;) {
    const m = p.output().match(re);
    if (m) return m;
    if (!p.alive()) throw new Error(`exited early (${p.exitCode ?? p.signalCode}): ${p.output().slice(-3000)}`);
    if (Date.now() > until) throw new Error(`timed out waiting for ${re}: ${p.output().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The lease timing of every remote test: heartbeat 1 s, leases 8 s (reaped 10 s after the last renewal). */
export const TIMING = { TENDRIL_HEARTBEAT_SECONDS: '1', TENDRIL_DEAD_AFTER_SECONDS: '8' };

export interface TrellisProcess extends Proc {
  url: string;
}

/** Trellis on the database at `databaseUrl`, on a free port; no in-process Tendril unless `env` says so. */
export async function startTrellis(t: Test, databaseUrl: string, env: Record<string, string> = {}): Promise<TrellisProcess> {
  const p = spawnNode(t, 'bin/trellis.ts', { DATABASE_URL: databaseUrl, PORT: '0', HOST: '127.0.0.1', VINTNER_SECRET_KEY: REMOTE_KEY.toString('base64'), TENDRIL_IN_PROCESS: 'false', TERRAFORM_KILL_GRACE_SECONDS: '10', ...TIMING, ...env }, 'trellis');
  const m = await waitForOutput(p, /Vintner is running at (http:\/\/[^\s]+?)\/\s/, 60_000);
  return Object.assign(p, { url: m[1]! });
}

/** A remote Tendril of a pool: TRELLIS_URL and TENDRIL_TOKEN, and nothing of the database. */
export function startRemoteTendril(t: Test, trellisUrl: string, token: string, name: string, env: Record<string, string> = {}, tmp?: string): Proc {
  return spawnNode(t, 'bin/tendril.ts', { TRELLIS_URL: trellisUrl, TENDRIL_TOKEN: token, TENDRIL_NAME: name, TENDRIL_CONCURRENCY: '2', TERRAFORM_KILL_GRACE_SECONDS: '10', ...env }, name, tmp);
}

/** Waits until the process says it runs. */
export const started = (p: Proc, ms = 60_000) => waitForOutput(p, /is running/, ms);

export interface Pool {
  poolId: string;
  token: string;
  tokenId: string;
}

/** A Tendril pool of the user with one token (`vtp_…`), made by the pools' service (src/domain/pools). */
export async function createPool(knex: Knex, userId: string, name = `pool-${randomBytes(3).toString('hex')}`): Promise<Pool> {
  const pools = createPoolService({ knex });
  const pool = await pools.create(userId, { name });
  const { token, row } = await pools.createToken(userId, pool.id, { name: 'test' });
  return { poolId: pool.id, token, tokenId: row.id };
}

/** Binds the identity to the pool (or unbinds it: null) through the identities' service, as the API does. */
export async function bindIdentity(knex: Knex, identityId: string, poolId: string | null): Promise<void> {
  const { user_id: userId } = await knex('cloud_identities').where({ id: identityId }).first('user_id');
  await createIdentityService({ knex, sealer: createSealer(REMOTE_KEY) }).update(userId, identityId, { pool_id: poolId });
}

/** JSON over real HTTP to Trellis (the agent API, the state backend …). */
export async function http(url: string, opts: { method?: string; headers?: Record<string, string>; body?: unknown } = {}): Promise<{ status: number; body: any; text: string }> {
  const res = await fetch(url, {
    method: opts.method ?? 'GET',
    headers: { ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}), ...opts.headers },
    ...(opts.body !== undefined ? { body: typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body) } : {}),
  });
  const text = await res.text();
  let body: any;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  return { status: res.status, body, text };
}
