/**
 * Cloud identities: how Vintner reaches a user's cloud account. Secret parts are sealed into
 * `credentials_encrypted` and opened only inside the job that needs them (the runner); every
 * answer here is the public view, which says whether credentials exist and nothing more.
 */
import type { Knex } from 'knex';
import type { Sealer } from '../crypto.js';
import { ConflictError, NotFoundError, type FieldError } from '../errors.js';
import { invalid, isUniqueViolation, isUuid, schemaErrors } from '../validation.js';
import { createIdentityRepository, IDENTITY_NAME_UNIQUE, type DiscoveryRow, type IdentityWithPool, type OpenJobRow } from './repository.js';
import {
  currentFieldNames, DISCOVERY_STALE_MS, IDENTITY_INPUT_SCHEMAS, IdentityPatchSchema, PROVIDERS, RESOURCE_KINDS, SECRET_FIELDS, maskKeyId,
  type DiscoveredResource, type DiscoverySummary, type Identity, type IdentityPatch, type Provider, type ResourceKind,
} from './schema.js';

type Db = Knex | Knex.Transaction;

/** A discovery job's result as the identity shows it. */
export function toDiscoverySummary(row: DiscoveryRow | undefined, now = Date.now()): DiscoverySummary | null {
  if (!row) return null;
  const r = row.result ?? {};
  const kinds: Record<string, number> = {};
  if (r.kinds && typeof r.kinds === 'object') for (const [k, v] of Object.entries(r.kinds)) if (typeof v === 'number') kinds[k] = v;
  const at = new Date(row.finished_at);
  return {
    at,
    job_id: row.job_id,
    resources: typeof r.discovered === 'number' ? r.discovered : Object.values(kinds).reduce((a, b) => a + b, 0),
    kinds,
    truncated: r.truncated === true,
    message: typeof r.message === 'string' ? r.message : null,
    stale: now - at.getTime() > DISCOVERY_STALE_MS,
  };
}

export function toIdentityView(row: IdentityWithPool, discovery: DiscoveryRow | undefined = undefined): Identity {
  return {
    id: row.id,
    name: row.name,
    provider: row.provider,
    config: currentFieldNames(row.config ?? {}),
    has_credentials: row.credentials_encrypted !== null,
    pool_id: row.pool_id ?? null,
    pool_name: row.pool_name ?? null,
    credentials_from_pool: row.credentials_from_pool === true,
    last_test_status: row.last_test_status,
    last_test_message: row.last_test_message,
    last_tested_at: row.last_tested_at,
    discovery: toDiscoverySummary(discovery),
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

const notFound = (ref: string) => new NotFoundError(`identity ${isUuid(ref) ? ref : JSON.stringify(ref)} not found`);

/** Rules TypeBox cannot say: which AWS fields go together, what a GCP key must contain. */
function crossFieldErrors(provider: Provider, input: Record<string, unknown>): FieldError[] {
  const errors: FieldError[] = [];
  const has = (f: string) => input[f] !== undefined;
  const fromPool = input.credentials_from_pool === true;
  if (typeof input.name === 'string' && isUuid(input.name)) errors.push({ field: 'name', message: 'must not look like an id' });
  if (fromPool) {
    if (input.pool_id === undefined || input.pool_id === null) errors.push({ field: 'credentials_from_pool', message: 'needs pool_id: only the Tendrils of a pool can supply the credentials' });
    for (const f of SECRET_FIELDS[provider]) if (has(f)) errors.push({ field: f, message: 'is not stored when credentials_from_pool is true (the pool’s Tendrils supply the credentials)' });
  }
  if (provider === 'aws' && !fromPool) {
    if (has('access_key_id') !== has('secret_access_key')) {
      const missing = has('access_key_id') ? 'secret_access_key' : 'access_key_id';
      errors.push({ field: missing, message: `is required with ${missing === 'access_key_id' ? 'secret_access_key' : 'access_key_id'}` });
    } else if (!has('role_arn') && !has('access_key_id')) {
      errors.push({ field: 'role_arn', message: 'is required unless access_key_id and secret_access_key are given (a role is preferred), or the credentials come from a pool’s Tendrils' });
    }
  }
  if (provider === 'aws' && has('external_id') && !has('role_arn')) errors.push({ field: 'external_id', message: 'only goes with role_arn' });
  if (!fromPool) {
    for (const f of REQUIRED_UNLESS_FROM_POOL[provider]) if (!has(f)) errors.push({ field: f, message: 'is required (unless the credentials come from a pool’s Tendrils)' });
  }
  if (provider === 'gcp' && typeof input.service_account_key === 'string') {
    let key: unknown;
    try {
      key = JSON.parse(input.service_account_key);
    } catch {
      errors.push({ field: 'service_account_key', message: 'must be the JSON key file of a service account' });
    }
    if (key !== undefined) {
      const k = key as Record<string, unknown>;
      if (typeof k !== 'object' || k === null || typeof k.client_email !== 'string' || typeof k.private_key !== 'string') {
        errors.push({ field: 'service_account_key', message: 'must be a service-account key with client_email and private_key' });
      }
    }
  }
  return errors;
}

/** Fields a provider needs unless its identity takes its credentials from a pool's Tendrils. */
const REQUIRED_UNLESS_FROM_POOL: Record<Provider, readonly string[]> = {
  local: [],
  aws: [],
  gcp: ['service_account_key'],
  azure: ['client_id', 'client_secret'],
};

/**
 * What an identity taking its credentials from its pool lacks to do without them, in words
 * (such an identity stores no secret); undefined when nothing: an AWS role, assumed with the
 * Tendril's own credentials wherever the identity's jobs run.
 */
function missingWithoutPool(row: IdentityWithPool): string | undefined {
  if (row.credentials_encrypted !== null) return undefined;
  if (row.provider === 'aws') return currentFieldNames(row.config ?? {}).role_arn ? undefined : 'a role ARN or access keys';
  if (row.provider === 'gcp') return 'a service-account key';
  if (row.provider === 'azure') return 'a client id and secret';
  return undefined;
}

/** Splits a valid input into stored config and the secret part to seal. */
function split(provider: Provider, input: Record<string, unknown>): { config: Record<string, unknown>; secret: Record<string, string> | null } {
  const config: Record<string, unknown> = {};
  const secret: Record<string, string> = {};
  for (const [field, value] of Object.entries(input)) {
    if (field === 'name' || field === 'provider' || field === 'pool_id' || field === 'credentials_from_pool' || value === undefined) continue;
    if (SECRET_FIELDS[provider].includes(field)) secret[field] = value as string;
    else config[field] = value;
  }
  if (provider === 'aws' && secret.access_key_id) config.access_key_id_masked = maskKeyId(secret.access_key_id);
  if (provider === 'gcp' && secret.service_account_key) {
    config.client_email = (JSON.parse(secret.service_account_key) as { client_email: string }).client_email;
  }
  return { config, secret: Object.keys(secret).length ? secret : null };
}

export interface IdentityServiceDeps {
  knex: Knex;
  sealer: Sealer;
}

export function createIdentityService({ knex, sealer }: IdentityServiceDeps) {
  const repo = createIdentityRepository(knex);

  async function rowById(userId: string, id: string, trx: Db = knex): Promise<IdentityWithPool> {
    const row = isUuid(id) ? await repo.findById(userId, id, trx) : undefined;
    if (!row) throw notFound(id);
    return row;
  }

  /** The user's pool of that id, or a field error that reads like a missing one (another user's pool is one). */
  async function poolFor(userId: string, poolId: string, trx: Db = knex): Promise<{ id: string; name: string }> {
    const pool = isUuid(poolId) ? await repo.poolOf(userId, poolId, trx) : undefined;
    if (!pool) throw invalid('identity', [{ field: 'pool_id', message: `pool ${poolId} not found` }]);
    return pool;
  }

  const withDiscovery = async (rows: IdentityWithPool[]): Promise<Identity[]> => {
    const found = await repo.lastDiscoveries(rows.map((r) => r.id));
    return rows.map((r) => toIdentityView(r, found.get(r.id)));
  };

  return {
    async list(userId: string): Promise<Identity[]> {
      return withDiscovery(await repo.listByUser(userId));
    },

    async get(userId: string, id: string): Promise<Identity> {
      return (await withDiscovery([await rowById(userId, id)]))[0]!;
    },

    async getByName(userId: string, name: string): Promise<Identity> {
      const row = typeof name === 'string' ? await repo.findByName(userId, name) : undefined;
      if (!row) throw notFound(String(name));
      return (await withDiscovery([row]))[0]!;
    },

    /** The user's identities by reference (name or id), as a vine spec names them; undefined when none. */
    async find(userId: string, ref: string): Promise<Identity | undefined> {
      const row = (isUuid(ref) ? await repo.findById(userId, ref) : undefined) ?? (await repo.findByName(userId, ref));
      return row ? (await withDiscovery([row]))[0] : undefined;
    },

    /**
     * The resources the identity's last discovery found, optionally of one kind (by kind, then
     * name). Another user's identity answers like a missing one.
     */
    async resources(userId: string, id: string, kind?: ResourceKind): Promise<DiscoveredResource[]> {
      if (kind !== undefined && !RESOURCE_KINDS.includes(kind)) throw invalid('query', [{ field: 'kind', message: `must be one of: ${RESOURCE_KINDS.join(', ')}` }]);
      const row = await rowById(userId, id);
      return repo.discovered(row.id, kind);
    },

    /** Each of the user's identities' job still running, if any (the Identities page follows them). */
    async openJobs(userId: string): Promise<Map<string, OpenJobRow>> {
      return repo.openJobs((await repo.listByUser(userId)).map((r) => r.id));
    },

    async create(userId: string, input: unknown): Promise<Identity> {
      if (typeof input !== 'object' || input === null || Array.isArray(input)) {
        throw invalid('identity', [{ field: 'input', message: 'must be an object' }]);
      }
      const obj = input as Record<string, unknown>;
      const provider = obj.provider;
      if (!PROVIDERS.includes(provider as Provider)) {
        throw invalid('identity', [{ field: 'provider', message: `must be one of: ${PROVIDERS.join(', ')}` }]);
      }
      const p = provider as Provider;
      const errors = schemaErrors(IDENTITY_INPUT_SCHEMAS[p], obj);
      for (const e of crossFieldErrors(p, obj)) if (!errors.some((x) => x.field === e.field)) errors.push(e);
      if (errors.length) throw invalid(`${p} identity`, errors);

      const { config, secret } = split(p, obj);
      const poolId = typeof obj.pool_id === 'string' ? (await poolFor(userId, obj.pool_id)).id : null;
      try {
        const row = await repo.insert({
          user_id: userId,
          name: obj.name as string,
          provider: p,
          config,
          credentials_encrypted: secret ? sealer.seal(JSON.stringify(secret)) : null,
          pool_id: poolId,
          credentials_from_pool: obj.credentials_from_pool === true,
        });
        return toIdentityView((await repo.findById(userId, row.id))!);
      } catch (err) {
        if (isUniqueViolation(err, IDENTITY_NAME_UNIQUE)) {
          throw invalid('identity', [{ field: 'name', message: `an identity named "${obj.name as string}" already exists` }]);
        }
        throw err;
      }
    },

    /**
     * Binds it to a pool (`pool_id`), unbinds it (`pool_id: null`), or says where its credentials
     * come from (`credentials_from_pool`). Its jobs then run only on that pool's Tendrils, so the
     * pool cannot change while a job of it is queued or running (that job was routed already).
     * Credentials from the pool: the stored ones are deleted; such an identity cannot leave its
     * pool, and stops taking the pool's credentials only when it is complete without them.
     */
    async update(userId: string, id: string, input: unknown): Promise<Identity> {
      const errors = schemaErrors(IdentityPatchSchema, input);
      if (errors.length) throw invalid('identity', errors);
      const patch = input as IdentityPatch;
      if (!isUuid(id) || !isUuid(userId)) throw notFound(id);
      await knex.transaction(async (trx) => {
        const locked = await repo.lock(userId, id, trx);
        if (!locked) throw notFound(id);
        const row = (await repo.findById(userId, id, trx))!;
        const poolId = patch.pool_id === undefined ? row.pool_id : patch.pool_id;
        const pool = poolId ? await poolFor(userId, poolId, trx) : undefined;
        const fromPool = patch.credentials_from_pool ?? row.credentials_from_pool;
        if (fromPool && row.provider === 'local') throw invalid('identity', [{ field: 'credentials_from_pool', message: 'local identities need no credentials' }]);
        if (fromPool && !pool) {
          if (row.credentials_from_pool && patch.pool_id === null) {
            throw new ConflictError(
              `identity "${row.name}" takes its credentials from pool "${row.pool_name}"'s Tendrils: it cannot leave the pool while it does (set credentials_from_pool to false together, if it has what it needs without them)`,
            );
          }
          throw invalid('identity', [{ field: 'credentials_from_pool', message: 'needs pool_id: only the Tendrils of a pool can supply the credentials' }]);
        }
        if (!fromPool && row.credentials_from_pool) {
          const lacking = missingWithoutPool(row);
          if (lacking) {
            throw new ConflictError(
              `identity "${row.name}" stores no credentials of its own (it has no ${lacking}): it can only take them from its pool's Tendrils; delete it and add it again with ${lacking} to change that`,
            );
          }
        }
        if ((pool?.id ?? null) !== row.pool_id) {
          const open = await repo.openJobsOf(row.id, trx);
          if (open.length) {
            const jobs = open.map((j) => `${j.type} ${j.id} (${j.status})`).join(', ');
            throw new ConflictError(`identity "${row.name}" has jobs queued or running (${jobs}): its pool can change once they end (or are cancelled)`);
          }
        }
        await repo.setPool(
          row.id,
          { pool_id: pool?.id ?? null, credentials_from_pool: fromPool, ...(fromPool && row.credentials_encrypted !== null ? { credentials_encrypted: null } : {}) },
          trx,
        );
      });
      return (await withDiscovery([await rowById(userId, id)]))[0]!;
    },

    /** Refused while a vine uses it: the vines are named so the user knows what to change first. */
    async delete(userId: string, id: string): Promise<void> {
      if (!isUuid(id)) throw notFound(id);
      await knex.transaction(async (trx) => {
        const row = await repo.lock(userId, id, trx);
        if (!row) throw notFound(id);
        const uses = await repo.vinesUsing(id, trx);
        if (uses.length) {
          const names = uses.map((u) => `${u.vineyard_name}/${u.vine_name} (${u.stage}, ${u.status})`);
          throw new ConflictError(`identity "${row.name}" is used by ${uses.length === 1 ? 'vine' : 'vines'} ${names.join(', ')}: give them another identity or delete them first`);
        }
        await repo.delete(id, trx);
      });
    },
  };
}

export type IdentityService = ReturnType<typeof createIdentityService>;
