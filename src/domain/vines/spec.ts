/**
 * From a spec as sent to the components a vine should have (validated, defaults filled in), and
 * from stored rows back to a spec document. Pure: no database.
 */
import { COMPONENT_KINDS, type ComponentKind, type KindName } from '../components/catalogue.js';
import type { ComponentRow } from '../components/repository.js';
import type { FieldError } from '../errors.js';
import { isValidName, NAME_RULE, type Stage } from './stage.js';
import { VineSpecSchema, type VineOptions } from './spec-schema.js';
import type { VineSpecDocument } from './schema.js';
import { checkDisplayName, invalid, schemaErrors } from '../validation.js';

/** What to do with a secret's stored value. */
export type SecretWrite = { mode: 'set'; value: string } | { mode: 'keep'; required: boolean } | { mode: 'clear' };

export interface ResolvedComponent {
  kind: KindName;
  name: string;
  /** Every settings field, defaults filled in; for secrets without `value` (see `secret`). */
  settings: Record<string, unknown>;
  /** Where the item was in the spec (`databases.2`), for error messages. */
  path: string;
  secret?: SecretWrite;
}

export interface ResolvedSpec {
  name: string;
  stage: Stage;
  identity: string;
  options: VineOptions;
  components: ResolvedComponent[];
}

const KINDS = COMPONENT_KINDS as unknown as readonly ComponentKind[];
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The spec's items of one kind, each with its path, whatever their shape (checked elsewhere). */
function itemsOf(spec: Record<string, unknown>, k: ComponentKind): Array<{ item: Record<string, unknown>; path: string }> {
  const v = spec[k.kind];
  if (k.singleton) return isObject(v) ? [{ item: { name: k.kind, ...v }, path: k.kind }] : [];
  return Array.isArray(v) ? v.flatMap((item, i) => (isObject(item) ? [{ item, path: `${k.kind}.${i}` }] : [])) : [];
}

/** Rules between fields and items that a schema cannot say. */
function ruleErrors(spec: Record<string, unknown>, resolved: ResolvedComponent[]): FieldError[] {
  const errors: FieldError[] = [];
  if (spec.name !== undefined) {
    const n = checkDisplayName(spec.name);
    if ('error' in n) errors.push({ field: 'name', message: n.error });
  }
  for (const k of KINDS) {
    const items = itemsOf(spec, k);
    if (!k.singleton && items.length > k.max) errors.push({ field: k.kind, message: `at most ${k.max} ${k.displayName.toLowerCase()} per vine (got ${items.length})` });
    const seen = new Set<string>();
    for (const { item, path } of items) {
      if (typeof item.name !== 'string') continue;
      if (!isValidName(item.name)) errors.push({ field: `${path}.name`, message: `must be ${NAME_RULE}` });
      else if (seen.has(item.name)) errors.push({ field: `${path}.name`, message: `another ${k.itemName} is already named "${item.name}"` });
      seen.add(item.name);
      if (k.kind === 'secrets' && typeof item.value === 'string' && item.has_value === false) {
        errors.push({ field: `${path}.has_value`, message: 'must not be false when a value is given' });
      }
    }
  }
  const queues = new Map(resolved.filter((c) => c.kind === 'queues').map((c) => [c.name, c.settings.fifo === true]));
  for (const c of resolved) {
    if (c.kind === 'cluster' && (c.settings.node_min as number) > (c.settings.node_max as number)) {
      errors.push({ field: `${c.path}.node_min`, message: `must not be more than node_max (${c.settings.node_max as number})` });
    }
    if (c.kind === 'topics') {
      for (const q of c.settings.subscribe_queues as string[]) {
        const fifo = queues.get(q);
        if (fifo === undefined) errors.push({ field: `${c.path}.subscribe_queues`, message: `"${q}" is not a queue of this vine` });
        else if (fifo !== (c.settings.fifo === true)) {
          errors.push({ field: `${c.path}.subscribe_queues`, message: `"${q}" is ${fifo ? 'a FIFO' : 'a standard'} queue: a ${c.settings.fifo ? 'FIFO' : 'standard'} topic can only feed ${c.settings.fifo ? 'FIFO' : 'standard'} queues` });
        }
      }
    }
  }
  return errors;
}

function resolveItem(k: ComponentKind, stage: Stage, item: Record<string, unknown>, path: string): ResolvedComponent {
  const { name, value, has_value, ...given } = item;
  const settings: Record<string, unknown> = { ...(k.defaults(stage) as Record<string, unknown>), ...given };
  const resolved: ResolvedComponent = { kind: k.kind as KindName, name: name as string, settings, path };
  if (k.secretFields.includes('value')) {
    delete settings.value;
    resolved.secret = typeof value === 'string' ? { mode: 'set', value } : has_value === false ? { mode: 'clear' } : { mode: 'keep', required: has_value === true };
  }
  return resolved;
}

/**
 * Validates a spec as sent and fills in defaults from its stage. Throws one ValidationError with
 * every problem found, each on its field (`databases.0.storage_gb`, `topics.1.subscribe_queues`).
 */
export function resolveSpec(input: unknown): ResolvedSpec {
  if (!isObject(input)) throw invalid('vine spec', [{ field: 'spec', message: 'must be a JSON object' }]);
  const errors = schemaErrors(VineSpecSchema, input);
  const stage = input.stage as Stage;
  const components = errors.length ? [] : KINDS.flatMap((k) => itemsOf(input, k).map(({ item, path }) => resolveItem(k, stage, item, path)));
  for (const e of ruleErrors(input, components)) if (!errors.some((x) => x.field === e.field)) errors.push(e);
  if (errors.length) throw invalid('vine spec', errors);
  const name = checkDisplayName(input.name) as { name: string };
  return { name: name.name, stage, identity: input.identity as string, options: (input.options ?? {}) as VineOptions, components };
}

/** A component's settings as shown: secret values never, only whether one is stored. */
export function publicSettings(row: ComponentRow): Record<string, unknown> {
  if (!('value' in row.settings) || row.kind !== 'secrets') return { ...row.settings };
  const { value, ...rest } = row.settings;
  return { ...rest, value: null, has_value: value !== null && value !== undefined };
}

/** Stored rows back to the spec document (components removed from the configuration left out). */
export function renderSpec(vine: { name: string; stage: Stage; options: VineOptions }, identityName: string, rows: ComponentRow[]): VineSpecDocument {
  const doc: Record<string, unknown> = { name: vine.name, stage: vine.stage, identity: identityName, options: vine.options };
  for (const k of KINDS) {
    const items = rows.filter((r) => r.kind === k.kind && r.removed_at === null).map((r) => ({ name: r.name, ...publicSettings(r) }));
    doc[k.kind] = k.singleton ? (items[0] ?? null) : items;
  }
  return doc as unknown as VineSpecDocument;
}
