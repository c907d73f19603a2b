/**
 * Component rows of every kind, through the catalogue: one repository for every kind's table.
 * Settings are the kind's typed columns; secret fields are stored sealed in `<field>_encrypted`.
 */
import type { Knex } from 'knex';
import { COMPONENT_KINDS, componentKind, settingsColumns, type ComponentKind, type KindName } from './catalogue.js';
import { componentLifecycle, type ComponentStatus } from './status.js';
import { InvalidTransitionError, NotFoundError } from '../errors.js';
import { transitionRows, updateAndNotify, type StatusTable } from '../lifecycle.js';
import { CHANNEL } from '../jobs/events.js';
import { LeaseLostError, type Lease } from '../jobs/lease.js';
import { LEASE_HELD, leaseBindings } from '../jobs/repository.js';

export interface ComponentRow {
  id: string;
  vine_id: string;
  kind: KindName;
  name: string;
  /** Typed settings; secret fields hold their sealed form (never the clear value). */
  settings: Record<string, unknown>;
  status: ComponentStatus;
  outputs: Record<string, unknown>;
  error: string | null;
  applied_settings: Record<string, unknown> | null;
  removed_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

const COMMON = ['id', 'vine_id', 'name', 'status', 'outputs', 'error', 'applied_settings', 'removed_at', 'created_at', 'updated_at'];

function kindOf(name: string): ComponentKind {
  const k = componentKind(name);
  if (!k) throw new NotFoundError(`unknown component kind "${name}"`);
  return k;
}

export function rowToComponent(kind: ComponentKind, row: Record<string, unknown>): ComponentRow {
  const settings: Record<string, unknown> = {};
  for (const field of Object.keys(kind.settings.properties)) {
    const col = kind.secretFields.includes(field) ? `${field}_encrypted` : field;
    settings[field] = row[col] ?? null;
  }
  return {
    id: row.id as string,
    vine_id: row.vine_id as string,
    kind: kind.kind as KindName,
    name: row.name as string,
    settings,
    status: row.status as ComponentStatus,
    outputs: (row.outputs as Record<string, unknown>) ?? {},
    error: (row.error as string | null) ?? null,
    applied_settings: (row.applied_settings as Record<string, unknown> | null) ?? null,
    removed_at: (row.removed_at as Date | null) ?? null,
    created_at: row.created_at as Date,
    updated_at: row.updated_at as Date,
  };
}

/** Settings → column values; secret fields must already be sealed by the caller. */
export function settingsToColumns(kind: ComponentKind, settings: Record<string, unknown>): Record<string, unknown> {
  const cols: Record<string, unknown> = {};
  for (const field of Object.keys(kind.settings.properties)) {
    const col = kind.secretFields.includes(field) ? `${field}_encrypted` : field;
    if (field in settings) cols[col] = settings[field] ?? null;
  }
  return cols;
}

export interface ComponentPatch {
  outputs?: Record<string, unknown>;
  error?: string | null;
  applied_settings?: Record<string, unknown> | null;
}

/** Each kind's table as a status table: every change NOTIFYs its vine's channel in the same statement. */
const statusTable = (k: ComponentKind): StatusTable<ComponentStatus> => ({
  table: k.table,
  lifecycle: componentLifecycle,
  channel: CHANNEL.vineStatus,
  payload: 'c.vine_id::text',
});

function patchColumns(patch: ComponentPatch): Record<string, unknown> {
  const update: Record<string, unknown> = {};
  if (patch.outputs !== undefined) update.outputs = JSON.stringify(patch.outputs);
  if (patch.error !== undefined) update.error = patch.error;
  if (patch.applied_settings !== undefined) update.applied_settings = patch.applied_settings === null ? null : JSON.stringify(patch.applied_settings);
  return update;
}

/** The guard of a run's write: the run still holds its job's lease. */
const fenced = (fence?: Lease) => (fence ? { where: (q: Knex.QueryBuilder) => void q.whereRaw(LEASE_HELD, leaseBindings(fence)) } : {});
const held = async (fence: Lease, db: Knex | Knex.Transaction) => ((await db.raw(`SELECT ${LEASE_HELD} AS held`, leaseBindings(fence))).rows[0]?.held as boolean) === true;
const lost = () => new LeaseLostError('this run no longer holds its job’s lease: the component was left as the run that holds it now has it');

/** What a component may be caught in when its job dies: every status from which FAILED is reached. */
const IN_FLIGHT = componentLifecycle.allowedFrom('FAILED');

export interface ComponentRepository {
  /** Every component of a vine, in catalogue order then by name. */
  listByVine(vineId: string, trx?: Knex | Knex.Transaction): Promise<ComponentRow[]>;
  find(kind: string, id: string, trx?: Knex | Knex.Transaction): Promise<ComponentRow | undefined>;
  insert(kind: string, vineId: string, name: string, settings: Record<string, unknown>, trx?: Knex | Knex.Transaction): Promise<ComponentRow>;
  updateSettings(kind: string, id: string, settings: Record<string, unknown>, trx?: Knex | Knex.Transaction): Promise<void>;
  /**
   * Moves a component to `to` in one guarded UPDATE (`WHERE status = ANY(allowed from)`), with
   * optional outputs/error/applied settings. Throws InvalidTransitionError when it was not in a
   * status that may move there.
   */
  transition(
    kind: string,
    id: string,
    to: ComponentStatus,
    patch?: ComponentPatch,
    trx?: Knex | Knex.Transaction,
    /** A run's write: refused (LeaseLostError) once the run no longer holds its job's lease. */
    fence?: Lease,
  ): Promise<ComponentRow>;
  /** Stores outputs / error / applied settings without a status change (announced all the same). */
  patch(kind: string, id: string, patch: ComponentPatch, trx?: Knex | Knex.Transaction, fence?: Lease): Promise<void>;
  /** Every component of the vine caught mid-change (CREATING, UPDATING, DESTROYING) → FAILED with `error`. */
  failInFlight(vineId: string, error: string, trx?: Knex | Knex.Transaction): Promise<number>;
  remove(kind: string, id: string, trx?: Knex | Knex.Transaction, fence?: Lease): Promise<void>;
  markRemoved(kind: string, id: string, trx?: Knex | Knex.Transaction): Promise<void>;
}

const LIST_BY_VINE_SQL = `${COMPONENT_KINDS.map((k, i) => {
  const cols = [...COMMON, ...settingsColumns(k as unknown as ComponentKind)];
  return `SELECT ${i} AS ord, t.name AS sort_name, jsonb_build_object(${cols.map((c) => `'${c}', t.${c}`).join(', ')}) AS row FROM ${k.table} t WHERE t.vine_id = $1`;
}).join(' UNION ALL ')} ORDER BY ord, sort_name`;

/** What a page shows of a component (no settings): the same columns in every kind's table. */
export const SUMMARY_COLUMNS = ['id', 'name', 'status', 'outputs', 'error', 'removed_at'] as const;

/**
 * SQL: every component of the vine `vineIdSql` names, as rows of `ord` (the kind's place in the
 * catalogue), SUMMARY_COLUMNS and `version` (the row version, `xmin`: it changes with every write
 * of the row), one SELECT per kind's table. Unordered: sort by ord, name.
 */
export const componentSummariesSql = (vineIdSql: string) =>
  COMPONENT_KINDS.map((k, i) => `SELECT ${i} AS ord, ${SUMMARY_COLUMNS.map((c) => `t.${c}`).join(', ')}, t.xmin::text AS version FROM ${k.table} t WHERE t.vine_id = ${vineIdSql}`).join(' UNION ALL ');

export function createComponentRepository(knex: Knex): ComponentRepository {
  return {
    async listByVine(vineId, trx = knex) {
      // One round trip for every kind's table: the vine page and the job runner read them together.
      // Planning this UNION costs ten times more than running it, so outside a transaction it is a
      // named prepared statement, planned once per pooled connection (the vine page's hot path).
      let rows: Array<{ ord: number; row: Record<string, unknown> }>;
      if (trx === knex) {
        const conn = await knex.client.acquireConnection();
        try {
          ({ rows } = await conn.query({ name: 'vintner_components_by_vine', text: LIST_BY_VINE_SQL, values: [vineId] }));
        } finally {
          await knex.client.releaseConnection(conn);
        }
      } else {
        ({ rows } = await trx.raw(LIST_BY_VINE_SQL.replaceAll('$1', ':vineId'), { vineId }));
      }
      return rows.map((r) => {
        const k = COMPONENT_KINDS[r.ord] as unknown as ComponentKind;
        const row = { ...r.row };
        for (const d of ['removed_at', 'created_at', 'updated_at']) if (typeof row[d] === 'string') row[d] = new Date(row[d] as string);
        return rowToComponent(k, row);
      });
    },

    async find(kindName, id, trx = knex) {
      const k = kindOf(kindName);
      const row = await trx(k.table).where({ id }).first();
      return row ? rowToComponent(k, row) : undefined;
    },

    async insert(kindName, vineId, name, settings, trx = knex) {
      const k = kindOf(kindName);
      const [row] = await trx(k.table).insert({ vine_id: vineId, name, ...settingsToColumns(k, settings) }).returning('*');
      return rowToComponent(k, row);
    },

    async updateSettings(kindName, id, settings, trx = knex) {
      const k = kindOf(kindName);
      await trx(k.table).where({ id }).update({ ...settingsToColumns(k, settings), updated_at: trx.fn.now() });
    },

    async transition(kindName, id, to, patch = {}, trx = knex, fence) {
      const k = kindOf(kindName);
      const [row] = await transitionRows<ComponentStatus, Record<string, unknown>>(trx, statusTable(k), { id }, to, { ...patchColumns(patch), updated_at: trx.fn.now() }, fenced(fence));
      if (!row) {
        if (fence && !(await held(fence, trx))) throw lost();
        const current = await trx(k.table).where({ id }).first('status');
        if (!current) throw new NotFoundError(`component ${id} not found`);
        throw new InvalidTransitionError('component', current.status, to);
      }
      return rowToComponent(k, row);
    },

    async patch(kindName, id, patch, trx = knex, fence) {
      const k = kindOf(kindName);
      const rows = await updateAndNotify(trx, statusTable(k), { id }, { ...patchColumns(patch), updated_at: trx.fn.now() }, fenced(fence).where);
      if (!rows.length && fence && !(await held(fence, trx))) throw lost();
    },

    async failInFlight(vineId, error, trx = knex) {
      let n = 0;
      for (const k of COMPONENT_KINDS as unknown as ComponentKind[]) {
        n += (await transitionRows(trx, statusTable(k), { vine_id: vineId }, 'FAILED', { error, updated_at: trx.fn.now() }, { from: IN_FLIGHT })).length;
      }
      return n;
    },

    async remove(kindName, id, trx = knex, fence) {
      const q = trx(kindOf(kindName).table).where({ id });
      if (fence) q.whereRaw(LEASE_HELD, leaseBindings(fence));
      const n = await q.delete();
      if (!n && fence && !(await held(fence, trx))) throw lost();
    },

    async markRemoved(kindName, id, trx = knex) {
      await trx(kindOf(kindName).table).where({ id }).update({ removed_at: trx.fn.now(), updated_at: trx.fn.now() });
    },
  };
}
