/**
 * How a Tendril runs one provision job (DESIGN.md "How a job runs"): claim with a guarded UPDATE
 * (zero rows: it was cancelled), PROCESSING (and the vine's move), the type's handler with a log
 * writer and a cancel signal, then one transaction recording the outcome on job and vine.
 */
import type { Knex } from 'knex';
import { hostname } from 'node:os';
import type { Logger } from '../../logger.js';
import type { Sealer } from '../crypto.js';
import { CHANNEL, notify } from './events.js';
import { createLogWriter, nextSeq, type LogWriter } from './log-writer.js';
import type { JobRow } from './service.js';
import { JOB_COLUMNS } from './service.js';
import { HANDLERS, type HandlerOutcome } from './handlers.js';
import { createRedactor, type InitCache } from '../../terraform/index.js';

export interface RunnerDeps {
  knex: Knex;
  sealer: Sealer;
  log: Logger;
  tendrilId: string;
  tendrilName: string;
  /** The pg state backend lives in Vintner's own database. */
  databaseUrl: string;
  terraformBin: string;
  terraformTimeoutMs: number;
  terraformKillGraceMs: number;
  /** This Tendril's kept `terraform init` results (src/terraform/init-cache.ts); jobs init every time without it. */
  initCache?: InitCache;
  infracost?: { bin: string; apiKey: string };
}

/** Signals of the jobs this Tendril is running, so a NOTIFY'd cancel can reach them. */
export class CancelRegistry {
  private readonly controllers = new Map<string, AbortController>();
  register(jobId: string): AbortController {
    const c = new AbortController();
    this.controllers.set(jobId, c);
    return c;
  }
  release(jobId: string): void {
    this.controllers.delete(jobId);
  }
  cancel(jobId: string, reason = 'cancelled by a user'): boolean {
    const c = this.controllers.get(jobId);
    if (!c) return false;
    c.abort(new CancelledError(reason));
    return true;
  }
  cancelAll(reason: string): void {
    for (const id of this.controllers.keys()) this.cancel(id, reason);
  }
  get running(): string[] {
    return [...this.controllers.keys()];
  }
}

export class CancelledError extends Error {
  override name = 'CancelledError';
}

export type JobContext = {
  deps: RunnerDeps;
  job: JobRow;
  logs: LogWriter;
  signal: AbortSignal;
  /** Adds values to redact from every later log line and the error message. */
  addSecrets(values: string[]): void;
  redact(s: string): string;
};

const STAMP: Record<string, string> = { CLAIMED: 'claimed_at', PROCESSING: 'processing_at', SUCCESS: 'finished_at', FAILED: 'finished_at', CANCELLED: 'finished_at' };

/**
 * One guarded UPDATE that also NOTIFYs (a CTE: one round trip — this sits on the path from
 * enqueue to PROCESSING that users feel).
 */
async function setStatus(db: Knex | Knex.Transaction, jobId: string, from: string[], to: string, patch: Record<string, unknown> = {}): Promise<JobRow | undefined> {
  const update = db('provision_jobs')
    .where({ id: jobId })
    .whereIn('status', from)
    .update({ status: to, [STAMP[to]!]: db.fn.now(), updated_at: db.fn.now(), ...patch })
    .returning(JOB_COLUMNS.map((c) => c.replace('provision_jobs.', '')));
  const rows = await db
    .with('c', update)
    .select(db.raw(`c.*, pg_notify(?, c.id || ':' || coalesce(c.vine_id::text, '-') || ':' || c.status)`, [CHANNEL.jobStatus]))
    .from('c');
  return rows[0] as JobRow | undefined;
}

/** Runs one job to its end. Returns false when there was nothing to run (cancelled before claim). */
export async function runProvisionJob(deps: RunnerDeps, jobId: string, cancels: CancelRegistry, shutdown?: AbortSignal): Promise<boolean> {
  const { knex } = deps;
  const claimed = await setStatus(knex, jobId, ['QUEUED'], 'CLAIMED', { tendril_id: deps.tendrilId });
  if (!claimed) {
    deps.log.debug({ jobId }, 'job not claimable (cancelled or already taken)');
    return false;
  }
  const job = claimed;

  const controller = cancels.register(job.id);
  const onShutdown = () => controller.abort(new CancelledError(`Tendril ${deps.tendrilName} is shutting down`));
  shutdown?.addEventListener('abort', onShutdown, { once: true });
  const secrets: string[] = [];
  let redact = createRedactor(secrets);
  // A retried identity job (graphile attempts > 1) continues the numbering; a fresh one starts at 0.
  const logs = createLogWriter(knex, job.id, {
    redact: (s) => redact(s),
    startSeq: 0,
    onError: (err) => deps.log.error({ err, jobId: job.id }, 'storing log lines failed'),
  });
  const ctx: JobContext = {
    deps,
    job,
    logs,
    signal: controller.signal,
    addSecrets(values) {
      secrets.push(...values);
      redact = createRedactor(secrets);
    },
    redact: (s) => redact(s),
  };

  let outcome: HandlerOutcome | undefined;
  let error: unknown;
  try {
    if (job.cancel_requested_at) controller.abort(new CancelledError('cancelled by a user'));
    if (job.type === 'DEPLOY' && job.vine_id) {
      await knex.transaction(async (trx) => {
        await setStatus(trx, job.id, ['CLAIMED'], 'PROCESSING');
        await trx('vines').where({ id: job.vine_id, status: 'QUEUED' }).update({ status: 'PROVISIONING', updated_at: trx.fn.now() });
        await notify(trx, CHANNEL.vineStatus, job.vine_id!);
      });
    } else {
      await setStatus(knex, job.id, ['CLAIMED'], 'PROCESSING');
    }
    const seq = await nextSeq(knex, job.id);
    if (seq > 0) logs.restartAt(seq);
    logs.system(`${job.type} started on Tendril ${deps.tendrilName} (${hostname()}, pid ${process.pid})`);
    const handler = HANDLERS[job.type];
    outcome = await handler(ctx);
  } catch (err) {
    error = err;
  }

  const cancelled = controller.signal.aborted && (error !== undefined || outcome === undefined);
  const message = error === undefined ? undefined : redact(errorMessage(error, controller.signal));
  if (message) logs.system(cancelled ? `cancelled: ${message}` : `failed: ${message}`, cancelled ? 'warn' : 'error');
  else logs.system(`${job.type} succeeded`);
  await logs.close();
  cancels.release(job.id);
  shutdown?.removeEventListener('abort', onShutdown);

  await knex.transaction(async (trx) => {
    if (error === undefined) {
      await setStatus(trx, job.id, ['PROCESSING'], 'SUCCESS', outcome?.result ? { result: JSON.stringify(outcome.result), ...outcome.patch } : { ...outcome?.patch });
    } else {
      await setStatus(trx, job.id, ['CLAIMED', 'PROCESSING'], cancelled ? 'CANCELLED' : 'FAILED', { error: message });
    }
    if (job.vine_id && (job.type === 'DEPLOY' || job.type === 'DESTROY')) {
      const from = job.type === 'DEPLOY' ? ['PROVISIONING', 'QUEUED'] : ['DESTROYING'];
      const to = error === undefined ? (job.type === 'DEPLOY' ? 'ACTIVE' : 'DESTROYED') : 'FAILED';
      const patch: Record<string, unknown> = { status: to, updated_at: trx.fn.now(), error: error === undefined ? null : message };
      if (error === undefined && job.type === 'DEPLOY') patch.applied_config_version = job.config_version;
      await trx('vines').where({ id: job.vine_id }).whereIn('status', from).update(patch);
      await notify(trx, CHANNEL.vineStatus, job.vine_id);
    }
  });
  if (error !== undefined && !cancelled) deps.log.warn({ jobId: job.id, type: job.type }, 'job failed: %s', message);
  return true;
}

function errorMessage(err: unknown, signal: AbortSignal): string {
  if (signal.aborted && signal.reason instanceof CancelledError) {
    const own = err instanceof Error && !(err instanceof CancelledError) ? err.message : '';
    return own && !/cancel/i.test(own) ? `${signal.reason.message} (${own})` : signal.reason.message;
  }
  return err instanceof Error ? err.message : String(err);
}
