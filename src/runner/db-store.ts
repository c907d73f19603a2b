/**
 * The runner's store on Vintner's own database (a Tendril with DATABASE_URL): every read and
 * write goes through the tables' owners (the repositories), every status change through their
 * transitions.
 */
import type { Knex } from 'knex';
import type { Sealer } from '../domain/crypto.js';
import { createJobRepository } from '../domain/jobs/repository.js';
import { createLogWriter, nextSeq } from '../domain/jobs/log-writer.js';
import { JOB_TYPE_INFO } from '../domain/jobs/status.js';
import { createVineRepository } from '../domain/vines/repository.js';
import { createComponentRepository } from '../domain/components/repository.js';
import { componentKind } from '../domain/components/catalogue.js';
import { createIdentityRepository } from '../domain/identities/repository.js';
import { currentFieldNames } from '../domain/identities/schema.js';
import { NotFoundError } from '../domain/errors.js';
import { LeaseLostError, type Lease } from '../domain/jobs/lease.js';
import { hashToken } from '../domain/users/tokens.js';
import { generateJobToken } from '../domain/jobs/credential.js';
import { releaseStateLocks, type StateOwner } from '../domain/state/service.js';
import { LEASE_HELD, leaseBindings, type JobRecord } from '../domain/jobs/repository.js';
import { createInAccountPools } from '../domain/pools/in-account.js';
import type { ResolvedWorkerSettings } from '../domain/jobs/worker-settings.js';
import type { JobStore, JobIdentity } from './store.js';

export interface DbStoreDeps {
  knex: Knex;
  sealer: Sealer;
  tendrilId: string;
  /** The address of a state on this Tendril's local state server (src/state/local-server.ts). */
  stateUrl: (owner: StateOwner) => string;
  /** A claimed job's lease lasts this long unless renewed (TENDRIL_DEAD_AFTER_SECONDS). */
  leaseSeconds: number;
}

const leaseOf = (job: JobRecord): Lease => ({ jobId: job.id, epoch: job.lease_epoch });
const lostLease = (job: JobRecord) => new LeaseLostError(`this run lost its lease on job ${job.id} (the job was failed meanwhile): nothing more is recorded`);

export function createDbJobStore({ knex, sealer, tendrilId, stateUrl, leaseSeconds }: DbStoreDeps): JobStore {
  // Each claimed job's own credential, kept in memory only (its hash is on the job).
  const tokens = new Map<string, string>();
  const jobs = createJobRepository(knex);
  const vines = createVineRepository(knex);
  const components = createComponentRepository(knex);
  const identities = createIdentityRepository(knex);
  const inAccount = createInAccountPools(knex);

  /** Inside a transaction: the run still holds its lease (the job row locked until the commit). */
  async function holdLease(trx: Knex.Transaction, job: JobRecord): Promise<void> {
    const { rows } = await trx.raw(`SELECT ${LEASE_HELD} AS held FROM provision_jobs WHERE id = ? FOR SHARE`, [...leaseBindings(leaseOf(job)), job.id]);
    if (!(rows as Array<{ held: boolean }>)[0]?.held) throw lostLease(job);
  }

  async function identityById(id: string | null): Promise<JobIdentity> {
    const row = id ? await identities.openForJob(id) : undefined;
    if (!row) throw new NotFoundError(`identity ${id} not found`);
    return {
      id: row.id,
      name: row.name,
      provider: row.provider,
      config: currentFieldNames(row.config ?? {}),
      credentials: row.credentials_encrypted ? currentFieldNames(JSON.parse(sealer.open(row.credentials_encrypted)) as Record<string, string>) : null,
    };
  }

  return {
    async claim(jobId) {
      const token = generateJobToken();
      // Never a job routed to a Tendril pool: those are claimed over HTTP by the pool's Tendrils.
      const job = await jobs.claim(jobId, tendrilId, leaseSeconds, hashToken(token), knex, { inHouse: true });
      if (job) tokens.set(job.id, token);
      return job;
    },

    async start(job) {
      const running = JOB_TYPE_INFO[job.type].vine?.running;
      await knex.transaction(async (trx) => {
        const [moved] = await jobs.transitionLeased(leaseOf(job), 'PROCESSING', {}, trx);
        if (!moved) throw lostLease(job);
        if (running && job.vine_id) await vines.transition(job.vine_id, running, {}, trx);
      });
    },

    async logs(job, opts) {
      // Lines wait out a database outage (the run itself stops long before its lease can end).
      const writer = createLogWriter(knex, job.id, { redact: opts.redact, onError: opts.onError, fence: leaseOf(job), retryForMs: 15 * 60_000 });
      // A retried identity job (graphile attempts > 1) continues the numbering.
      const seq = await nextSeq(knex, job.id);
      if (seq > 0) writer.restartAt(seq);
      return writer;
    },

    async vine(job) {
      const vine = job.vine_id ? await vines.forJob(job.vine_id) : undefined;
      if (!vine) throw new NotFoundError(`vine ${job.vine_id} not found`);
      const [identity, rows] = await Promise.all([identityById(vine.identity_id), components.listByVine(vine.id)]);
      const secretValues: Record<string, string> = {};
      for (const c of rows) {
        if (c.removed_at) continue;
        for (const f of componentKind(c.kind)?.secretFields ?? []) {
          const sealed = c.settings[f];
          if (typeof sealed === 'string') secretValues[c.name] = sealer.open(sealed);
        }
      }
      return {
        vine: { id: vine.id, name: vine.name, stage: vine.stage, status: vine.status, config_version: vine.config_version, options: vine.options ?? {}, vineyard_name: vine.vineyard_name },
        identity,
        components: rows,
        secretValues,
      };
    },

    identity: (job) => identityById(job.identity_id),

    stateBackend(job) {
      const token = tokens.get(job.id);
      if (!token) throw lostLease(job);
      return { address: stateUrl(job.vine_id ? { vineId: job.vine_id } : { poolId: job.pool_id! }), username: job.id, password: token };
    },

    async states(job) {
      const rows: Array<{ state_key: string; serial: string | number; vine: string; vineyard: string }> = await knex('terraform_states as s')
        .join('vines as v', 'v.id', 's.vine_id')
        .join('vineyards as y', 'y.id', 'v.vineyard_id')
        .whereIn('y.user_id', knex('cloud_identities').where({ id: job.identity_id }).select('user_id'))
        .orderBy(['y.name', 'v.name'])
        .select('s.state_key', 's.serial', 'v.name as vine', 'y.name as vineyard');
      return rows.map((r) => ({ key: r.state_key, name: `${r.vineyard}/${r.vine}`, serial: Number(r.serial) }));
    },

    async plan(job, planJobId) {
      const plan = await jobs.planFile(planJobId);
      if (!plan?.plan_file_encrypted || !job.vine_id) throw new Error(`plan ${planJobId} has no stored plan file`);
      return { id: plan.id, config_version: plan.config_version, summary: plan.result?.summary, file: sealer.openBytes(plan.plan_file_encrypted) };
    },

    components: {
      transition: async (job, c, to, patch) => (await components.transition(c.kind, c.id, to, patch, knex, leaseOf(job))).status,
      patch: (job, c, patch) => components.patch(c.kind, c.id, patch, knex, leaseOf(job)),
      remove: (job, c) => components.remove(c.kind, c.id, knex, leaseOf(job)),
    },

    recordTest: (job, status, message) =>
      knex.transaction(async (trx) => {
        await holdLease(trx, job);
        await identities.recordTest(job.identity_id!, status, message, trx);
      }),

    replaceDiscovered: (job, resources) =>
      knex.transaction(async (trx) => {
        await holdLease(trx, job);
        await identities.replaceDiscovered(job.identity_id!, resources, trx);
      }),

    async keepErroredState(job, state) {
      if (!(await jobs.keepErroredState(leaseOf(job), sealer.sealBytes(state)))) throw lostLease(job);
    },

    async keptState(job, fromJobId) {
      const kept = await jobs.keptState(fromJobId);
      if (!kept || kept.vine_id !== job.vine_id || !kept.state_recovery_encrypted) return undefined;
      return sealer.openBytes(kept.state_recovery_encrypted);
    },

    clearKeptState: (job, fromJobId) =>
      knex.transaction(async (trx) => {
        await holdLease(trx, job);
        await jobs.clearKeptState(fromJobId, trx);
      }),

    pools: {
      async facts(job) {
        const pool = job.pool_id ? await inAccount.find(job.pool_id) : undefined;
        if (!pool) throw new NotFoundError(`pool ${job.pool_id} not found`);
        return { pool: { id: pool.id, name: pool.name }, identity: await identityById(job.identity_id), settings: (job.params ?? {}) as ResolvedWorkerSettings };
      },
      mintToken: (job) =>
        knex.transaction(async (trx) => {
          await holdLease(trx, job);
          return inAccount.mintWorkerToken(job.pool_id!, job.id, trx);
        }),
      retireTokens: (job, keepId) =>
        knex.transaction(async (trx) => {
          await holdLease(trx, job);
          return inAccount.retireWorkerTokens(job.pool_id!, keepId, trx);
        }),
    },

    async finish(job, outcome) {
      await knex.transaction(async (trx) => {
        const set: Record<string, unknown> = {};
        if (outcome.error !== undefined) set.error = outcome.error;
        if (outcome.result) set.result = JSON.stringify(outcome.result);
        if (outcome.planFile) set.plan_file_encrypted = sealer.sealBytes(outcome.planFile);
        const [moved] = await jobs.transitionLeased(leaseOf(job), outcome.status, set, trx);
        if (!moved) throw lostLease(job);
        // A lock its Terraform could not release (killed, or the backend unreachable) goes with the run.
        await releaseStateLocks(trx, [job.id]);
        tokens.delete(job.id);
        const move = JOB_TYPE_INFO[job.type].vine;
        if (job.vine_id && move) {
          const from = [move.running, move.start].filter((s) => s !== undefined);
          if (outcome.status === 'SUCCESS') {
            await vines.transition(job.vine_id, move.success, { error: null, ...(job.type === 'DEPLOY' ? { applied_config_version: job.config_version } : {}) }, trx, { from });
          } else {
            await vines.transition(job.vine_id, 'FAILED', { error: outcome.error ?? null }, trx, { from });
          }
        }
      });
    },
  };
}
