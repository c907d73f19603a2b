/**
 * The agent API (/api/v1/agent): everything a remote Tendril — one of a Tendril pool, in a
 * customer's own account — asks Trellis, over HTTPS, with nothing but its pool's token. It never
 * sees a database URL. docs/DESIGN.md "Remote Tendrils" is the protocol; in short:
 *
 * - Every request: `Authorization: Bearer <pool token>`; answers only about that pool's Tendrils
 *   and the jobs they claimed (anything else: 404).
 * - Per-Tendril: register, heartbeat (renews its runs' leases, says which were cancelled), claim
 *   (long-poll, answered at once when a job is queued: LISTEN/NOTIFY), a cancel watch (long-poll:
 *   a cancel reaches the Tendril within a second), stop.
 * - Per-job: also the job's own credential (minted by the claim) and the run's lease epoch, in
 *   headers; every write goes through the same store as an in-house Tendril's (src/runner/db-store.ts)
 *   with the run's epoch, so it is fenced exactly alike: refused (409, problem type `leaselost`)
 *   once the lease was taken away. Every write may be sent again after a dropped connection and
 *   does nothing twice (log lines by their seq; start and finish seen through; components by status).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createSealer } from '../../domain/crypto.js';
import { ConflictError, InvalidTransitionError, NotFoundError, UnauthorizedError, ValidationError } from '../../domain/errors.js';
import { createJobRepository, type JobRecord } from '../../domain/jobs/repository.js';
import { insertLogLines, leaseHeld, nextSeq, cleanLine } from '../../domain/jobs/log-writer.js';
import { LeaseLostError, leaseTiming } from '../../domain/jobs/lease.js';
import { CHANNEL, parseJobStatusPayload } from '../../domain/jobs/events.js';
import { JOB_RUNNING, JOB_TERMINAL, type JobStatus } from '../../domain/jobs/status.js';
import { createComponentRepository } from '../../domain/components/repository.js';
import { componentKind } from '../../domain/components/catalogue.js';
import { createTendrilRepository } from '../../domain/tendrils/repository.js';
import { createIdentityRepository } from '../../domain/identities/repository.js';
import { authenticatePoolToken, POOL_TOKEN_REVOKED_CHANNEL, type PoolCaller } from '../../domain/pools/service.js';
import { SALVAGE_DESCRIPTION, salvageErroredState } from '../../domain/state/salvage.js';
import { hashToken } from '../../domain/users/tokens.js';
import { generateJobToken } from '../../domain/jobs/credential.js';
import { isUuid } from '../../domain/validation.js';
import { createDbJobStore } from '../../runner/db-store.js';
import type { JobIdentity } from '../../runner/store.js';
import { IdParams, NoContent, problems } from './schemas.js';
import * as S from './agent-schemas.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The pool a request speaks for (src/domain/pools: its token, checked on every request). */
    pool: PoolCaller | null;
  }
}

/** The answer to a write of a run whose lease was taken away (the client reads it as a LeaseLostError). */
export class LeaseLostProblem extends ConflictError {
  override name = 'LeaseLostError';
}
const leased = async <T>(p: Promise<T>): Promise<T> => {
  try {
    return await p;
  } catch (err) {
    if (err instanceof LeaseLostError) throw new LeaseLostProblem(err.message);
    throw err;
  }
};

/** Placeholder for a secret field's sealed value: the Tendril only needs to know it is set. */
const SEALED = '(sealed)';
const tags = ['agent'];
const BIG_BODY = 96 * 1024 * 1024;
const b64 = (b: Buffer) => b.toString('base64');

const agentRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { knex, config } = app.deps;
  const sealer = createSealer(config.secretKey);
  const timing = leaseTiming({ heartbeatSeconds: config.tendrilHeartbeatSeconds, deadAfterSeconds: config.tendrilDeadAfterSeconds, killGraceSeconds: config.terraformKillGraceSeconds });
  const jobs = createJobRepository(knex);
  const tendrils = createTendrilRepository(knex);
  const components = createComponentRepository(knex);
  const identities = createIdentityRepository(knex);
  // The same store an in-house Tendril writes through, driven with the remote run's own lease.
  const store = createDbJobStore({ knex, sealer, tendrilId: '', stateUrl: () => '', leaseSeconds: timing.ttlSeconds });

  // Long-polls: woken by NOTIFY (a job queued or ended; a cancel), re-checked every few seconds
  // besides, and let go at once when Trellis shuts down.
  const claimWaiters = new Set<() => void>();
  const cancelWaiters = new Set<(jobId: string) => void>();
  let closing = false;
  // Wake-ups counted, so one that comes between a claim's look and its wait is not lost.
  let claimWakes = 0;
  let cancelWakes = 0;
  const wakeClaims = () => {
    claimWakes++;
    [...claimWaiters].forEach((w) => w());
  };
  const offStatus = await app.hub.subscribe(CHANNEL.jobStatus, (p) => {
    const ev = parseJobStatusPayload(p);
    if (ev && (ev.status === 'QUEUED' || JOB_TERMINAL.includes(ev.status as JobStatus))) wakeClaims();
  });
  const wakeCancels = (jobId: string) => {
    cancelWakes++;
    [...cancelWaiters].forEach((w) => w(jobId));
  };
  const offCancel = await app.hub.subscribe(CHANNEL.cancel, wakeCancels);
  // A revoked token ends the long-polls held with it at once (401), not when they time out; the
  // next request with it is refused by authenticatePoolToken anyway (it keeps no memory).
  const revoked = new Set<string>();
  const offRevoked = await app.hub.subscribe(POOL_TOKEN_REVOKED_CHANNEL, (tokenId) => {
    if (revoked.size > 10_000) revoked.clear();
    revoked.add(tokenId);
    wakeClaims();
    wakeCancels('*');
  });
  const stillValid = (req: FastifyRequest) => {
    if (revoked.has(req.pool!.tokenId)) throw new UnauthorizedError('this Tendril pool’s token was revoked');
  };
  const offReconnect = app.hub.onReconnect(() => {
    wakeClaims();
    wakeCancels('*');
  });
  app.addHook('preClose', async () => {
    closing = true;
    wakeClaims();
    wakeCancels('*');
  });
  app.addHook('onClose', async () => {
    offStatus();
    offCancel();
    offRevoked();
    offReconnect();
  });

  /** Resolves on a wake-up, after `ms`, or when the client went away; answers whether it went away. */
  function waitOn<W>(set: Set<W>, make: (wake: () => void) => W, ms: number, reply: FastifyReply): Promise<boolean> {
    return new Promise((resolve) => {
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        set.delete(waiter);
        reply.raw.off('close', finish);
        resolve(reply.raw.destroyed || (reply.raw.writableEnded === false && reply.raw.socket?.destroyed === true));
      };
      const waiter = make(finish);
      const timer = setTimeout(finish, ms);
      set.add(waiter);
      reply.raw.on('close', finish);
    });
  }
  const gone = (reply: FastifyReply) => reply.raw.destroyed || reply.raw.socket?.destroyed === true;

  app.decorateRequest('pool', null);
  app.addHook('onRequest', async (req) => {
    const token = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
    const pool = token ? await authenticatePoolToken(knex, token) : undefined;
    if (!pool) throw new UnauthorizedError('a Tendril pool’s token is required: Authorization: Bearer <TENDRIL_TOKEN>');
    req.pool = pool;
  });

  const poolOf = (req: FastifyRequest) => req.pool!;

  async function tendrilOf(req: FastifyRequest) {
    const { id } = req.params as { id: string };
    const t = isUuid(id) ? await tendrils.inPool(id, poolOf(req).poolId) : undefined;
    if (!t) throw new NotFoundError(`Tendril ${id} not found`);
    return t;
  }

  /**
   * The run asking about its job: a job claimed by a Tendril of this pool (else 404), the job's
   * credential and the run's epoch in the headers (401 without them), the run still the job's (a
   * credential or epoch that is no longer the job's, or a job no longer running: 409 leaselost,
   * unless `ended` lets a finished job through for a replayed end). The record carries the run's
   * epoch: what every write is fenced by.
   */
  async function runOf(req: FastifyRequest, opts: { ended?: boolean } = {}): Promise<JobRecord> {
    const { id } = req.params as { id: string };
    const job = isUuid(id) ? await jobs.findForPool(poolOf(req).poolId, id) : undefined;
    if (!job) throw new NotFoundError(`job ${id} not found`);
    const token = req.headers[S.JOB_TOKEN_HEADER];
    const epoch = Number(req.headers[S.LEASE_EPOCH_HEADER]);
    if (typeof token !== 'string' || !token || !Number.isInteger(epoch)) {
      throw new UnauthorizedError(`the job’s credential and the run’s lease epoch are required (${S.JOB_TOKEN_HEADER}, ${S.LEASE_EPOCH_HEADER})`);
    }
    const { job_token_hash: hash, lease_expires_at: _e, ...record } = job;
    if (hash !== hashToken(token) || job.lease_epoch !== epoch) throw new LeaseLostProblem(`this run no longer holds job ${job.id} (it was claimed again, or failed when its lease ran out)`);
    if (!opts.ended && !JOB_RUNNING.includes(job.status)) throw new LeaseLostProblem(`job ${job.id} is ${job.status}: this run’s lease on it has ended`);
    return record as JobRecord;
  }

  /**
   * An identity as a pool Tendril gets it: one that takes its credentials from the pool's Tendrils
   * (`credentials_from_pool`, docs/DESIGN.md "Tendril pools") is marked `ambient` — Terraform and
   * the cloud checks use that Tendril's own role. Only here: Vintner's own Tendrils never get it.
   */
  const forPool = async (identity: JobIdentity): Promise<JobIdentity & { ambient: boolean }> => {
    const row = await identities.openForJob(identity.id);
    return { ...identity, ambient: row?.credentials_from_pool === true };
  };

  // ---- the Tendril ----

  app.post('/agent/tendrils', {
    config: { auth: 'pool' },
    schema: {
      summary: 'A remote Tendril says hello: registered in its pool; answers its id and the lease timing it must keep',
      tags, body: S.AgentHello, response: { 201: S.AgentRegistered, ...problems(400, 401) },
    },
  }, async (req, reply) => {
    const pool = poolOf(req);
    const b = req.body;
    const { id, name } = await tendrils.register({
      name: b.name, host: b.host, pid: b.pid, version: b.version, terraform_version: b.terraform_version, concurrency: b.concurrency,
      in_process: false, pool_id: pool.poolId, location: b.location ?? null,
    });
    req.log.info({ tendril: name, pool: pool.poolId }, 'remote Tendril %s registered', name);
    return reply.status(201).send({ id, name, pool_id: pool.poolId, heartbeat_seconds: config.tendrilHeartbeatSeconds, dead_after_seconds: config.tendrilDeadAfterSeconds, long_poll_seconds: S.LONG_POLL_MAX_SECONDS });
  });

  app.post('/agent/tendrils/:id/heartbeat', {
    config: { auth: 'pool' },
    schema: {
      summary: 'Heartbeat: renews the leases of the Tendril’s running jobs; answers which it still holds and which were cancelled',
      tags, params: IdParams, body: S.AgentHeartbeat, response: { 200: S.AgentHeartbeatAnswer, ...problems(400, 401, 404) },
    },
  }, async (req) => {
    const t = await tendrilOf(req);
    const leases = req.body.leases.filter((l) => isUuid(l.job_id)).map((l) => ({ jobId: l.job_id, epoch: l.epoch }));
    // First what keeps runs apart (the leases), then the shared clock (an outage is no death), then "alive".
    const held = await jobs.renew(t.id, leases, timing.ttlSeconds);
    await tendrils.tick(timing.outageGapSeconds);
    const before = await tendrils.heartbeat(t.id);
    const cancelled = await jobs.cancelRequested(t.id, [...held]);
    return { held: [...held], cancelled, revived: before === 'DEAD' };
  });

  app.post('/agent/tendrils/:id/claim', {
    config: { auth: 'pool' },
    schema: {
      summary: 'Claim the next job of the pool (long-poll: held open until a job is queued, at most wait_seconds)',
      description:
        'Answers the job (QUEUED → CLAIMED with a new lease), the epoch of that lease and the job’s own credential, or 204 when none came. ' +
        'One job at a time per vine, in order. `holding`: the jobs the Tendril knows it holds — a job it claimed whose answer never reached it is handed out again (new credential, new epoch).',
      tags, params: IdParams, body: S.AgentClaimBody, response: { 200: S.AgentClaim, 204: NoContent, ...problems(400, 401, 404, 409) },
    },
  }, async (req, reply) => {
    const t = await tendrilOf(req);
    if (t.status === 'STOPPED') throw new ConflictError(`Tendril ${t.name} has stopped: register again`);
    const pool = poolOf(req);
    const holding = (req.body.holding ?? []).filter(isUuid);
    const until = Date.now() + (req.body.wait_seconds ?? S.LONG_POLL_MAX_SECONDS) * 1000;
    for (;;) {
      if (gone(reply)) return reply.status(204).send(null); // nobody to answer: claim nothing
      stillValid(req);
      const wakes = claimWakes;
      const token = generateJobToken();
      const job = (await jobs.reissue(t.id, holding, timing.ttlSeconds, hashToken(token))) ?? (await jobs.claimNextForPool(pool.poolId, t.id, timing.ttlSeconds, hashToken(token)));
      if (job) {
        req.log.info({ jobId: job.id, tendril: t.name }, 'job %s claimed by remote Tendril %s', job.id, t.name);
        return { job, job_token: token, last_seq: await nextSeq(knex, job.id), lease_seconds: timing.ttlSeconds };
      }
      const left = until - Date.now();
      if (left <= 0 || closing) return reply.status(204).send(null);
      if (claimWakes !== wakes) continue; // a job was queued (or one ended) while we looked
      if (await waitOn(claimWaiters, (wake) => wake, Math.min(left, 5000), reply)) return reply.status(204).send(null);
    }
  });

  app.post('/agent/tendrils/:id/cancels', {
    config: { auth: 'pool' },
    schema: {
      summary: 'Watch the Tendril’s running jobs for a cancel (long-poll): answers as soon as a user cancels one of them',
      tags, params: IdParams, body: S.AgentCancelsBody, response: { 200: S.AgentCancels, ...problems(400, 401, 404) },
    },
  }, async (req, reply) => {
    const t = await tendrilOf(req);
    const watched = req.body.jobs.filter(isUuid);
    const until = Date.now() + (req.body.wait_seconds ?? S.LONG_POLL_MAX_SECONDS) * 1000;
    for (;;) {
      stillValid(req);
      const wakes = cancelWakes;
      const cancelled = await jobs.cancelRequested(t.id, watched);
      const left = until - Date.now();
      if (cancelled.length || left <= 0 || closing || !watched.length) return { cancelled };
      if (cancelWakes !== wakes) continue;
      const away = await waitOn(cancelWaiters, (wake) => (jobId: string) => (jobId === '*' || watched.includes(jobId)) && wake(), Math.min(left, 5000), reply);
      if (away) return { cancelled: [] };
    }
  });

  app.post('/agent/tendrils/:id/stop', {
    config: { auth: 'pool' },
    schema: { summary: 'The Tendril stops (after its jobs recorded their end)', tags, params: IdParams, response: { 204: NoContent, ...problems(401, 404) } },
  }, async (req, reply) => {
    const t = await tendrilOf(req);
    await tendrils.transition({ id: t.id }, 'STOPPED');
    return reply.status(204).send(null);
  });

  // ---- a job, by the run holding it ----

  const jobRoute = <X extends Record<string, unknown>>(summary: string, extra: X, bodyLimit?: number) => ({
    config: { auth: 'pool' as const },
    ...(bodyLimit ? { bodyLimit } : {}),
    schema: {
      summary,
      description: `The run’s own: headers ${S.JOB_TOKEN_HEADER} (the credential its claim answered) and ${S.LEASE_EPOCH_HEADER}. 409 (problem type leaselost) once the lease was taken away.`,
      tags,
      ...extra,
    },
  });

  app.post('/agent/jobs/:id/start', jobRoute('CLAIMED → PROCESSING (and the vine’s move: DEPLOY → PROVISIONING)', { params: IdParams, response: { 204: NoContent, ...problems(401, 404, 409) } }), async (req, reply) => {
    const job = await runOf(req);
    if (job.status !== 'PROCESSING') await leased(store.start(job)); // sent again: already done
    return reply.status(204).send(null);
  });

  app.get('/agent/jobs/:id/vine', jobRoute('What the job’s Terraform needs of its vine: settings, identity (credentials opened for this job), secret values', { params: IdParams, response: { 200: S.AgentVineFacts, ...problems(401, 404, 409) } }), async (req) => {
    const job = await runOf(req);
    const facts = await store.vine(job);
    return {
      vine: facts.vine,
      identity: await forPool(facts.identity),
      components: facts.components.map((c) => {
        const secret = componentKind(c.kind)?.secretFields ?? [];
        return { ...c, settings: Object.fromEntries(Object.entries(c.settings).map(([k, v]) => [k, secret.includes(k) && v !== null ? SEALED : v])) };
      }),
      secret_values: facts.secretValues,
    };
  });

  app.get('/agent/jobs/:id/identity', jobRoute('The job’s identity (an identity’s own jobs: connection test, discovery)', { params: IdParams, response: { 200: S.AgentIdentity, ...problems(401, 404, 409) } }), async (req) => forPool(await store.identity(await runOf(req))));

  app.get('/agent/jobs/:id/states', jobRoute('The Terraform states of the job’s user’s vines (the sandbox’s connection test and discovery)', { params: IdParams, response: { 200: S.AgentStates, ...problems(401, 404, 409) } }), async (req) => ({ states: await store.states(await runOf(req)) }));

  app.get('/agent/jobs/:id/plan', jobRoute('The stored plan a DEPLOY applies, opened for this job', { params: IdParams, response: { 200: S.AgentPlan, ...problems(401, 404, 409) } }), async (req) => {
    const job = await runOf(req);
    const planOf = job.plan_job_id && job.vine_id ? await jobs.planOfVine(job.vine_id, job.plan_job_id) : undefined;
    if (!planOf) throw new NotFoundError(`job ${job.id} applies no stored plan`);
    const plan = await store.plan(job, planOf.id);
    return { id: plan.id, config_version: plan.config_version, summary: (plan.summary as Record<string, unknown> | undefined) ?? null, file: b64(plan.file) };
  });

  app.post('/agent/jobs/:id/logs', jobRoute('A batch of the job’s log lines, numbered by the run (a batch sent again stores no line twice)', { params: IdParams, body: S.AgentLogBatch, response: { 200: S.AgentLogStored, ...problems(400, 401, 404, 409) } }, 48 * 1024 * 1024), async (req) => {
    const job = await runOf(req);
    const fence = { jobId: job.id, epoch: job.lease_epoch };
    const stored = await insertLogLines(knex, job.id, req.body.lines.map((l) => ({ ...l, line: cleanLine(l.line) })), fence);
    if (stored === 0 && !(await leaseHeld(knex, fence))) throw new LeaseLostProblem(`job ${job.id}: its lease was taken away; this run's log lines are no longer stored`);
    return { stored };
  });

  // ---- the vine's components, by the run holding its job ----

  async function componentOf(job: JobRecord, params: { kind: string; component_id: string }) {
    const c = isUuid(params.component_id) ? await components.find(params.kind, params.component_id) : undefined;
    if (!c || c.vine_id !== job.vine_id) return undefined;
    return c;
  }

  app.post('/agent/jobs/:id/components/:kind/:component_id/transition', jobRoute('A component’s status change (and outputs, error, applied settings)', { params: S.ComponentParams, body: S.AgentComponentTransition, response: { 200: S.AgentComponentStatus, ...problems(400, 401, 404, 409) } }), async (req) => {
    const job = await runOf(req);
    const c = await componentOf(job, req.params);
    if (!c) throw new NotFoundError(`component ${req.params.component_id} not found`);
    const { to, ...patch } = req.body;
    try {
      return { status: await leased(store.components.transition(job, c, to, patch)) };
    } catch (err) {
      // Sent again after a dropped answer: the component is there already; its patch is stored again.
      if (!(err instanceof InvalidTransitionError) || err.from !== to) throw err;
      await leased(store.components.patch(job, c, patch));
      return { status: to };
    }
  });

  app.patch('/agent/jobs/:id/components/:kind/:component_id', jobRoute('A component’s outputs, error or applied settings, without a status change', { params: S.ComponentParams, body: S.AgentComponentPatch, response: { 204: NoContent, ...problems(400, 401, 404, 409) } }), async (req, reply) => {
    const job = await runOf(req);
    const c = await componentOf(job, req.params);
    if (!c) throw new NotFoundError(`component ${req.params.component_id} not found`);
    await leased(store.components.patch(job, c, req.body));
    return reply.status(204).send(null);
  });

  app.delete('/agent/jobs/:id/components/:kind/:component_id', jobRoute('A component removed from the configuration is gone from the cloud: its row goes', { params: S.ComponentParams, response: { 204: NoContent, ...problems(401, 404, 409) } }), async (req, reply) => {
    const job = await runOf(req);
    const c = await componentOf(job, req.params);
    if (c) await leased(store.components.remove(job, c));
    else if (isUuid(req.params.component_id) && (await components.find(req.params.kind, req.params.component_id))) throw new NotFoundError(`component ${req.params.component_id} not found`);
    return reply.status(204).send(null); // gone already (sent again): done
  });

  // ---- an identity's jobs ----

  app.post('/agent/jobs/:id/test-result', jobRoute('The outcome of a connection test: the identity’s last test', { params: IdParams, body: S.AgentTestResult, response: { 204: NoContent, ...problems(400, 401, 404, 409) } }), async (req, reply) => {
    const job = await runOf(req);
    if (!job.identity_id) throw new ValidationError('this job has no identity');
    await leased(store.recordTest(job, req.body.status, req.body.message));
    return reply.status(204).send(null);
  });

  app.put('/agent/jobs/:id/discovered', jobRoute('A discovery’s resources: they replace the identity’s snapshot', { params: IdParams, body: S.AgentDiscovered, response: { 204: NoContent, ...problems(400, 401, 404, 409) } }, 64 * 1024 * 1024), async (req, reply) => {
    const job = await runOf(req);
    if (!job.identity_id) throw new ValidationError('this job has no identity');
    await leased(store.replaceDiscovered(job, req.body.resources));
    return reply.status(204).send(null);
  });

  // ---- state Terraform could not save ----

  app.put('/agent/jobs/:id/errored-state', jobRoute('Keeps the state Terraform could not save (errored.tfstate), sealed, with the job: “Recover state”', { params: IdParams, body: S.AgentState, response: { 204: NoContent, ...problems(400, 401, 404, 409) } }, BIG_BODY), async (req, reply) => {
    const job = await runOf(req);
    await leased(store.keepErroredState(job, Buffer.from(req.body.state, 'base64')));
    return reply.status(204).send(null);
  });

  app.get('/agent/jobs/:id/kept-state', jobRoute('A BOOTSTRAP’s state to recover: the one kept with the job it names', { params: IdParams, response: { 200: S.AgentKeptState, ...problems(401, 404, 409) } }), async (req) => {
    const job = await runOf(req);
    const state = job.recover_job_id ? await store.keptState(job, job.recover_job_id) : undefined;
    return { state: state ? b64(state) : null };
  });

  app.delete('/agent/jobs/:id/kept-state', jobRoute('The kept state was pushed back: forget it', { params: IdParams, response: { 204: NoContent, ...problems(401, 404, 409) } }), async (req, reply) => {
    const job = await runOf(req);
    if (!job.recover_job_id) throw new NotFoundError(`job ${job.id} recovers no kept state`);
    await leased(store.clearKeptState(job, job.recover_job_id));
    return reply.status(204).send(null);
  });

  app.post('/agent/jobs/:id/salvage', {
    config: { auth: 'pool' },
    schema: {
      summary: 'The errored.tfstate of a run whose Tendril died, found by the next Tendril on its machine',
      description: 'The pool token only (the dead run’s credential is gone). The state becomes current when nothing wrote it since that run began; else it is kept sealed with the job.',
      tags, params: IdParams, body: S.AgentSalvage, response: { 200: S.AgentSalvaged, ...problems(400, 401, 404) },
    },
    bodyLimit: BIG_BODY,
  }, async (req) => {
    const pool = poolOf(req);
    const job = isUuid(req.params.id) ? await jobs.findForPool(pool.poolId, req.params.id) : undefined;
    if (!job) throw new NotFoundError(`job ${req.params.id} not found`);
    const by = req.body.tendril_id && isUuid(req.body.tendril_id) && (await tendrils.inPool(req.body.tendril_id, pool.poolId)) ? req.body.tendril_id : null;
    const outcome = await salvageErroredState(knex, sealer, job.id, Buffer.from(req.body.state, 'base64'), by);
    return { outcome, description: SALVAGE_DESCRIPTION[outcome] };
  });

  // ---- the end ----

  app.post('/agent/jobs/:id/finish', jobRoute('The job’s end: its status (and the vine’s), its result, a PLAN’s plan file (stored sealed)', { params: IdParams, body: S.AgentFinish, response: { 204: NoContent, ...problems(400, 401, 404, 409) } }, BIG_BODY), async (req, reply) => {
    const job = await runOf(req, { ended: true });
    const b = req.body;
    if (job.status === b.status) return reply.status(204).send(null); // sent again after a dropped answer
    if (!JOB_RUNNING.includes(job.status)) throw new LeaseLostProblem(`job ${job.id} is ${job.status}: this run’s lease on it has ended`);
    await leased(store.finish(job, { status: b.status, ...(b.error !== undefined ? { error: b.error } : {}), ...(b.result ? { result: b.result } : {}), ...(b.plan_file ? { planFile: Buffer.from(b.plan_file, 'base64') } : {}) }));
    return reply.status(204).send(null);
  });
};

export default agentRoutes;
