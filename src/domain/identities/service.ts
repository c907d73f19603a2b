/**
 * Cloud identities: how Vintner reaches a user's cloud account. Secret parts are sealed into
 * `credentials_encrypted` and opened only inside the job that needs them (the runner); every
 * answer here is the public view, which says whether credentials exist and nothing more.
 */
import type { Knex } from 'knex';
import type { Sealer } from '../crypto.js';
import { ConflictError, NotFoundError, type FieldError } from '../errors.js';
import { invalid, isUniqueViolation, isUuid, schemaErrors } from '../validation.js';
import { createIdentityRepository, IDENTITY_NAME_UNIQUE, type DiscoveryRow, type IdentityRow, type OpenJobRow } from './repository.js';
import {
  currentFieldNames, DISCOVERY_STALE_MS, IDENTITY_INPUT_SCHEMAS, PROVIDERS, RESOURCE_KINDS, SECRET_FIELDS, maskKeyId,
  type DiscoveredResource, type DiscoverySummary, type Identity, type Provider, type ResourceKind,
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

export function toIdentityView(row: IdentityRow, discovery: DiscoveryRow | undefined = undefined): Identity {
  return {
    id: row.id,
    name: row.name,
    provider: row.provider,
    config: currentFieldNames(row.config ?? {}),
    has_credentials: row.credentials_encrypted !== null,
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
  if (typeof input.name === 'string' && isUuid(input.name)) errors.push({ field: 'name', message: 'must not look like an id' });
  if (provider === 'aws') {
    const has = (f: string) => input[f] !== undefined;
    if (has('access_key_id') !== has('secret_access_key')) {
      const missing = has('access_key_id') ? 'secret_access_key' : 'access_key_id';
      errors.push({ field: missing, message: `is required with ${missing === 'access_key_id' ? 'secret_access_key' : 'access_key_id'}` });
    } else if (!has('role_arn') && !has('access_key_id')) {
      errors.push({ field: 'role_arn', message: 'is required unless access_key_id and secret_access_key are given (a role is preferred)' });
    }
    if (has('external_id') && !has('role_arn')) errors.push({ field: 'external_id', message: 'only goes with role_arn' });
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

/** Splits a valid input into stored config and the secret part to seal. */
function split(provider: Provider, input: Record<string, unknown>): { config: Record<string, unknown>; secret: Record<string, string> | null } {
  const config: Record<string, unknown> = {};
  const secret: Record<string, string> = {};
  for (const [field, value] of Object.entries(input)) {
    if (field === 'name' || field === 'provider' || value === undefined) continue;
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

  async function rowById(userId: string, id: string, trx: Db = knex): Promise<IdentityRow> {
    const row = isUuid(id) ? await repo.findById(userId, id, trx) : undefined;
    if (!row) throw notFound(id);
    return row;
  }

  const withDiscovery = async (rows: IdentityRow[]): Promise<Identity[]> => {
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
      try {
        const row = await repo.insert({
          user_id: userId,
          name: obj.name as string,
          provider: p,
          config,
          credentials_encrypted: secret ? sealer.seal(JSON.stringify(secret)) : null,
        });
        return toIdentityView(row);
      } catch (err) {
        if (isUniqueViolation(err, IDENTITY_NAME_UNIQUE)) {
          throw invalid('identity', [{ field: 'name', message: `an identity named "${obj.name as string}" already exists` }]);
        }
        throw err;
      }
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
