/**
 * Tendril pools: a user's own Tendrils, typically inside their cloud account, and the tokens those
 * Tendrils present (TENDRIL_TOKEN). An identity bound to a pool has its jobs run only there
 * (docs/DESIGN.md "Tendril pools"). Every call is scoped to the acting user: another user's pool
 * answers exactly like a missing one. `authenticatePoolToken` is the agent API's door.
 */
import type { Knex } from 'knex';
import { ConflictError, NotFoundError, type FieldError } from '../errors.js';
import { invalid, isForeignKeyViolation, isUniqueViolation, isUuid, schemaErrors } from '../validation.js';
import { createJobService } from '../jobs/service.js';
import { createTendrilRepository } from '../tendrils/repository.js';
import { createInAccountPools } from './in-account.js';
import type { JobRecord } from '../jobs/repository.js';
import { createPoolRepository, POOL_NAME_UNIQUE, type PoolIdentityRow, type PoolRow, type PoolTendrilRow, type PoolTokenRow, type PoolWithCounts } from './repository.js';
import { PoolCreateSchema, PoolPatchSchema, PoolTokenCreateSchema, type Pool, type PoolTendril, type PoolToken } from './schema.js';
import { hashToken, looksLikePoolToken, newPoolToken, POOL_TOKEN_REVOKED_CHANNEL } from './tokens.js';

export type { Pool, PoolTendril, PoolToken };

export { POOL_TOKEN_REVOKED_CHANNEL };

const notFound = (ref: string) => new NotFoundError(`pool ${isUuid(ref) ? ref : JSON.stringify(ref)} not found`);
const tokenNotFound = (id: string) => new NotFoundError(`token ${id} not found`);

function toPool(row: PoolWithCounts, identities: PoolIdentityRow[]): Pool {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    tendrils_online: row.tendrils_online,
    running_jobs: row.running_jobs,
    active_tokens: row.active_tokens,
    identities: identities.filter((i) => i.pool_id === row.id).map(({ pool_id: _p, ...i }) => i),
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

const toToken = (row: PoolTokenRow): PoolToken => ({
  id: row.id,
  pool_id: row.pool_id,
  name: row.name,
  prefix: row.prefix,
  last_used_at: row.last_used_at,
  revoked_at: row.revoked_at,
  created_at: row.created_at,
});

const toTendril = (row: PoolTendrilRow): PoolTendril => ({ ...row });

/** Input as the schema takes it; plus what TypeBox cannot say (a name that looks like an id, spaces around a description). */
function checkInput(input: unknown, creating: boolean): { name?: string; description?: string } {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw invalid('pool', [{ field: 'input', message: 'must be an object' }]);
  const errors: FieldError[] = schemaErrors(creating ? PoolCreateSchema : PoolPatchSchema, input);
  const { name, description } = input as { name?: unknown; description?: unknown };
  if (typeof name === 'string' && isUuid(name) && !errors.some((e) => e.field === 'name')) errors.push({ field: 'name', message: 'must not look like an id' });
  if (errors.length) throw invalid('pool', errors);
  return {
    ...(name !== undefined ? { name: name as string } : {}),
    ...(description !== undefined ? { description: (description as string).trim() } : {}),
  };
}

const list = (xs: string[]) => (xs.length <= 1 ? xs.join('') : `${xs.slice(0, -1).join(', ')} and ${xs[xs.length - 1]}`);
const describeJobs = (jobs: Array<{ id: string; type: string; status: string; tendril_name: string | null }>) =>
  jobs.map((j) => `${j.type} ${j.id} (${j.status}${j.tendril_name ? ` on ${j.tendril_name}` : ''})`).join(', ');

export interface PoolDeployment {
  settings: Record<string, unknown> | null;
  identity_id: string | null;
  standing: boolean;
  region: string | null;
  jobs: JobRecord[];
}

export interface PoolServiceDeps {
  knex: Knex;
}

export function createPoolService({ knex }: PoolServiceDeps) {
  const repo = createPoolRepository(knex);

  async function rowById(userId: string, id: string, db: Knex | Knex.Transaction = knex): Promise<PoolWithCounts> {
    const row = isUuid(id) && isUuid(userId) ? await repo.findById(userId, id, db) : undefined;
    if (!row) throw notFound(id);
    return row;
  }

  const views = async (rows: PoolWithCounts[]): Promise<Pool[]> => {
    const bound = await repo.identities(rows.map((r) => r.id));
    return rows.map((r) => toPool(r, bound));
  };

  const duplicate = (name: string) => invalid('pool', [{ field: 'name', message: `a pool named "${name}" already exists` }]);
  const get = async (userId: string, id: string): Promise<Pool> => (await views([await rowById(userId, id)]))[0]!;

  return {
    /** The user's pools, by name, with their counts and bound identities. */
    async list(userId: string): Promise<Pool[]> {
      if (!isUuid(userId)) return [];
      return views(await repo.listByUser(userId));
    },

    get,

    async getByName(userId: string, name: string): Promise<Pool> {
      const row = typeof name === 'string' && isUuid(userId) ? await repo.findByName(userId, name) : undefined;
      if (!row) throw notFound(String(name));
      return (await views([row]))[0]!;
    },

    /** A pool by id or name; undefined when the user has none such. */
    async find(userId: string, ref: string): Promise<Pool | undefined> {
      if (!isUuid(userId) || typeof ref !== 'string') return undefined;
      const row = (isUuid(ref) ? await repo.findById(userId, ref) : undefined) ?? (await repo.findByName(userId, ref));
      return row ? (await views([row]))[0] : undefined;
    },

    async create(userId: string, input: unknown): Promise<Pool> {
      const { name, description } = checkInput(input, true) as { name: string; description?: string };
      if (!isUuid(userId)) throw new NotFoundError(`user ${userId} not found`);
      try {
        const row = await knex.transaction(async (trx) => {
          if (!(await repo.lockUser(userId, trx))) throw new NotFoundError(`user ${userId} not found`);
          return repo.insert({ user_id: userId, name, description: description ?? '' }, trx);
        });
        return get(userId, row.id);
      } catch (err) {
        if (isUniqueViolation(err, POOL_NAME_UNIQUE)) throw duplicate(name);
        throw err;
      }
    },

    /**
     * Renames it or changes its description. The name stays while the pool's Tendril
     * infrastructure exists in the cloud (DEPLOY_WORKER named its resources after it).
     */
    async update(userId: string, id: string, input: unknown): Promise<Pool> {
      const patch = checkInput(input, false);
      if (!isUuid(id) || !isUuid(userId)) throw notFound(id);
      try {
        await knex.transaction(async (trx) => {
          const current = await repo.lock(userId, id, trx);
          if (!current) throw notFound(id);
          if (patch.name !== undefined && patch.name !== current.name) {
            const deployed = await repo.deployedResources(id, trx);
            if (deployed > 0) {
              throw new ConflictError(
                `pool "${current.name}" cannot be renamed while its Tendril infrastructure exists in the cloud (${deployed} resources in its Terraform state): its name is part of their names; destroy it first`,
              );
            }
          }
          if (Object.keys(patch).length) await repo.update(id, patch, trx);
        });
      } catch (err) {
        if (isUniqueViolation(err, POOL_NAME_UNIQUE)) throw duplicate(patch.name ?? '');
        throw err;
      }
      return get(userId, id);
    },

    /**
     * Deletes the pool, its tokens and its Tendrils' rows. Refused while identities are bound
     * to it (named, so the user knows what to change), while its Tendrils run jobs, or while its
     * Tendril infrastructure still exists in the cloud.
     */
    async delete(userId: string, id: string): Promise<void> {
      if (!isUuid(id) || !isUuid(userId)) throw notFound(id);
      let current: PoolRow | undefined;
      try {
        await knex.transaction(async (trx) => {
          current = await repo.lock(userId, id, trx);
          if (!current) throw notFound(id);
          const bound = await repo.identities([id], trx);
          if (bound.length) {
            const names = bound.map((i) => `"${i.name}"`);
            throw new ConflictError(
              `pool "${current.name}" is used by ${bound.length === 1 ? 'identity' : 'identities'} ${list(names)}: unbind ${bound.length === 1 ? 'it' : 'them'} first (or delete ${bound.length === 1 ? 'it' : 'them'})`,
            );
          }
          const busy = await repo.busyJobs(id, trx);
          if (busy.length) {
            throw new ConflictError(`pool "${current.name}" has jobs running on its Tendrils or about it: ${describeJobs(busy)}; wait for them to end (or cancel them) first`);
          }
          const deployed = await repo.deployedResources(id, trx);
          if (deployed > 0) {
            throw new ConflictError(`pool "${current.name}" still has its Tendril infrastructure in the cloud (${deployed} resources in its Terraform state): destroy it first`);
          }
          await createTendrilRepository(knex).forgetPool(id, trx);
          await repo.delete(id, trx);
        });
      } catch (err) {
        // An identity bound meanwhile (the foreign key is ON DELETE RESTRICT).
        if (isForeignKeyViolation(err)) throw new ConflictError(`pool "${current?.name ?? id}" is used by an identity: unbind it first`);
        throw err;
      }
    },

    /** Its Tendrils: running ones first, then those seen in the last day. */
    async tendrils(userId: string, id: string): Promise<PoolTendril[]> {
      const pool = await rowById(userId, id);
      return (await repo.tendrils(pool.id)).map(toTendril);
    },

    async tokens(userId: string, id: string): Promise<PoolToken[]> {
      const pool = await rowById(userId, id);
      return (await repo.listTokens(pool.id)).map(toToken);
    },

    /** The token is in the answer this once; only its sha256 and first characters are stored. */
    async createToken(userId: string, id: string, input: unknown): Promise<{ token: string; row: PoolToken }> {
      const body = typeof input === 'object' && input !== null && !Array.isArray(input) ? { ...(input as Record<string, unknown>) } : input;
      if (body && typeof body === 'object' && typeof (body as { name?: unknown }).name === 'string') (body as { name: string }).name = (body as { name: string }).name.trim();
      const errors = schemaErrors(PoolTokenCreateSchema, body);
      if (errors.length) throw invalid('token', errors);
      const pool = await rowById(userId, id);
      const { token, stored } = newPoolToken();
      const row = await repo.insertToken({ pool_id: pool.id, name: (body as { name: string }).name, ...stored });
      return { token, row: toToken(row) };
    },

    /**
     * Queues a DEPLOY_WORKER: this pool's Tendrils set up (or updated) in the AWS account of
     * `identity_id` with `settings` (docs/clouds/aws-tendril.md); the jobs service checks the
     * identity and settings and has the last word (one worker job of a pool at a time).
     * `defaults`: the image and Trellis address when neither the settings nor the last deployment
     * name one (TENDRIL_IMAGE, TRELLIS_PUBLIC_URL or the request's address).
     */
    async deployWorker(userId: string, id: string, input: { identity_id?: unknown; settings?: unknown }, defaults: { image?: string | undefined; trellisUrl?: string | undefined } = {}): Promise<JobRecord> {
      const pool = await rowById(userId, id);
      const identityId = typeof input.identity_id === 'string' && input.identity_id !== '' ? input.identity_id : undefined;
      return createJobService(knex).create({
        userId,
        type: 'DEPLOY_WORKER',
        poolId: pool.id,
        ...(identityId !== undefined ? { identityId } : {}),
        ...(input.settings !== undefined ? { settings: input.settings } : {}),
        workerDefaults: defaults,
      });
    },

    /** Queues a DESTROY_WORKER: with the last deployment's identity unless `identity_id` names another. */
    async destroyWorker(userId: string, id: string, input: { identity_id?: unknown } = {}): Promise<JobRecord> {
      const pool = await rowById(userId, id);
      const identityId = typeof input.identity_id === 'string' && input.identity_id !== '' ? input.identity_id : undefined;
      return createJobService(knex).create({ userId, type: 'DESTROY_WORKER', poolId: pool.id, ...(identityId !== undefined ? { identityId } : {}) });
    },

    /**
     * What the pool page shows of its in-account Tendrils: the last deployment's settings and
     * identity (what a new deployment starts from), whether they stand (so can be destroyed), and
     * the pool's recent DEPLOY_WORKER / DESTROY_WORKER jobs.
     */
    async deployment(userId: string, id: string): Promise<PoolDeployment> {
      const pool = await rowById(userId, id);
      const inAccount = createInAccountPools(knex);
      const [last, region, resources, jobs] = await Promise.all([
        inAccount.lastDeployment(pool.id, { succeeded: true }),
        inAccount.deployedRegion(pool.id),
        repo.deployedResources(pool.id),
        createJobService(knex).page({ poolId: pool.id }, { limit: 5 }),
      ]);
      return {
        settings: (last?.params ?? null) as Record<string, unknown> | null,
        identity_id: last?.identity_id ?? null,
        standing: region !== undefined || resources > 0,
        region: region ?? null,
        jobs: jobs.jobs,
      };
    },

    /** Revokes it at once: the next request of a Tendril holding it is refused. Revoking twice keeps the first time. */
    async revokeToken(userId: string, id: string, tokenId: string): Promise<PoolToken> {
      const pool = await rowById(userId, id);
      const row = isUuid(tokenId) ? await repo.revokeToken(pool.id, tokenId) : undefined;
      if (!row) throw tokenNotFound(tokenId);
      return toToken(row);
    },
  };
}

export type PoolService = ReturnType<typeof createPoolService>;

/** Who a pool token speaks for. */
export interface PoolCaller {
  poolId: string;
  tokenId: string;
  userId: string;
}

/**
 * The agent API's check of `TENDRIL_TOKEN`: the pool, token and user it stands for, or undefined
 * when it is malformed, unknown or revoked. Records its use at most once a minute. No memory
 * between calls: a revocation holds from the next request on.
 */
export async function authenticatePoolToken(knex: Knex, token: string): Promise<PoolCaller | undefined> {
  if (!looksLikePoolToken(token)) return undefined;
  const repo = createPoolRepository(knex);
  const found = await repo.findTokenByHash(hashToken(token));
  if (!found || found.revoked_at) return undefined;
  const last = found.last_used_at;
  if (!last || Date.now() - last.getTime() > 60_000) await repo.touchToken(found.id);
  return { poolId: found.pool_id, tokenId: found.id, userId: found.user_id };
}
