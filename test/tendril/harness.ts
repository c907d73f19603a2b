import type { Test } from 'tap';
import type { Knex } from 'knex';
import { testConfig, type TestDatabase } from '../helpers.js';
import { createLogger } from '../../src/logger.js';
import { startTendril, type Tendril } from '../../src/tendril/index.js';
import { JOB_TERMINAL } from '../../src/domain/jobs/status.js';
import { createStateService } from '../../src/domain/state/service.js';
import { createSealer } from '../../src/domain/crypto.js';
import type { Config } from '../../src/config.js';

/** An in-process Tendril on the test database, stopped when the test ends. */
export async function startTestTendril(t: Test, db: TestDatabase, env: Record<string, string> = {}): Promise<Tendril & { config: Config }> {
  const config = testConfig(t, db, { TENDRIL_HEARTBEAT_SECONDS: '1', TERRAFORM_KILL_GRACE_SECONDS: '10', ...env });
  const tendril = await startTendril({ config, knex: db.knex, databaseUrl: db.url, log: createLogger(config, 'test-tendril'), inProcess: true });
  t.teardown(() => tendril.stop());
  return Object.assign(tendril, { config });
}

/** A vine's current Terraform state, opened (the store keeps it sealed with the Tendril's key). */
export async function vineState(knex: Knex, secretKey: Buffer, vineId: string): Promise<{ resources: unknown[]; serial: number } | undefined> {
  const body = await createStateService({ knex, sealer: createSealer(secretKey) }).read({ vineId });
  return body ? (JSON.parse(body.toString('utf8')) as { resources: unknown[]; serial: number }) : undefined;
}

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 60_000, everyMs = 50): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export interface FinishedJob {
  id: string;
  status: string;
  error: string | null;
  result: Record<string, any> | null;
  tendril_id: string | null;
}

export function waitForJob(knex: Knex, jobId: string, timeoutMs = 90_000): Promise<FinishedJob> {
  return waitFor(`job ${jobId} to finish`, async () => {
    const job = await knex('provision_jobs').where({ id: jobId }).first('id', 'status', 'error', 'result', 'tendril_id');
    return job && JOB_TERMINAL.includes(job.status) ? (job as FinishedJob) : undefined;
  }, timeoutMs);
}

export async function jobLog(knex: Knex, jobId: string): Promise<string> {
  const lines: string[] = await knex('provision_job_logs').where({ job_id: jobId }).orderBy('seq').pluck('line');
  return lines.join('\n');
}

export async function componentStatuses(knex: Knex, vineId: string): Promise<Record<string, string>> {
  const { createComponentRepository } = await import('../../src/domain/components/repository.js');
  const rows = await createComponentRepository(knex).listByVine(vineId);
  return Object.fromEntries(rows.map((c) => [`${c.kind}/${c.name}`, c.status]));
}
