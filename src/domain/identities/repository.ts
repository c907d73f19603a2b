/**
 * `cloud_identities` and `discovered_resources`: the one owner of both tables. Every read is
 * scoped to the owning user, except `openForJob` (a Tendril running that identity's job).
 */
import type { Knex } from 'knex';
import { identityTestLifecycle, type IdentityTestStatus } from './status.js';
import type { Provider } from './schema.js';
import { InvalidTransitionError } from '../errors.js';
import { JOB_OPEN } from '../jobs/status.js';

type Db = Knex | Knex.Transaction;

export interface IdentityRow {
  id: string;
  user_id: string;
  name: string;
  provider: Provider;
  config: Record<string, unknown>;
  credentials_encrypted: string | null;
  pool_id: string | null;
  credentials_from_pool: boolean;
  last_test_status: IdentityTestStatus | null;
  last_test_message: string | null;
  last_tested_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

/** An identity as read for its owner: with its pool's name. */
export interface IdentityWithPool extends IdentityRow {
  pool_name: string | null;
}

/** A job of the identity's that has not ended (a vine's job run with it, or a test or discovery of it). */
export interface IdentityOpenJob {
  id: string;
  type: string;
  status: string;
}

export interface IdentityUse {
  vine_id: string;
  vine_name: string;
  stage: string;
  status: string;
  vineyard_name: string;
}

export interface DiscoveredRow {
  kind: string;
  external_id: string;
  name: string | null;
  region: string | null;
  data: Record<string, unknown>;
  discovered_at: Date;
}

/** The identity's last successful discovery, as its job recorded it (FETCH_RESOURCES, or a CONNECTION_TEST's `discovery`). */
export interface DiscoveryRow {
  identity_id: string;
  job_id: string;
  finished_at: Date;
  result: { discovered?: unknown; kinds?: unknown; truncated?: unknown; message?: unknown } | null;
}

/** An identity's job still to end (the page follows it). */
export interface OpenJobRow {
  identity_id: string;
  id: string;
  type: string;
  status: string;
}

export const IDENTITY_NAME_UNIQUE = 'cloud_identities_user_id_name_unique';

export function createIdentityRepository(knex: Knex) {
  const withPool = (db: Db) => db('cloud_identities as i').leftJoin('tendril_pools as p', 'p.id', 'i.pool_id').select('i.*', 'p.name as pool_name');
  return {
    listByUser: (userId: string, trx: Db = knex): Promise<IdentityWithPool[]> => withPool(trx).where('i.user_id', userId).orderBy('i.name'),
    findById: (userId: string, id: string, trx: Db = knex): Promise<IdentityWithPool | undefined> => withPool(trx).where({ 'i.user_id': userId, 'i.id': id }).first(),
    findByName: (userId: string, name: string, trx: Db = knex): Promise<IdentityWithPool | undefined> => withPool(trx).where({ 'i.user_id': userId, 'i.name': name }).first(),
    /** SELECT … FOR UPDATE, scoped to the user. */
    lock: (userId: string, id: string, trx: Knex.Transaction): Promise<IdentityRow | undefined> => trx('cloud_identities').where({ user_id: userId, id }).forUpdate().first(),
    /** The identity a job runs with, whoever asks: only a Tendril running that job calls this. */
    openForJob: (id: string, trx: Db = knex): Promise<IdentityRow | undefined> => trx('cloud_identities').where({ id }).first(),

    async insert(
      row: { user_id: string; name: string; provider: Provider; config: Record<string, unknown>; credentials_encrypted: string | null; pool_id?: string | null; credentials_from_pool?: boolean },
      trx: Db = knex,
    ): Promise<IdentityRow> {
      const [created] = await trx('cloud_identities')
        .insert({ ...row, config: JSON.stringify(row.config) })
        .returning('*');
      return created as IdentityRow;
    },
    async delete(id: string, trx: Db = knex): Promise<void> {
      await trx('cloud_identities').where({ id }).delete();
    },
    /** Its pool and where its credentials come from (`credentials_encrypted: null` deletes the stored ones). */
    async setPool(id: string, patch: { pool_id: string | null; credentials_from_pool: boolean; credentials_encrypted?: null }, trx: Db = knex): Promise<void> {
      await trx('cloud_identities').where({ id }).update({ ...patch, updated_at: trx.fn.now() });
    },
    /** A pool of the user's, by id (the user's own only): what an identity may be bound to. */
    poolOf: (userId: string, poolId: string, trx: Db = knex): Promise<{ id: string; name: string } | undefined> =>
      trx('tendril_pools').where({ user_id: userId, id: poolId }).first('id', 'name'),
    /** Jobs run with the identity that have not ended, oldest first. */
    openJobsOf: (identityId: string, trx: Db = knex): Promise<IdentityOpenJob[]> =>
      trx('provision_jobs').where({ identity_id: identityId }).whereIn('status', JOB_OPEN).orderBy('created_at').select('id', 'type', 'status'),

    /** The outcome of a connection test: the one writer of `last_test_status`. */
    async recordTest(id: string, status: IdentityTestStatus, message: string, trx: Db = knex): Promise<void> {
      if (!identityTestLifecycle.isStatus(status)) throw new InvalidTransitionError(identityTestLifecycle.name, 'any', String(status));
      await trx('cloud_identities').where({ id }).update({ last_test_status: status, last_test_message: message, last_tested_at: trx.fn.now(), updated_at: trx.fn.now() });
    },

    /** The vines that use an identity (call after lock(): a vine insert then waits on the row lock). */
    vinesUsing: (identityId: string, trx: Db = knex): Promise<IdentityUse[]> =>
      trx('vines as v')
        .join('vineyards as vy', 'vy.id', 'v.vineyard_id')
        .where('v.identity_id', identityId)
        .orderBy(['vy.name', 'v.name', 'v.stage'])
        .select('v.id as vine_id', 'v.name as vine_name', 'v.stage', 'v.status', 'vy.name as vineyard_name'),

    /** Replaces the identity's discovered resources with a new snapshot, atomically. */
    async replaceDiscovered(identityId: string, resources: Array<Omit<DiscoveredRow, 'discovered_at'>>, trx: Knex.Transaction): Promise<void> {
      await trx('discovered_resources').where({ identity_id: identityId }).delete();
      for (let i = 0; i < resources.length; i += 500) {
        await trx('discovered_resources').insert(resources.slice(i, i + 500).map((r) => ({ identity_id: identityId, ...r, data: JSON.stringify(r.data) })));
      }
    },

    /**
     * The last successful discovery of each identity, from the jobs that ran it (their repository
     * writes them; this only reads): a FETCH_RESOURCES, or a CONNECTION_TEST that went on to discover.
     */
    async lastDiscoveries(identityIds: string[], trx: Db = knex): Promise<Map<string, DiscoveryRow>> {
      if (!identityIds.length) return new Map();
      const rows = (await trx('provision_jobs')
        .distinctOn('identity_id')
        .whereIn('identity_id', identityIds)
        .where({ status: 'SUCCESS' })
        .where((q) => q.where({ type: 'FETCH_RESOURCES' }).orWhere((w) => w.where({ type: 'CONNECTION_TEST' }).whereRaw("result->'discovery'->>'discovered' IS NOT NULL")))
        .orderBy([{ column: 'identity_id' }, { column: 'finished_at', order: 'desc' }])
        .select('identity_id', 'id as job_id', 'finished_at', trx.raw("CASE WHEN type = 'CONNECTION_TEST' THEN result->'discovery' ELSE result END AS result"))) as DiscoveryRow[];
      return new Map(rows.map((r) => [r.identity_id, r]));
    },

    /** Each identity's newest job that has not ended yet. */
    async openJobs(identityIds: string[], trx: Db = knex): Promise<Map<string, OpenJobRow>> {
      if (!identityIds.length) return new Map();
      const rows = (await trx('provision_jobs')
        .distinctOn('identity_id')
        .whereIn('identity_id', identityIds)
        .whereIn('status', JOB_OPEN)
        .orderBy([{ column: 'identity_id' }, { column: 'created_at', order: 'desc' }])
        .select('identity_id', 'id', 'type', 'status')) as OpenJobRow[];
      return new Map(rows.map((r) => [r.identity_id, r]));
    },

    /** Whether the identity's discovered resources of `kind` hold `externalId`, and how many there are. */
    async discoveredMatch(identityId: string, kind: string, externalId: string, trx: Db = knex): Promise<{ found: boolean; count: number }> {
      const row = (await trx('discovered_resources')
        .where({ identity_id: identityId, kind })
        .first(trx.raw('count(*)::int AS count'), trx.raw('coalesce(bool_or(external_id = ?), false) AS found', [externalId]))) as { count: number; found: boolean } | undefined;
      return { found: row?.found === true, count: row?.count ?? 0 };
    },

    /** The identity's discovered resources, optionally of one kind, by kind then name. */
    discovered: (identityId: string, kind?: string, trx: Db = knex): Promise<DiscoveredRow[]> => {
      const q = trx('discovered_resources').where({ identity_id: identityId }).orderBy(['kind', 'name', 'external_id']).select('kind', 'external_id', 'name', 'region', 'data', 'discovered_at');
      if (kind) q.where({ kind });
      return q;
    },
  };
}

export type IdentityRepository = ReturnType<typeof createIdentityRepository>;
