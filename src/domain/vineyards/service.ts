/**
 * Vineyards: a user's workspaces. A vineyard's name is part of its vines' cloud resource names
 * (namePrefix) and state paths, so it cannot change, nor the vineyard go, while a vine may have
 * something in the cloud (any status but DRAFT or DESTROYED).
 */
import type { Knex } from 'knex';
import { ConflictError, NotFoundError, type FieldError } from '../errors.js';
import { slugify } from '../vines/stage.js';
import { VINE_DELETABLE } from '../vines/status.js';
import { checkDisplayName, invalid, isUniqueViolation, isUuid } from '../validation.js';
import { createVineyardRepository, VINEYARD_NAME_UNIQUE, type VineyardVine, type VineyardWithCounts } from './repository.js';

export type { Vineyard } from './schema.js';
import type { Vineyard } from './schema.js';
export interface VineyardInput {
  name?: string;
  description?: string;
}

export const DESCRIPTION_MAX = 1000;

const view = ({ user_id: _owner, ...rest }: VineyardWithCounts): Vineyard => rest;
const notFound = (ref: string) => new NotFoundError(`vineyard ${isUuid(ref) ? ref : JSON.stringify(ref)} not found`);
const live = (vines: VineyardVine[]) => vines.filter((v) => !VINE_DELETABLE.includes(v.status));
const describe = (vines: VineyardVine[]) => vines.map((v) => `${v.name} (${v.stage}, ${v.status})`).join(', ');

function checkInput(input: unknown, creating: boolean): { name?: string; description?: string } {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw invalid('vineyard', [{ field: 'input', message: 'must be an object' }]);
  const { name, description, ...rest } = input as Record<string, unknown>;
  const errors: FieldError[] = Object.keys(rest).map((k) => ({ field: k, message: 'is not a known field' }));
  const out: { name?: string; description?: string } = {};
  if (name !== undefined || creating) {
    const checked = checkDisplayName(name);
    if ('error' in checked) errors.push({ field: 'name', message: name === undefined ? 'is required' : checked.error });
    else out.name = checked.name;
  }
  if (description !== undefined && description !== null) {
    if (typeof description !== 'string') errors.push({ field: 'description', message: 'must be a string' });
    else if (description.trim().length > DESCRIPTION_MAX) errors.push({ field: 'description', message: `must be at most ${DESCRIPTION_MAX} characters` });
    else out.description = description.trim();
  }
  if (errors.length) throw invalid('vineyard', errors);
  return out;
}

export interface VineyardServiceDeps {
  knex: Knex;
}

export function createVineyardService({ knex }: VineyardServiceDeps) {
  const repo = createVineyardRepository(knex);

  /**
   * Two vineyards of one user may not share a name, nor a slug: "Acme" and "acme!" would give
   * their vines the same cloud resource names.
   */
  async function assertNameFree(userId: string, name: string, exceptId: string | undefined, trx: Knex.Transaction) {
    const slug = slugify(name);
    for (const other of await repo.names(userId, trx)) {
      if (other.id === exceptId) continue;
      if (other.name.toLowerCase() === name.toLowerCase()) {
        throw invalid('vineyard', [{ field: 'name', message: `a vineyard named "${other.name}" already exists` }]);
      }
      if (slug && slugify(other.name) === slug) {
        throw invalid('vineyard', [{ field: 'name', message: `would give the same cloud resource names as vineyard "${other.name}": choose a more distinct name` }]);
      }
    }
  }

  const duplicate = (name: string) => invalid('vineyard', [{ field: 'name', message: `a vineyard named "${name}" already exists` }]);

  async function byId(userId: string, id: string): Promise<Vineyard> {
    const row = isUuid(id) && isUuid(userId) ? await repo.findById(userId, id) : undefined;
    if (!row) throw notFound(id);
    return view(row);
  }

  return {
    async list(userId: string): Promise<Vineyard[]> {
      if (!isUuid(userId)) return [];
      return (await repo.list(userId)).map(view);
    },

    get: byId,

    async getByName(userId: string, name: string): Promise<Vineyard> {
      const checked = checkDisplayName(name);
      const row = 'name' in checked && isUuid(userId) ? await repo.findByName(userId, checked.name) : undefined;
      if (!row) throw notFound(String(name));
      return view(row);
    },

    async create(userId: string, input: VineyardInput): Promise<Vineyard> {
      const { name, description } = checkInput(input, true) as { name: string; description?: string };
      if (!isUuid(userId)) throw new NotFoundError(`user ${userId} not found`);
      try {
        const id = await knex.transaction(async (trx) => {
          if (!(await repo.lockUser(userId, trx))) throw new NotFoundError(`user ${userId} not found`);
          await assertNameFree(userId, name, undefined, trx);
          return (await repo.insert({ user_id: userId, name, description: description ?? '' }, trx)).id;
        });
        return await byId(userId, id);
      } catch (err) {
        if (isUniqueViolation(err, VINEYARD_NAME_UNIQUE)) throw duplicate(name);
        throw err;
      }
    },

    /** Name and/or description; the name only while no vine may exist in the cloud. */
    async update(userId: string, id: string, input: VineyardInput): Promise<Vineyard> {
      const patch = checkInput(input, false);
      if (!isUuid(id) || !isUuid(userId)) throw notFound(id);
      try {
        await knex.transaction(async (trx) => {
          await repo.lockUser(userId, trx);
          const current = await repo.lock(userId, id, trx);
          if (!current) throw notFound(id);
          if (patch.name !== undefined && patch.name !== current.name) {
            const busy = live(await repo.vinesForUpdate(id, trx));
            if (busy.length) {
              throw new ConflictError(
                `vineyard "${current.name}" cannot be renamed while vines may exist in the cloud (${describe(busy)}): its name is part of their cloud resource names and state paths; destroy them first`,
              );
            }
            await assertNameFree(userId, patch.name, id, trx);
          }
          if (Object.keys(patch).length) await repo.update(id, patch, trx);
        });
      } catch (err) {
        if (isUniqueViolation(err, VINEYARD_NAME_UNIQUE)) throw duplicate(patch.name ?? '');
        throw err;
      }
      return byId(userId, id);
    },

    /** Deletes the vineyard and its vines, refused while any vine may exist in the cloud. */
    async delete(userId: string, id: string): Promise<void> {
      if (!isUuid(id) || !isUuid(userId)) throw notFound(id);
      await knex.transaction(async (trx) => {
        const current = await repo.lock(userId, id, trx);
        if (!current) throw notFound(id);
        const busy = live(await repo.vinesForUpdate(id, trx));
        if (busy.length) {
          throw new ConflictError(`vineyard "${current.name}" still has live vines: ${describe(busy)}; destroy them first`);
        }
        await repo.deleteWithVines(id, trx);
      });
    },
  };
}

export type VineyardService = ReturnType<typeof createVineyardService>;
