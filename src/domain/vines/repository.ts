/**
 * `vines` rows, always reached through the owning user's vineyards, with the names a vine is
 * shown and addressed by (vineyard, identity).
 */
import type { Knex } from 'knex';
import { componentKind } from '../components/catalogue.js';
import type { VineOptions } from './spec-schema.js';
import type { Stage } from './stage.js';
import type { Vine } from './schema.js';
import { vineLifecycle, type VineStatus } from './status.js';
import { transitionRows, type StatusTable, type TransitionOptions } from '../lifecycle.js';
import { CHANNEL, notify } from '../jobs/events.js';

type Db = Knex | Knex.Transaction;

/** A vine's row with the names it is addressed by; `Vine` adds what is derived from them. */
export type VineRecord = Omit<Vine, 'name_prefix' | 'state_path'>;

const STATUS_TABLE: StatusTable<VineStatus> = {
  table: 'vines',
  lifecycle: vineLifecycle,
  channel: CHANNEL.vineStatus,
  payload: 'c.id::text',
  returning: ['id', 'status', 'error', 'config_version', 'applied_config_version'],
};

export const VINE_NAME_UNIQUE = 'vines_vineyard_id_name_stage_unique';

const COLUMNS = [
  'v.id',
  'v.vineyard_id',
  'vy.name as vineyard_name',
  'v.name',
  'v.stage',
  'v.identity_id',
  'ci.name as identity_name',
  'v.status',
  'v.config_version',
  'v.applied_config_version',
  'v.options',
  'v.error',
  'v.created_at',
  'v.updated_at',
];

/** SQL: a vine row as `scoped` reads it; append `WHERE …` (vy.user_id: the owner). */
export const VINE_SELECT_SQL = `SELECT ${COLUMNS.join(', ')} FROM vines v JOIN vineyards vy ON vy.id = v.vineyard_id JOIN cloud_identities ci ON ci.id = v.identity_id`;

export function createVineRepository(knex: Knex) {
  const scoped = (userId: string, trx: Db) =>
    trx('vines as v')
      .join('vineyards as vy', 'vy.id', 'v.vineyard_id')
      .join('cloud_identities as ci', 'ci.id', 'v.identity_id')
      .where('vy.user_id', userId)
      .select(COLUMNS);

  return {
    listByUser: (userId: string, trx: Db = knex): Promise<VineRecord[]> => scoped(userId, trx).orderBy(['vy.name', 'v.name', 'v.stage']),
    listByVineyard: (userId: string, vineyardId: string, trx: Db = knex): Promise<VineRecord[]> =>
      scoped(userId, trx).where('v.vineyard_id', vineyardId).orderBy(['v.name', 'v.stage']),
    findById: (userId: string, id: string, trx: Db = knex): Promise<VineRecord | undefined> => scoped(userId, trx).where('v.id', id).first(),
    /** The vine a job runs on, whoever asks: only a Tendril running that job calls this. */
    forJob: (id: string, trx: Db = knex): Promise<VineRecord | undefined> =>
      trx('vines as v').join('vineyards as vy', 'vy.id', 'v.vineyard_id').join('cloud_identities as ci', 'ci.id', 'v.identity_id').where('v.id', id).first(COLUMNS),
    /** SELECT … FOR UPDATE OF the vine row: a harvest's guarded UPDATE waits for this transaction. */
    lock: (userId: string, id: string, trx: Knex.Transaction): Promise<VineRecord | undefined> =>
      scoped(userId, trx).where('v.id', id).forUpdate('v').first(),
    findByName: (userId: string, vineyardId: string, name: string, trx: Db = knex): Promise<VineRecord[]> =>
      scoped(userId, trx).where({ 'v.vineyard_id': vineyardId, 'v.name': name }).orderBy('v.stage'),
    /** Every vine of the user in one stage, for the cloud-name collision check. */
    inStage: (userId: string, stage: Stage, trx: Db = knex): Promise<Array<{ id: string; name: string; vineyard_name: string }>> =>
      trx('vines as v').join('vineyards as vy', 'vy.id', 'v.vineyard_id').where({ 'vy.user_id': userId, 'v.stage': stage }).select('v.id', 'v.name', 'vy.name as vineyard_name'),
    async insert(row: { vineyard_id: string; name: string; stage: Stage; identity_id: string; options: VineOptions }, trx: Db = knex): Promise<string> {
      const [created] = await trx('vines')
        .insert({ ...row, options: JSON.stringify(row.options) })
        .returning('id');
      return (created as { id: string }).id;
    },
    /** Writes changed vine fields and bumps config_version (every change of configuration does). */
    async updateConfig(id: string, patch: { name?: string; stage?: Stage; identity_id?: string; options?: VineOptions }, trx: Db = knex): Promise<void> {
      const { options, ...rest } = patch;
      await trx('vines')
        .where({ id })
        .update({
          ...rest,
          ...(options ? { options: JSON.stringify(options) } : {}),
          config_version: trx.raw('config_version + 1'),
          updated_at: trx.fn.now(),
        });
      // Pages and API caches showing this vine learn it changed (delivered on commit).
      await notify(trx, CHANNEL.vineStatus, id);
    },
    async delete(id: string, trx: Db = knex): Promise<void> {
      await trx('vines').where({ id }).delete(); // components and jobs cascade
      await notify(trx, CHANNEL.vineStatus, id);
    },
    /**
     * The one way a vine's status changes: guarded by the vine lifecycle (or `opts.from`), with
     * `vintner_vine_status` in the same statement. Answers the vine's new state, or undefined when
     * it was not in a status that may move to `to`.
     */
    async transition(
      id: string,
      to: VineStatus,
      set: { error?: string | null; applied_config_version?: number | null } = {},
      trx: Db = knex,
      opts: TransitionOptions<VineStatus> = {},
    ): Promise<Pick<VineRecord, 'id' | 'status' | 'error' | 'config_version' | 'applied_config_version'> | undefined> {
      const [row] = await transitionRows<VineStatus, VineRecord>(trx, STATUS_TABLE, { id }, to, { ...set, updated_at: trx.fn.now() }, opts);
      return row;
    },
    /** The vine's status and its owner, whoever asks (Tendrils). */
    statusOf: async (id: string, trx: Db = knex): Promise<VineStatus | undefined> => (await trx('vines').where({ id }).first('status'))?.status,
    /** Takes a component back into the configuration (it was removed but still exists in the cloud). */
    async restoreComponent(kind: string, id: string, trx: Db = knex): Promise<void> {
      const k = componentKind(kind);
      if (!k) throw new Error(`unknown component kind "${kind}"`);
      await trx(k.table).where({ id }).update({ removed_at: null, updated_at: trx.fn.now() });
    },
  };
}

export type VineRepository = ReturnType<typeof createVineRepository>;
