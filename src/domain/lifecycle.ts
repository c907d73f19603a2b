import { Type, type TUnion, type TLiteral } from '@sinclair/typebox';
import type { Knex } from 'knex';
import { InvalidTransitionError } from './errors.js';

/**
 * A lifecycle written as data: the list of statuses and, for each, the statuses it may move to.
 * One guard (`assert`) enforces it; the same table answers "which statuses may move to X"
 * for the guarded UPDATE (`WHERE status = ANY(allowedFrom(X))`) and for the buttons a page shows.
 */
export interface Lifecycle<S extends string> {
  readonly name: string;
  readonly statuses: readonly S[];
  readonly transitions: { readonly [K in S]: readonly S[] };
  can(from: S, to: S): boolean;
  assert(from: S, to: S): void;
  /** Every status from which `to` is reachable in one step. */
  allowedFrom(to: S): S[];
  isStatus(value: unknown): value is S;
  schema: TUnion<TLiteral<S>[]>;
}

export function defineLifecycle<const S extends string>(
  name: string,
  statuses: readonly S[],
  transitions: { readonly [K in S]: readonly S[] },
): Lifecycle<S> {
  const set = new Set<string>(statuses);
  return {
    name,
    statuses,
    transitions,
    can: (from, to) => (transitions[from] as readonly string[] | undefined)?.includes(to) ?? false,
    assert(from, to) {
      if (!this.can(from, to)) throw new InvalidTransitionError(name, from, to);
    },
    allowedFrom: (to) => statuses.filter((s) => transitions[s].includes(to)),
    isStatus: (v): v is S => typeof v === 'string' && set.has(v),
    schema: Type.Union(statuses.map((s) => Type.Literal(s))),
  };
}

type Db = Knex | Knex.Transaction;

/** The table a lifecycle's statuses are stored in, and what its changes announce. */
export interface StatusTable<S extends string> {
  table: string;
  lifecycle: Lifecycle<S>;
  /** NOTIFY channel of every change. */
  channel: string;
  /** SQL over the updated row (alias `c`) giving the NOTIFY payload, e.g. `c.id::text`. */
  payload: string;
  /** Columns answered (default: all). */
  returning?: readonly string[];
}

export interface TransitionOptions<S extends string> {
  /**
   * Narrows the statuses the rows may move from (each must be allowed by the lifecycle): cancel
   * takes a QUEUED job to CANCELLED at once, while a running one is asked to stop.
   */
  from?: readonly S[];
  /** More conditions of the guarded UPDATE (a job's lease epoch, a vine id …). */
  where?: (q: Knex.QueryBuilder) => void;
}

/**
 * The one way a status changes: a single guarded UPDATE (`WHERE status = ANY(allowedFrom(to))`,
 * the allowed statuses derived from the lifecycle table) whose NOTIFY goes out in the same
 * statement. Answers the rows that moved; none when no row matched or none was in a status that
 * may move to `to`. Each status owner (a repository) calls this and nothing else writes `status`.
 */
export async function transitionRows<S extends string, R = Record<string, unknown>>(
  db: Db,
  spec: StatusTable<S>,
  match: Record<string, unknown>,
  to: S,
  set: Record<string, unknown> = {},
  opts: TransitionOptions<S> = {},
): Promise<R[]> {
  const allowed = spec.lifecycle.allowedFrom(to);
  const from = opts.from ?? allowed;
  for (const s of from) if (!allowed.includes(s)) throw new InvalidTransitionError(spec.lifecycle.name, s, to);
  if (from.length === 0) return [];
  return updateAndNotify<R>(db, spec, match, { ...set, status: to }, (q) => {
    q.whereIn('status', from as S[]);
    opts.where?.(q);
  });
}

/**
 * An UPDATE of the matching rows whose NOTIFY (one per row, `spec.payload`) goes out in the same
 * statement; for changes that are not a status change (a component's outputs) but must reach
 * every page and cache all the same.
 */
export async function updateAndNotify<R = Record<string, unknown>>(
  db: Db,
  spec: Pick<StatusTable<string>, 'table' | 'channel' | 'payload' | 'returning'>,
  match: Record<string, unknown>,
  set: Record<string, unknown>,
  where?: (q: Knex.QueryBuilder) => void,
): Promise<R[]> {
  const update = db(spec.table)
    .where(match)
    .update(set)
    .returning((spec.returning ?? ['*']) as string[]);
  where?.(update);
  const rows = (await db
    .with('c', update)
    .select(db.raw(`c.*, pg_notify(?, ${spec.payload}) AS "__notified"`, [spec.channel]))
    .from('c')) as Array<R & { __notified?: unknown }>;
  for (const r of rows) delete r.__notified;
  return rows;
}
