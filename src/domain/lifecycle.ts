import { Type, type TUnion, type TLiteral } from '@sinclair/typebox';
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
