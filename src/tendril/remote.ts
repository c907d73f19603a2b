/**
 * A remote Tendril: one of a Tendril pool, running where the pool's cloud is (a customer's own
 * account), that reaches Vintner only by outbound HTTPS to Trellis with its pool's token
 * (TRELLIS_URL, TENDRIL_TOKEN). It never sees a database URL. docs/DESIGN.md "Remote Tendrils".
 *
 * - hello: registers in its pool and learns the lease timing Trellis's reaper keeps (H, D): it
 *   keeps the same, whatever its own environment says;
 * - heartbeat every H: renews its runs' leases; a lease missing from the answer was taken away
 *   (that run is stopped); without a renewal for D/2 it stops its Terraform itself, exactly as an
 *   in-house Tendril does (src/tendril/leases.ts);
 * - claims: one long-poll at a time while it has a free slot (its concurrency), answered at once
 *   when a job is queued; each claimed job runs through the same runner as in-house, its store
 *   being Trellis (src/runner/http-store.ts) and its state backend a proxy on 127.0.0.1
 *   (src/state/proxy-server.ts);
 * - a cancel watch (long-poll) on its running jobs: a cancel reaches Terraform within a second
 *   (SIGINT, SIGKILL after the grace);
 * - at start and every minute, the work directories of runs whose Tendril died on this machine:
 *   their errored.tfstate goes to Trellis (salvage), then the directory goes.
 */
import { hostname } from 'node:os';
import type { Logger } from '../logger.js';
import type { RemoteTendrilConfig } from '../config.js';
import { cleanLeftoverWorkDirs, createInitCache, terraformVersion } from '../terraform/index.js';
import { CancelRegistry, runProvisionJob, runnerSettingsDeps, type RunnerDeps } from '../runner/index.js';
import { createHttpJobStore, type ClaimedJob } from '../runner/http-store.js';
import { setAwsRoleAssumer } from '../runner/targets.js';
import { createAwsRoleAssumer } from '../runner/aws-role.js';
import { LeaseLostError, leaseTiming } from '../domain/jobs/lease.js';
import { createLeaseKeeper } from './leases.js';
import { startStateProxy } from '../state/proxy-server.js';
import { createAgentClient, TrellisUnreachableError, type AgentClient } from './agent-client.js';
import { UnauthorizedError } from '../domain/errors.js';
import { LONG_POLL_MAX_SECONDS } from '../routes/api/agent-schemas.js';
import type { Tendril } from './index.js';

export interface RemoteTendrilOptions {
  config: RemoteTendrilConfig;
  log: Logger;
  version: string;
}

/** Start-up failed in a way a person must fix (a refused token, an unreachable Trellis): one line. */
export class RemoteStartError extends Error {
  override name = 'RemoteStartError';
}

interface Registered {
  id: string;
  name: string;
  pool_id: string;
  heartbeat_seconds: number;
  dead_after_seconds: number;
  long_poll_seconds: number;
}

async function hello(client: AgentClient, body: Record<string, unknown>): Promise<Registered> {
  try {
    return (await client.call<Registered>('POST', '/api/v1/agent/tendrils', { body, retryForMs: 15_000, timeoutMs: 10_000 })).body;
  } catch (err) {
    if (err instanceof UnauthorizedError) throw new RemoteStartError(`Trellis at ${client.url} refused TENDRIL_TOKEN (${err.message}): check the token, or create a new one for the pool`);
    if (err instanceof TrellisUnreachableError) throw new RemoteStartError(`${err.message} (is TRELLIS_URL right, and Trellis up?)`);
    throw new RemoteStartError(`Trellis at ${client.url} refused this Tendril: ${(err as Error).message}`);
  }
}

export async function startRemoteTendril(opts: RemoteTendrilOptions): Promise<Tendril> {
  const { config, log } = opts;
  const tfVersion = await terraformVersion(config.terraformBin);
  const client = createAgentClient({ url: config.trellisUrl, token: config.tendrilToken, userAgent: `vintner-tendril/${opts.version}` });
  const me = await hello(client, {
    name: config.tendrilName,
    host: hostname(),
    pid: process.pid,
    version: opts.version,
    terraform_version: tfVersion,
    location: config.tendrilLocation.slice(0, 500),
    concurrency: config.tendrilConcurrency,
  }).catch(async (err: Error) => {
    await client.close();
    throw err;
  });
  const { id, name } = me;
  const tlog = log.child({ tendril: name });
  setAwsRoleAssumer(createAwsRoleAssumer({ timeoutMs: config.cloudTimeoutSeconds * 1000 }));
  // Trellis's timing, not ours: its reaper counts leases by it.
  const timing = leaseTiming({ heartbeatSeconds: me.heartbeat_seconds, deadAfterSeconds: me.dead_after_seconds, killGraceSeconds: config.terraformKillGraceSeconds });
  const leases = createLeaseKeeper(timing, tlog, undefined, { name: `Trellis (${config.trellisUrl})`, short: 'Trellis' });
  const agent = (path: string) => `/api/v1/agent/tendrils/${id}${path}`;

  // Work directories of runs whose Tendril died on this machine: their errored.tfstate to Trellis.
  const salvageLeftovers = async () => {
    const cleaned = await cleanLeftoverWorkDirs(async (jobId, state) => {
      const r = await client.call<{ description: string }>('POST', `/api/v1/agent/jobs/${jobId}/salvage`, { body: { state: state.toString('base64'), tendril_id: id }, retryForMs: 30_000, timeoutMs: 120_000 });
      return r.body.description;
    });
    for (const c of cleaned) tlog.warn({ dir: c.dir, jobId: c.jobId, state: c.state }, 'removed the work directory of a run whose Tendril died%s', c.state ? ` (the state it could not save: ${c.state})` : '');
  };
  await salvageLeftovers().catch((err: Error) => tlog.warn({ err: { message: err.message } }, 'salvaging leftover work directories failed: %s', err.message));
  const salvageTimer = setInterval(() => void salvageLeftovers().catch((err: Error) => tlog.warn({ err: { message: err.message } }, 'salvaging leftover work directories failed: %s', err.message)), 60_000);
  salvageTimer.unref();

  // Terraform's state backend: Trellis, through a proxy on 127.0.0.1 that rides out dropped
  // connections for up to a quarter lease — and not at all for a run stopping because its lease
  // could not be renewed, whose Terraform must write errored.tfstate within the SIGKILL grace.
  const cancels = new CancelRegistry();
  const stateProxy = await startStateProxy({
    trellisUrl: config.trellisUrl,
    retryForMs: (timing.ttlSeconds * 1000) / 4,
    // A run stopped because its lease could not be renewed: Trellis is out of reach, say so at once.
    failFast: (jobId) => cancels.stopReason(jobId) instanceof LeaseLostError,
    log: {
      error: (err) => tlog.warn({ err: { message: err.message } }, 'a state request could not reach Trellis: %s', err.message),
      refused: (r) => tlog.warn(r, 'state request refused: %s %s → %d %s', r.method, r.path, r.status, r.body),
    },
  });
  const store = createHttpJobStore({ client, stateUrl: stateProxy.url });
  const shutdown = new AbortController();
  const initCache = createInitCache();
  const deps: RunnerDeps = {
    store,
    leases,
    log: tlog,
    tendrilName: name,
    ...runnerSettingsDeps(config),
    initCache,
  };

  const cancel = (jobId: string) => {
    if (cancels.cancel(jobId)) tlog.info({ jobId }, 'cancel requested: interrupting Terraform');
  };

  // Heartbeat: leases first (what keeps runs apart); a beat that fails is the next one's to do.
  let beating = false;
  let beatFailures = 0;
  const beat = async () => {
    await leases.renewAll(async (held) => {
      const r = await client.call<{ held: string[]; cancelled: string[]; revived: boolean }>('POST', agent('/heartbeat'), {
        body: { leases: held.map((l) => ({ job_id: l.jobId, epoch: l.epoch })) },
        timeoutMs: Math.max(timing.renewMs, 2000),
      });
      if (r.body.revived) tlog.warn('Tendril %s had been declared dead (its jobs were failed); it is back', name);
      for (const j of r.body.cancelled) cancel(j);
      return new Set(r.body.held);
    });
    if (beatFailures > 0) tlog.info('Trellis answers again after %d failed heartbeats', beatFailures);
    beatFailures = 0;
  };
  const heartbeat = setInterval(() => {
    if (beating) return;
    beating = true;
    void beat()
      .catch((err: Error) => {
        if (beatFailures++ % 10 === 0) tlog.warn({ err: { message: err.message } }, 'heartbeat failed: %s', err.message);
      })
      .finally(() => (beating = false));
  }, timing.renewMs);
  heartbeat.unref();

  // The cancel watch: a long-poll on the running jobs, started again whenever they change.
  let stopping = false;
  let watchChanged: AbortController = new AbortController();
  const runsChanged = () => watchChanged.abort();
  const watchCancels = async () => {
    while (!stopping) {
      const watched = cancels.running;
      const changed = (watchChanged = new AbortController());
      if (!watched.length) {
        await new Promise<void>((r) => changed.signal.addEventListener('abort', () => r(), { once: true }));
        continue;
      }
      try {
        const r = await client.call<{ cancelled: string[] }>('POST', agent('/cancels'), {
          body: { jobs: watched, wait_seconds: LONG_POLL_MAX_SECONDS },
          timeoutMs: (LONG_POLL_MAX_SECONDS + 15) * 1000,
          signal: changed.signal,
        });
        for (const j of r.body.cancelled) cancel(j);
        // Told: those are stopping; wait for the set to change before asking about them again.
        if (r.body.cancelled.length && !changed.signal.aborted) await new Promise<void>((res) => changed.signal.addEventListener('abort', () => res(), { once: true }));
      } catch (err) {
        if (changed.signal.aborted || stopping) continue;
        tlog.debug({ err: { message: (err as Error).message } }, 'cancel watch failed: %s', (err as Error).message);
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  };
  const watching = watchCancels();

  // Claims: one long-poll at a time while a slot is free.
  const running = new Set<Promise<void>>();
  let slotFreed: () => void = () => {};
  const claimAbort = new AbortController();
  let claimFailures = 0;
  const claimLoop = async () => {
    while (!stopping) {
      if (running.size >= config.tendrilConcurrency) {
        await new Promise<void>((r) => (slotFreed = r));
        continue;
      }
      let claimed: ClaimedJob | undefined;
      try {
        const r = await client.call<ClaimedJob | undefined>('POST', agent('/claim'), {
          body: { holding: store.holding(), wait_seconds: LONG_POLL_MAX_SECONDS },
          timeoutMs: (LONG_POLL_MAX_SECONDS + 15) * 1000,
          signal: claimAbort.signal,
        });
        claimed = r.status === 200 ? r.body : undefined;
        if (claimFailures > 0) tlog.info('claims reach Trellis again');
        claimFailures = 0;
      } catch (err) {
        if (stopping) break;
        if (claimFailures++ % 10 === 0) tlog.warn({ err: { message: (err as Error).message } }, 'claiming failed: %s', (err as Error).message);
        await new Promise((r) => setTimeout(r, Math.min(500 * 2 ** Math.min(claimFailures, 4), 5000)));
        continue;
      }
      if (!claimed) continue;
      store.accept(claimed);
      const jobId = claimed.job.id;
      tlog.info({ jobId, type: claimed.job.type }, 'claimed %s job %s', claimed.job.type, jobId);
      const p: Promise<void> = runProvisionJob(deps, jobId, cancels, shutdown.signal)
        .then(() => undefined)
        .catch((err: Error) => tlog.error({ err, jobId }, 'running job %s failed', jobId))
        .finally(() => {
          store.forget(jobId);
          running.delete(p);
          runsChanged();
          slotFreed();
        });
      running.add(p);
      // Let the run register its cancel signal before the watch restarts with it.
      setImmediate(runsChanged);
    }
  };
  const claiming = claimLoop();
  // The process lives as long as the Tendril (between requests nothing else holds it open).
  const keepAlive = setInterval(() => {}, 60_000);

  tlog.info({ id, pool: me.pool_id, concurrency: config.tendrilConcurrency, terraform: tfVersion, trellis: config.trellisUrl }, 'remote Tendril %s started', name);

  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      stopping = true;
      clearInterval(salvageTimer);
      claimAbort.abort();
      slotFreed();
      runsChanged();
      if (cancels.running.length) tlog.info({ jobs: cancels.running }, 'stopping: interrupting running jobs');
      shutdown.abort();
      cancels.cancelAll(`Tendril ${name} is shutting down`);
      // Their ends are recorded (heartbeats go on meanwhile: the leases hold while they finish).
      await Promise.allSettled([...running]);
      await Promise.allSettled([claiming, watching]);
      clearInterval(heartbeat);
      clearInterval(keepAlive);
      initCache.clear();
      leases.close();
      await stateProxy.close();
      await client.call('POST', agent('/stop'), { retryForMs: 10_000, timeoutMs: 5_000 }).catch((err: Error) => tlog.warn({ err: { message: err.message } }, 'telling Trellis this Tendril stopped failed: %s', err.message));
      await client.close();
      tlog.info('Tendril %s stopped', name);
      done();
    })());

  return { id, name, cancels, stop, done: finished };
}
