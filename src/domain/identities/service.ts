/**
 * Cloud identities: how Vintner reaches a user's cloud account. Secret parts are sealed into
 * `credentials_encrypted` and only `credentialsFor` (for the job runner) ever opens them; every
 * other answer is the public view, which says whether credentials exist and nothing more.
 */
import type { Knex } from 'knex';
import type { Sealer } from '../crypto.js';
import { ConflictError, NotFoundError, type FieldError } from '../errors.js';
import { invalid, isUniqueViolation, isUuid, schemaErrors } from '../validation.js';
import { createIdentityRepository, IDENTITY_NAME_UNIQUE, type IdentityRow } from './repository.js';
import { IDENTITY_INPUT_SCHEMAS, PROVIDERS, SECRET_FIELDS, maskKeyId, type Provider } from './schema.js';

type Db = Knex | Knex.Transaction;

/** What pages, the API and Grape see of an identity: never a secret. */
export interface IdentityView {
  id: string;
  name: string;
  provider: Provider;
  /** Non-secret settings (region, roleArn, projectId, endpoint …; `accessKeyIdMasked` for AWS keys). */
  config: Record<string, unknown>;
  hasCredentials: boolean;
  last_test_status: 'SUCCESS' | 'FAILED' | null;
  last_test_message: string | null;
  last_tested_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

/** For the job runner only: the identity's settings and its opened secret parts. */
export interface IdentityCredentials {
  id: string;
  name: string;
  provider: Provider;
  config: Record<string, unknown>;
  /** e.g. `{ accessKeyId, secretAccessKey }`; null when the identity has none (local, AWS role). */
  credentials: Record<string, string> | null;
}

export function toIdentityView(row: IdentityRow): IdentityView {
  return {
    id: row.id,
    name: row.name,
    provider: row.provider,
    config: { ...row.config },
    hasCredentials: row.credentials_encrypted !== null,
    last_test_status: row.last_test_status,
    last_test_message: row.last_test_message,
    last_tested_at: row.last_tested_at,
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
    if (has('roleArn') && (has('accessKeyId') || has('secretAccessKey'))) {
      errors.push({ field: 'roleArn', message: 'give either roleArn or access keys, not both' });
    } else if (!has('roleArn') && !has('accessKeyId') && !has('secretAccessKey')) {
      errors.push({ field: 'roleArn', message: 'is required unless accessKeyId and secretAccessKey are given (a role is preferred)' });
    } else if (has('accessKeyId') !== has('secretAccessKey')) {
      const missing = has('accessKeyId') ? 'secretAccessKey' : 'accessKeyId';
      errors.push({ field: missing, message: `is required with ${missing === 'accessKeyId' ? 'secretAccessKey' : 'accessKeyId'}` });
    }
    if (has('externalId') && !has('roleArn')) errors.push({ field: 'externalId', message: 'only goes with roleArn' });
  }
  if (provider === 'gcp' && typeof input.serviceAccountKey === 'string') {
    let key: unknown;
    try {
      key = JSON.parse(input.serviceAccountKey);
    } catch {
      errors.push({ field: 'serviceAccountKey', message: 'must be the JSON key file of a service account' });
    }
    if (key !== undefined) {
      const k = key as Record<string, unknown>;
      if (typeof k !== 'object' || k === null || typeof k.client_email !== 'string' || typeof k.private_key !== 'string') {
        errors.push({ field: 'serviceAccountKey', message: 'must be a service-account key with client_email and private_key' });
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
  if (provider === 'aws' && secret.accessKeyId) config.accessKeyIdMasked = maskKeyId(secret.accessKeyId);
  if (provider === 'gcp' && secret.serviceAccountKey) {
    config.clientEmail = (JSON.parse(secret.serviceAccountKey) as { client_email: string }).client_email;
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

  return {
    async list(userId: string): Promise<IdentityView[]> {
      return (await repo.listByUser(userId)).map(toIdentityView);
    },

    async get(userId: string, id: string): Promise<IdentityView> {
      return toIdentityView(await rowById(userId, id));
    },

    async getByName(userId: string, name: string): Promise<IdentityView> {
      const row = typeof name === 'string' ? await repo.findByName(userId, name) : undefined;
      if (!row) throw notFound(String(name));
      return toIdentityView(row);
    },

    /** An identity by id or name (what a vine spec's `identity` holds); the raw row, for services. */
    async resolve(userId: string, ref: string, trx: Db = knex): Promise<IdentityRow> {
      const row = (isUuid(ref) ? await repo.findById(userId, ref, trx) : undefined) ?? (await repo.findByName(userId, ref, trx));
      if (!row) throw notFound(ref);
      return row;
    },

    async create(userId: string, input: unknown): Promise<IdentityView> {
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

    /** The opened secrets, for the job runner (CONNECTION_TEST, FETCH_RESOURCES, Terraform env). */
    async credentialsFor(userId: string, id: string): Promise<IdentityCredentials> {
      const row = await rowById(userId, id);
      return {
        id: row.id,
        name: row.name,
        provider: row.provider,
        config: { ...row.config },
        credentials: row.credentials_encrypted ? (JSON.parse(sealer.open(row.credentials_encrypted)) as Record<string, string>) : null,
      };
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
