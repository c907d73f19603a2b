/**
 * A Tendril: a graphile-worker runner on Vintner's database that runs provision jobs. It registers
 * in `tendrils`, heartbeats, checks for dead peers on every heartbeat (the graphile cron job is the
 * once-a-minute backstop), listens for cancel requests, and on stop cancels what it runs, waits
 * for those jobs to record their outcome, and marks itself STOPPED.
 */
import { hostname } from 'node:os';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { EventEmitter } from 'node:events';
import { run, makeWorkerUtils, parseCronItems, Logger as WorkerLogger, type Runner, type WorkerEvents, type WorkerUtils } from 'graphile-worker';
import type { Knex } from 'knex';
import type { Logger } from '../logger.js';
import type { Config } from '../config.js';
import { createInitCache, terraformVersion } from '../terraform/index.js';
import { createSealer } from '../domain/crypto.js';
import { CancelRegistry } from '../runner/index.js';
import { createDbJobStore } from '../runner/db-store.js';
import { setAwsRoleAssumer } from '../runner/targets.js';
import { createAwsRoleAssumer } from '../runner/aws-role.js';
import { CHANNEL } from '../domain/jobs/events.js';
import { createNotifyHub, type NotifyHub } from '../db/notify.js';
import { reap } from '../domain/tendrils/reaper.js';
import { leaseTiming } from '../domain/jobs/lease.js';
import { createJobRepository } from '../domain/jobs/repository.js';
import { createLeaseKeeper } from './leases.js';
import { cleanLeftoverWorkDirs } from '../terraform/index.js';
import { untilReachable } from '../db/errors.js';
import { createStateService } from '../domain/state/service.js';
import { startLocalStateServer } from '../state/local-server.js';
import { createTendrilRepository } from '../domain/tendrils/repository.js';
import { createTaskList, CRONTAB } from '../tasks/index.js';

export { TerraformMissingError } from '../terraform/index.js';

export const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

export interface Tendril {
  id: string;
  name: string;
  cancels: CancelRegistry;
  stop(): Promise<void>;
  /** Resolves when the runner stops for any reason. */
  done: Promise<void>;
}

function workerLogger(log: Logger): WorkerLogger {
  return new WorkerLogger((scope) => (level, message, meta) => {
    const l = level === 'error' ? 'error' : level === 'warning' ? 'warn' : level === 'info' ? 'debug' : 'trace';
    log[l]({ worker: scope.workerId, task: scope.taskIdentifier, ...(meta?.error ? { err: meta.error } : {}) }, message);
  });
}

export interface TendrilOptions {
  config: Pick<Config, 'tendrilConcurrency' | 'tendrilName' | 'tendrilHeartbeatSeconds' | 'tendrilDeadAfterSeconds' | 'terraformBin' | 'terraformTimeoutSeconds' | 'terraformKillGraceSeconds' | 'terraformProviderMirror' | 'cloudTimeoutSeconds' | 'cloudMaxResources' | 'secretKey' | 'infracostBin' | 'infracostApiKey'>;
  knex: Knex;
  databaseUrl: string;
  log: Logger;
  inProcess: boolean;
  /** Shared LISTEN hub of the process (the web process has one); created when absent. */
  hub?: NotifyHub;
}

export async function startTendril(opts: TendrilOptions): Promise<Tendril> {
  const { config, knex, log } = opts;
  const tfVersion = await terraformVersion(config.terraformBin);
  const tendrils = createTendrilRepository(knex);
  const { id, name } = await tendrils.register({
    name: config.tendrilName,
    host: hostname(),
    pid: process.pid,
    version: VERSION,
    terraform_version: tfVersion,
    concurrency: config.tendrilConcurrency,
    in_process: opts.inProcess,
  });
  const tlog = log.child({ tendril: name });
  setAwsRoleAssumer(createAwsRoleAssumer({ timeoutMs: config.cloudTimeoutSeconds * 1000 }));
  const timing = leaseTiming({ heartbeatSeconds: config.tendrilHeartbeatSeconds, deadAfterSeconds: config.tendrilDeadAfterSeconds, killGraceSeconds: config.terraformKillGraceSeconds });
  const leases = createLeaseKeeper(timing, tlog);
  const jobs = createJobRepository(knex);
  const sealer = createSealer(config.secretKey);
  const stateService = createStateService({ knex, sealer });
  // Work directories of runs whose Tendril died (kill -9) on this machine, once their Terraform
  // has exited (the watchdog stops it: it writes down what it could not save in errored.tfstate).
  // That state becomes the vine's current one if nothing else wrote it since; else it is kept
  // sealed with its job for a user to recover. Then the directory (it may hold a plan file) goes.
  const salvageLeftovers = async () => {
    const cleaned = await cleanLeftoverWorkDirs(async (jobId, state) => {
      const outcome = await stateService.salvage(jobId, state, id);
      if (outcome !== 'conflict') return outcome === 'current' ? 'saved as the current state' : 'already the current state';
      if (!(await jobs.keepOrphanedState(jobId, sealer.sealBytes(state)))) tlog.warn({ jobId }, 'a leftover errored.tfstate of job %s could not be kept (no such job, or one is kept already)', jobId);
      return 'kept with the job (the state changed since: "Recover state" on the job page)';
    });
    for (const c of cleaned) tlog.warn({ dir: c.dir, jobId: c.jobId, state: c.state }, 'removed the work directory of a run whose Tendril died%s', c.state ? ` (the state it could not save: ${c.state})` : '');
  };
  await salvageLeftovers();
  const salvageTimer = setInterval(() => void salvageLeftovers().catch((err: unknown) => tlog.warn({ err }, 'cleaning leftover work directories failed')), 60_000);
  salvageTimer.unref();
  // The state backend this Tendril's Terraform talks to: on 127.0.0.1, on Vintner's state store.
  const stateServer = await startLocalStateServer(stateService, {
    error: (err) => tlog.error({ err }, 'the state store failed'),
    refused: (r) => tlog.warn(r, 'state request refused: %s %s → %d %s', r.method, r.path, r.status, r.body),
  });
  const cancels = new CancelRegistry();
  const shutdown = new AbortController();
  // `terraform init` once per module for this Tendril's jobs, removed when it stops.
  const initCache = createInitCache();
  const ownHub = opts.hub === undefined;
  const hub = opts.hub ?? createNotifyHub(opts.databaseUrl, (m) => tlog.warn(m));
  const unsubscribe = await hub.subscribe(CHANNEL.cancel, (jobId) => {
    if (cancels.cancel(jobId)) tlog.info({ jobId }, 'cancel requested: interrupting Terraform');
  });

  const pgPool = new pg.Pool({ connectionString: opts.databaseUrl, max: config.tendrilConcurrency + 3, application_name: `vintner-tendril-${name}` });
  pgPool.on('error', (err) => tlog.warn({ err }, 'graphile-worker pool error'));
  // A client that errors while checked out must not crash the process (graphile-worker checks).
  pgPool.on('connect', (client) => client.on('error', (err) => tlog.warn({ err }, 'graphile-worker connection error')));
  const workerIds: string[] = [];
  // Our own emitter, listened to before run() starts: its workers are created inside run().
  // graphile-worker 0.17 locks jobs and queues with the worker *pool's* id; the pool's workers
  // have ids of their own too. force_unlock_workers gets all of them.
  const events: WorkerEvents = new EventEmitter() as WorkerEvents;
  const record = (wid: string) => {
    workerIds.push(wid);
    void tendrils.setWorkerIds(id, workerIds).catch((err: Error) => tlog.warn({ err }, 'recording worker ids failed'));
  };
  events.on('pool:create', ({ workerPool }) => record(workerPool.id));
  events.on('worker:create', ({ worker }) => record(worker.workerId));
  let utils: Promise<WorkerUtils> | undefined;
  const workerUtils = () => (utils ??= makeWorkerUtils({ pgPool, logger: workerLogger(tlog) }));
  const runner: Runner = await run({
    events,
    pgPool,
    concurrency: config.tendrilConcurrency,
    noHandleSignals: true,
    pollInterval: 2000,
    logger: workerLogger(tlog),
    taskList: createTaskList({
      knex,
      timing,
      cancels,
      shutdown: shutdown.signal,
      workerUtils,
      workerIds: () => workerIds,
      runner: {
        store: createDbJobStore({ knex, sealer, tendrilId: id, stateUrl: stateServer.url, leaseSeconds: timing.ttlSeconds }),
        leases,
        log: tlog,
        tendrilName: name,
        terraformBin: config.terraformBin,
        terraformTimeoutMs: config.terraformTimeoutSeconds * 1000,
        terraformKillGraceMs: config.terraformKillGraceSeconds * 1000,
        ...(config.terraformProviderMirror ? { terraformProviderMirror: config.terraformProviderMirror } : {}),
        initCache,
        cloud: { timeoutMs: config.cloudTimeoutSeconds * 1000, maxResources: config.cloudMaxResources },
        ...(config.infracostBin && config.infracostApiKey ? { infracost: { bin: config.infracostBin, apiKey: config.infracostApiKey } } : {}),
      },
    }),
    parsedCronItems: parseCronItems(CRONTAB),
  });
  await tendrils.setWorkerIds(id, workerIds);

  // Every heartbeat: renew the leases of the running jobs (first: what keeps runs apart), tick the
  // shared clock (so an outage is told from a death), say this Tendril is alive, then look for
  // runs that lost theirs. A beat that fails is simply the next one's to do.
  let beating = false;
  const beat = async () => {
    await leases.renewAll((held) => jobs.renew(id, held, timing.ttlSeconds));
    await tendrils.tick(timing.outageGapSeconds);
    if ((await tendrils.heartbeat(id)) === 'DEAD') tlog.warn('Tendril %s had been declared dead (its jobs were failed); it is back', name);
    const reaped = await reap(knex, timing);
    for (const j of reaped.jobs) tlog.warn({ jobId: j.id, tendril: j.tendril }, 'job %s lost its Tendril (%s): failed', j.id, j.tendril ?? 'unknown');
    for (const t of reaped.tendrils) tlog.warn({ dead: t.name }, 'Tendril %s stopped responding: declared dead', t.name);
  };
  const heartbeat = setInterval(() => {
    if (beating) return;
    beating = true;
    void beat()
      .catch((err: Error) => tlog.warn({ err: { message: err.message } }, 'heartbeat failed: %s', err.message))
      .finally(() => (beating = false));
  }, timing.renewMs);
  heartbeat.unref();

  tlog.info({ id, concurrency: config.tendrilConcurrency, terraform: tfVersion }, 'Tendril %s started', name);

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      clearInterval(heartbeat);
      clearInterval(salvageTimer);
      if (cancels.running.length) tlog.info({ jobs: cancels.running }, 'stopping: interrupting running jobs');
      shutdown.abort();
      cancels.cancelAll(`Tendril ${name} is shutting down`);
      await runner.stop().catch((err: Error) => tlog.warn({ err }, 'runner stop failed'));
      unsubscribe();
      if (ownHub) await hub.close();
      await utils?.then((u) => u.release()).catch(() => {});
      await pgPool.end().catch(() => {});
      initCache.clear();
      leases.close();
      await stateServer.close();
      await untilReachable(() => tendrils.transition({ id }, 'STOPPED'), { giveUpAfterMs: 10_000 }).catch(() => {});
      tlog.info('Tendril %s stopped', name);
    })());

  return { id, name, cancels, stop, done: runner.promise };
}
