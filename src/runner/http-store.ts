/**
 * The runner's store for a remote Tendril: every read and write of a job is a request to
 * Trellis's agent API (src/routes/api/agent.ts), which does it through the database store with
 * the run's lease — so a remote run is fenced exactly like an in-house one. Each request carries
 * the job's own credential and the run's lease epoch. Requests that cannot reach Trellis are sent
 * again (the client's backoff, then the runner's own waits): every one of them may arrive twice
 * and does nothing twice, log lines by their seq.
 *
 * The claim is the Tendril's (a long-poll of its pool, src/tendril/remote.ts): it hands the
 * claimed job over with `accept`, and the runner's `claim(jobId)` takes it from there.
 */
import type { JobRecord } from '../domain/jobs/repository.js';
import { createBatchedLogWriter, type NumberedLine } from '../domain/jobs/log-writer.js';
import { LeaseLostError } from '../domain/jobs/lease.js';
import type { ComponentRow } from '../domain/components/repository.js';
import type { ComponentStatus } from '../domain/components/status.js';
import type { StateOwner } from '../domain/state/service.js';
import type { AgentClient, CallOptions } from '../tendril/agent-client.js';
import { JOB_TOKEN_HEADER, LEASE_EPOCH_HEADER } from '../routes/api/agent-schemas.js';
import type { JobIdentity, JobStore, VineFacts } from './store.js';

/** What a claim answered: the job with its lease's epoch, its credential, its last log line. */
export interface ClaimedJob {
  job: JobRecord;
  job_token: string;
  last_seq: number;
}

export interface HttpJobStore extends JobStore {
  /** A job this Tendril's claim won: the runner's `claim(id)` takes it. */
  accept(claim: ClaimedJob): void;
  /** The jobs it holds (claimed, not yet ended). */
  holding(): string[];
  /** The runner is done with the job (its end recorded, or refused: the lease was gone). */
  forget(jobId: string): void;
}

export interface HttpStoreDeps {
  client: AgentClient;
  /** The address of a state on this Tendril's state proxy (src/state/proxy-server.ts). */
  stateUrl: (owner: StateOwner) => string;
  /** How long a request is sent again while Trellis cannot be reached (default 10 minutes). */
  retryForMs?: number;
}

const b64 = (b: Buffer) => b.toString('base64');

export function createHttpJobStore({ client, stateUrl, retryForMs = 10 * 60_000 }: HttpStoreDeps): HttpJobStore {
  const held = new Map<string, { job: JobRecord; token: string; lastSeq: number; taken: boolean; facts?: Promise<VineFacts> }>();

  const run = (job: JobRecord) => {
    const h = held.get(job.id);
    if (!h) throw new LeaseLostError(`this Tendril no longer holds job ${job.id}`);
    return h;
  };
  const call = <T>(job: JobRecord, method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, o: CallOptions = {}) =>
    client
      .call<T>(method, `/api/v1/agent/jobs/${job.id}${path}`, {
        retryForMs,
        ...o,
        headers: { [JOB_TOKEN_HEADER]: run(job).token, [LEASE_EPOCH_HEADER]: String(job.lease_epoch), ...o.headers },
      })
      .then((r) => r.body);
  const readVine = async (job: JobRecord): Promise<VineFacts> => {
    const f = await call<{ vine: VineFacts['vine']; identity: JobIdentity; components: ComponentRow[]; secret_values: Record<string, string> }>(job, 'GET', '/vine');
    return { vine: f.vine, identity: f.identity, components: f.components, secretValues: f.secret_values };
  };
  const componentPath = (c: Pick<ComponentRow, 'kind' | 'id'>) => `/components/${encodeURIComponent(c.kind)}/${encodeURIComponent(c.id)}`;

  return {
    accept({ job, job_token, last_seq }) {
      const h: { job: JobRecord; token: string; lastSeq: number; taken: boolean; facts?: Promise<VineFacts> } = { job, token: job_token, lastSeq: last_seq, taken: false };
      held.set(job.id, h);
      // What the run reads first, asked for at once: one round trip less before Terraform starts.
      if (job.vine_id) {
        h.facts = readVine(job);
        h.facts.catch(() => {}); // read again by vine() if this one failed
      }
    },

    holding: () => [...held.keys()],

    forget: (jobId) => void held.delete(jobId),

    async claim(jobId) {
      const h = held.get(jobId);
      if (!h || h.taken) return undefined;
      h.taken = true;
      return h.job;
    },

    start: (job) => call<void>(job, 'POST', '/start').then(() => undefined),

    async logs(job, opts) {
      const h = run(job);
      // Trellis refuses a batch of a run that lost its lease (409): the writer stops sending then.
      const insert = async (batch: NumberedLine[]) => (await call<{ stored: number }>(job, 'POST', '/logs', { body: { lines: batch }, retryForMs: 0 })).stored;
      return createBatchedLogWriter(job.id, { insert }, { redact: opts.redact, onError: opts.onError, retryForMs: 15 * 60_000, maxBatch: 500, startSeq: h.lastSeq });
    },

    async vine(job): Promise<VineFacts> {
      const h = run(job);
      const early = h.facts;
      h.facts = undefined;
      return (await early?.catch(() => undefined)) ?? readVine(job);
    },

    identity: (job) => call<JobIdentity>(job, 'GET', '/identity'),

    stateBackend(job) {
      const owner: StateOwner = job.vine_id ? { vineId: job.vine_id } : { poolId: job.pool_id! };
      return { address: stateUrl(owner), username: job.id, password: run(job).token };
    },

    states: async (job) => (await call<{ states: Array<{ key: string; name: string; serial: number }> }>(job, 'GET', '/states')).states,

    async plan(job, planJobId) {
      const p = await call<{ id: string; config_version: number | null; summary: unknown; file: string }>(job, 'GET', '/plan');
      if (p.id !== planJobId) throw new Error(`Trellis answered plan ${p.id} for plan ${planJobId}`);
      return { id: p.id, config_version: p.config_version, summary: p.summary, file: Buffer.from(p.file, 'base64') };
    },

    components: {
      transition: async (job, c, to, patch) => (await call<{ status: ComponentStatus }>(job, 'POST', `${componentPath(c)}/transition`, { body: { to, ...patch } })).status,
      patch: (job, c, patch) => call<void>(job, 'PATCH', componentPath(c), { body: patch }).then(() => undefined),
      remove: (job, c) => call<void>(job, 'DELETE', componentPath(c)).then(() => undefined),
    },

    recordTest: (job, status, message) => call<void>(job, 'POST', '/test-result', { body: { status, message: message.slice(0, 10_000) } }).then(() => undefined),

    replaceDiscovered: (job, resources) => call<void>(job, 'PUT', '/discovered', { body: { resources } }).then(() => undefined),

    keepErroredState: (job, state) => call<void>(job, 'PUT', '/errored-state', { body: { state: b64(state) }, retryForMs: 0 }).then(() => undefined),

    async keptState(job, fromJobId) {
      if (job.recover_job_id !== fromJobId) return undefined;
      const k = await call<{ state: string | null }>(job, 'GET', '/kept-state');
      return k.state === null ? undefined : Buffer.from(k.state, 'base64');
    },

    async clearKeptState(job, fromJobId) {
      if (job.recover_job_id !== fromJobId) throw new Error(`job ${job.id} recovers the state of ${job.recover_job_id}, not ${fromJobId}`);
      await call<void>(job, 'DELETE', '/kept-state');
    },

    async finish(job, outcome) {
      // Sent once here; the runner sends it again, for as long as an outage lasts (bounded).
      await call<void>(job, 'POST', '/finish', {
        retryForMs: 0,
        timeoutMs: 120_000,
        body: {
          status: outcome.status,
          // Trellis takes 100,000 characters of it: an endless Terraform error must not cost the outcome.
          ...(outcome.error !== undefined ? { error: outcome.error.length > 60_000 ? `${outcome.error.slice(0, 60_000)} …[truncated]` : outcome.error } : {}),
          ...(outcome.result ? { result: outcome.result } : {}),
          ...(outcome.planFile ? { plan_file: b64(outcome.planFile) } : {}),
        },
      });
      held.delete(job.id);
    },
  };
}
