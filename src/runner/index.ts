/**
 * What a Tendril does with one provision job (DESIGN.md "How a job runs"): claim it (a guarded
 * QUEUED → CLAIMED; nothing to claim means it was cancelled or taken), PROCESSING (and the vine's
 * move), the type's handler with a log writer and a cancel signal, then the outcome recorded on
 * job and vine in one transaction. Everything it reads or writes goes through its JobStore.
 */
import { hostname } from 'node:os';
import type { Logger } from '../logger.js';
import type { JobRecord } from '../domain/jobs/repository.js';
import type { LogWriter } from '../domain/jobs/log-writer.js';
import { createRedactor, type InitCache } from '../terraform/index.js';
import { HANDLERS, type HandlerOutcome } from './handlers.js';
import type { JobOutcome, JobStore } from './store.js';
import { LeaseLostError } from '../domain/jobs/lease.js';
import { untilReachable } from '../db/errors.js';
import type { LeaseKeeper } from '../tendril/leases.js';
import type { CloudCheckSettings } from './identity-jobs.js';

export interface RunnerDeps {
  store: JobStore;
  log: Logger;
  tendrilName: string;
  terraformBin: string;
  terraformTimeoutMs: number;
  terraformKillGraceMs: number;
  /** TERRAFORM_PROVIDER_MIRROR: where every run installs its providers from (none: the registry). */
  terraformProviderMirror?: string;
  /** This Tendril's kept `terraform init` results (src/terraform/init-cache.ts); jobs init every time without it. */
  initCache?: InitCache;
  /** The leases of this Tendril's runs: renewed on each heartbeat, and what stops a run that lost its own. */
  leases?: LeaseKeeper;
  infracost?: { bin: string; apiKey: string };
  /** Timeout and resource limit of the cloud identity checks (src/runner/identity-jobs.ts); the library's defaults without. */
  cloud?: CloudCheckSettings;
}

/** Signals of the jobs this Tendril is running, so a cancel request can reach them. */
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
  store: JobStore;
  job: JobRecord;
  logs: LogWriter;
  signal: AbortSignal;
  /** Adds values to redact from every later log line and the error message. */
  addSecrets(values: string[]): void;
  redact(s: string): string;
};

/** Runs one job to its end. Returns false when there was nothing to run (cancelled before claim). */
export async function runProvisionJob(deps: RunnerDeps, jobId: string, cancels: CancelRegistry, shutdown?: AbortSignal): Promise<boolean> {
  const { store } = deps;
  const job = await store.claim(jobId);
  if (!job) {
    deps.log.debug({ jobId }, 'job not claimable (cancelled or already taken)');
    return false;
  }

  const controller = cancels.register(job.id);
  const releaseLease = deps.leases?.hold({ jobId: job.id, epoch: job.lease_epoch, stop: (reason) => controller.abort(reason) });
  const onShutdown = () => controller.abort(new CancelledError(`Tendril ${deps.tendrilName} is shutting down`));
  shutdown?.addEventListener('abort', onShutdown, { once: true });
  const secrets: string[] = [];
  let redact = createRedactor(secrets);
  let logs: LogWriter | undefined;
  let outcome: HandlerOutcome | undefined;
  let error: unknown;
  try {
    logs = await store.logs(job, { redact: (s) => redact(s), onError: (err) => deps.log.error({ err, jobId: job.id }, 'storing log lines failed') });
    const ctx: JobContext = {
      deps,
      store,
      job,
      logs,
      signal: controller.signal,
      addSecrets(values) {
        secrets.push(...values);
        redact = createRedactor(secrets);
      },
      redact: (s) => redact(s),
    };
    if (job.cancel_requested_at) controller.abort(new CancelledError('cancelled by a user'));
    await store.start(job);
    logs.system(`${job.type} started on Tendril ${deps.tendrilName} (${hostname()}, pid ${process.pid})`);
    outcome = await HANDLERS[job.type](ctx);
  } catch (err) {
    error = err;
  }

  // Stopped by a user or the Tendril's shutdown: CANCELLED; stopped because the lease was lost or
  // the database unreachable: FAILED, with that reason.
  const cancelled = controller.signal.aborted && controller.signal.reason instanceof CancelledError && (error !== undefined || outcome === undefined);
  if (error === undefined && controller.signal.aborted && controller.signal.reason instanceof LeaseLostError) error = controller.signal.reason;
  const message = error === undefined ? undefined : redact(errorMessage(error, controller.signal));
  if (message) logs?.system(cancelled ? `cancelled: ${message}` : `failed: ${message}`, cancelled ? 'warn' : 'error');
  else logs?.system(`${job.type} succeeded`);
  await logs?.close();
  cancels.release(job.id);
  shutdown?.removeEventListener('abort', onShutdown);

  const finalOutcome: JobOutcome =
    error === undefined
      ? { status: 'SUCCESS', ...(outcome?.result ? { result: outcome.result } : {}), ...(outcome?.planFile ? { planFile: outcome.planFile } : {}) }
      : { status: cancelled ? 'CANCELLED' : 'FAILED', error: message! };
  // The outcome is recorded once the database can take it, however long an outage lasts (bounded);
  // a run whose lease was taken away meanwhile records nothing: the reaper has spoken for it.
  try {
    await untilReachable(() => store.finish(job, finalOutcome), {
      giveUpAfterMs: 30 * 60_000,
      onRetry: (err, n) => n === 1 && deps.log.warn({ jobId: job.id, err: { message: (err as Error).message } }, 'recording the outcome of job %s waits for the database', job.id),
    });
  } catch (err) {
    if (err instanceof LeaseLostError) deps.log.warn({ jobId: job.id }, '%s', err.message);
    else deps.log.error({ jobId: job.id, err }, 'the outcome of job %s could not be recorded', job.id);
  } finally {
    releaseLease?.();
  }
  if (error !== undefined && !cancelled) deps.log.warn({ jobId: job.id, type: job.type }, 'job failed: %s', message);
  return true;
}

function errorMessage(err: unknown, signal: AbortSignal): string {
  if (signal.aborted && signal.reason instanceof LeaseLostError) return signal.reason.message;
  if (signal.aborted && signal.reason instanceof CancelledError) {
    const own = err instanceof Error && !(err instanceof CancelledError) ? err.message : '';
    return own && !/cancel/i.test(own) ? `${signal.reason.message} (${own})` : signal.reason.message;
  }
  return err instanceof Error ? err.message : String(err);
}
