/** `vineyards` rows, always scoped to the owning user, listed with their vines counted by status. */
import type { Knex } from 'knex';
import { VineStatus } from '../vines/status.js';

type Db = Knex | Knex.Transaction;

export interface VineyardRow {
  id: string;
  user_id: string;
  name: string;
  description: string;
  created_at: Date;
  updated_at: Date;
}

export interface VineyardWithCounts extends VineyardRow {
  vine_count: number;
  vines_by_status: Record<VineStatus, number>;
}

export interface VineyardVine {
  id: string;
  name: string;
  stage: string;
  status: VineStatus;
}

const STATUSES = Object.values(VineStatus);
export const VINEYARD_NAME_UNIQUE = 'vineyards_user_id_name_unique';

export function createVineyardRepository(knex: Knex) {
  /** One query: the vineyards and, per status, how many of their vines are in it. */
  async function withCounts(userId: string, where: { id?: string; name?: string }, trx: Db): Promise<VineyardWithCounts[]> {
    const q = trx('vineyards as vy')
      .leftJoin('vines as v', 'v.vineyard_id', 'vy.id')
      .where('vy.user_id', userId)
      .groupBy('vy.id')
      .orderBy('vy.name')
      .select('vy.*', trx.raw('count(v.id)::int as vine_count'));
    // The statuses are this module's constants, not input: safe to write into the SQL.
    for (const s of STATUSES) q.select(trx.raw(`count(v.id) filter (where v.status = '${s}')::int as "n_${s}"`));
    if (where.id) q.where('vy.id', where.id);
    if (where.name !== undefined) q.where('vy.name', where.name);
    const rows = (await q) as Array<Record<string, unknown>>;
    return rows.map((r) => {
      const vines_by_status = Object.fromEntries(STATUSES.map((s) => [s, r[`n_${s}`] as number])) as Record<VineStatus, number>;
      const base = Object.fromEntries(Object.entries(r).filter(([k]) => !k.startsWith('n_'))) as unknown as VineyardRow & { vine_count: number };
      return { ...base, vines_by_status };
    });
  }

  return {
    list: (userId: string, trx: Db = knex) => withCounts(userId, {}, trx),
    findById: async (userId: string, id: string, trx: Db = knex) => (await withCounts(userId, { id }, trx))[0],
    findByName: async (userId: string, name: string, trx: Db = knex) => (await withCounts(userId, { name }, trx))[0],
    /** SELECT … FOR UPDATE: vine creation, renames and deletion of one vineyard take turns. */
    lock: (userId: string, id: string, trx: Knex.Transaction): Promise<VineyardRow | undefined> =>
      trx('vineyards').where({ user_id: userId, id }).forUpdate().first(),
    /** Serialises one user's vineyard creations and renames (the name checks read then write). */
    lockUser: (userId: string, trx: Knex.Transaction) => trx('users').where({ id: userId }).forUpdate().first('id'),
    names: (userId: string, trx: Db = knex): Promise<Array<{ id: string; name: string }>> =>
      trx('vineyards').where({ user_id: userId }).select('id', 'name'),
    async insert(row: { user_id: string; name: string; description: string }, trx: Db = knex): Promise<VineyardRow> {
      const [created] = await trx('vineyards').insert(row).returning('*');
      return created as VineyardRow;
    },
    async update(id: string, patch: { name?: string; description?: string }, trx: Db = knex): Promise<void> {
      await trx('vineyards').where({ id }).update({ ...patch, updated_at: trx.fn.now() });
    },
    /** The vineyard's vines, locked, so no harvest starts while a rename or delete decides. */
    vinesForUpdate: (vineyardId: string, trx: Knex.Transaction): Promise<VineyardVine[]> =>
      trx('vines').where({ vineyard_id: vineyardId }).orderBy(['name', 'stage']).forUpdate().select('id', 'name', 'stage', 'status'),
    async deleteWithVines(id: string, trx: Knex.Transaction): Promise<void> {
      await trx('vines').where({ vineyard_id: id }).delete(); // components and jobs cascade
      await trx('vineyards').where({ id }).delete();
    },
  };
}

export type VineyardRepository = ReturnType<typeof createVineyardRepository>;
