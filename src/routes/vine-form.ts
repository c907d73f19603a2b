/**
 * The plant / edit form and the vine spec, both ways. Field names are spec paths
 * (`network.cidr_block`, `databases.2.storage_gb`), so the domain's per-field errors land next to
 * their inputs unchanged. Values that do not parse are passed on as typed: the domain says what
 * is wrong and the form shows the user's own text again.
 *
 * Without JavaScript the form still does everything: "Add a database" and "Remove" are submit
 * buttons answered with the form re-rendered, and a changed stage replaces the values still at the
 * old stage's defaults (`_defaults_stage` says which defaults the page showed).
 */
import { COMPONENT_KINDS, servicesCaption, type ComponentKind } from '../domain/components/catalogue.js';
import type { FieldError } from '../domain/errors.js';
import { isStage, STAGES, STAGE_PROFILE, type Stage } from '../domain/vines/stage.js';
import { humanize, resourceLabel } from './view-helpers.js';

type Body = Record<string, unknown>;
type Item = Record<string, unknown>;
export type FieldType = 'integer' | 'boolean' | 'select' | 'text' | 'nullable' | 'list' | 'secret';

interface FieldSpec {
  key: string;
  type: FieldType;
  options?: string[];
  min?: number;
  max?: number;
  hint?: string;
}

const KINDS = COMPONENT_KINDS as unknown as readonly ComponentKind[];

function specFor(key: string, schema: Record<string, unknown>, secret: boolean): FieldSpec {
  if (secret) return { key, type: 'secret' };
  const hint = typeof schema.description === 'string' ? schema.description : undefined;
  if (schema.type === 'integer') return { key, type: 'integer', min: schema.minimum as number, max: schema.maximum as number };
  if (schema.type === 'boolean') return { key, type: 'boolean' };
  if (schema.type === 'array') return { key, type: 'list', hint: hint ?? 'separate names with commas' };
  const anyOf = schema.anyOf as Array<Record<string, unknown>> | undefined;
  if (anyOf?.every((s) => 'const' in s)) return { key, type: 'select', options: anyOf.map((s) => String(s.const)) };
  if (anyOf) {
    const inner = anyOf.find((s) => s.type !== 'null');
    return { key, type: 'nullable', ...(typeof inner?.description === 'string' ? { hint: inner.description } : {}) };
  }
  return { key, type: 'text', ...(hint ? { hint } : {}) };
}

const FIELDS = new Map(KINDS.map((k) => [k.kind, Object.entries(k.settings.properties).map(([key, s]) => specFor(key, s as Record<string, unknown>, k.secretFields.includes(key)))]));
const fieldsOf = (k: ComponentKind) => FIELDS.get(k.kind)!;

const str = (body: Body, key: string): string | undefined => {
  const v = body[key];
  const one = Array.isArray(v) ? v[0] : v;
  return typeof one === 'string' ? one : undefined;
};
const words = (s: string) => s.split(/[\s,]+/).filter(Boolean);

function parseValue(f: FieldSpec, raw: string | undefined): unknown {
  if (f.type === 'boolean') return raw !== undefined;
  if (raw === undefined) return undefined;
  const t = raw.trim();
  switch (f.type) {
    case 'integer':
      return t === '' ? undefined : /^-?\d{1,15}$/.test(t) ? Number(t) : t;
    case 'list':
      return words(t);
    case 'nullable':
      return t === '' ? null : t;
    default:
      return t;
  }
}

/** The select of an adoptable field (`network.existing_network_id__pick`): a discovered id, '' (create a new one), or TYPED. */
export const PICK_SUFFIX = '__pick';
export const TYPED = '__typed';

function parseItem(k: ComponentKind, body: Body, prefix: string): Item {
  const item: Item = {};
  const name = str(body, `${prefix}.name`)?.trim();
  if (name !== undefined && (name !== '' || !k.singleton)) item.name = name;
  for (const f of fieldsOf(k)) {
    if (f.type === 'secret') {
      const value = str(body, `${prefix}.value`);
      if (value) item.value = value;
      else if (str(body, `${prefix}.clear_value`) !== undefined) item.has_value = false;
      else if (str(body, `${prefix}.has_value`) === 'true') item.has_value = true;
      continue;
    }
    const pick = k.adopts?.field === f.key ? str(body, `${prefix}.${f.key}${PICK_SUFFIX}`) : undefined;
    // A discovered id chosen in the select wins; "another id" (or no select) takes the typed one.
    const v = pick !== undefined && pick !== TYPED ? (pick === '' ? null : pick) : parseValue(f, str(body, `${prefix}.${f.key}`));
    if (v !== undefined) item[f.key] = v;
  }
  return item;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Values the page showed at the old stage's defaults take the new stage's defaults. */
function restage(k: ComponentKind, item: Item, from: Stage, to: Stage): void {
  const before = k.defaults(from) as Item;
  const after = k.defaults(to) as Item;
  for (const f of fieldsOf(k)) if (f.type !== 'secret' && f.key in item && same(item[f.key], before[f.key])) item[f.key] = after[f.key];
}

export interface ParsedVineForm {
  /** The spec as typed (for the form); `toServiceSpec` gives what the service receives. */
  spec: Item;
  /** `discover`: "Discover again" without JavaScript (queue FETCH_RESOURCES, show the form again). */
  action: 'save' | 'review' | 'add' | 'remove' | 'discover';
  /** `_add`: a kind; `_remove`: `<kind>.<position>`. */
  target: string;
}

export function parseVineForm(body: unknown): ParsedVineForm {
  const b = (typeof body === 'object' && body !== null ? body : {}) as Body;
  const spec: Item = { name: (str(b, 'name') ?? '').trim(), stage: str(b, 'stage') ?? '', identity: str(b, 'identity') ?? '' };
  const shownStage = str(b, '_defaults_stage');
  const restageFrom = isStage(shownStage) && isStage(spec.stage) && shownStage !== spec.stage ? shownStage : undefined;
  const removeRef = str(b, '_remove') ?? '';
  let removeTarget = '';

  for (const k of KINDS) {
    if (k.singleton) {
      spec[k.kind] = str(b, `${k.kind}.enabled`) !== undefined ? parseItem(k, b, k.kind) : null;
      continue;
    }
    const pattern = new RegExp(`^${k.kind}\\.(\\d{1,6})\\.`);
    const indices = [...new Set(Object.keys(b).flatMap((key) => pattern.exec(key)?.[1] ?? []))].map(Number).sort((x, y) => x - y);
    spec[k.kind] = indices.map((i) => parseItem(k, b, `${k.kind}.${i}`));
    const removed = removeRef.startsWith(`${k.kind}.`) ? indices.indexOf(Number(removeRef.slice(k.kind.length + 1))) : -1;
    if (removed >= 0) removeTarget = `${k.kind}.${removed}`;
  }
  if (restageFrom) {
    for (const k of KINDS) for (const item of itemsOf(spec, k)) restage(k, item, restageFrom, spec.stage as Stage);
  }

  const options: Item = {};
  const fail = words(str(b, 'options.fail_components') ?? '');
  if (fail.length) options.fail_components = fail;
  const delay = parseValue({ key: 'apply_delay_seconds', type: 'integer' }, str(b, 'options.apply_delay_seconds'));
  if (delay !== undefined) options.apply_delay_seconds = delay;
  spec.options = options;

  const add = str(b, '_add');
  if (add !== undefined) return { spec, action: 'add', target: add };
  if (str(b, '_discover') !== undefined) return { spec, action: 'discover', target: '' };
  if (removeRef) return { spec, action: 'remove', target: removeTarget };
  return { spec, action: str(b, '_action') === 'review' ? 'review' : 'save', target: '' };
}

function itemsOf(spec: Item, k: ComponentKind): Item[] {
  const v = spec[k.kind];
  if (k.singleton) return v && typeof v === 'object' ? [v as Item] : [];
  return Array.isArray(v) ? (v as Item[]) : [];
}

/** A fresh item name no row of the kind uses yet: `database-1`, `database-2`, … */
function freshName(k: ComponentKind, items: Item[]): string {
  const base = k.itemName.toLowerCase().replace(/[^a-z0-9]+/g, '-');
  for (let n = items.length + 1; ; n++) if (!items.some((i) => i.name === `${base}-${n}`)) return `${base}-${n}`;
}

/** Applies an "Add a …" or "Remove" button of the no-JavaScript form; returns a message if refused. */
export function applyRowAction(parsed: ParsedVineForm): string | undefined {
  const { spec, action, target } = parsed;
  if (action === 'remove') {
    const [kind, pos] = target.split('.');
    const items = spec[kind ?? ''];
    if (Array.isArray(items) && pos !== undefined) items.splice(Number(pos), 1);
    return undefined;
  }
  const k = KINDS.find((x) => x.kind === target && !x.singleton);
  if (!k) return `cannot add "${target}": not a component kind with several items`;
  const items = itemsOf(spec, k);
  if (items.length >= k.max) return `at most ${k.max} ${k.displayName.toLowerCase()} per vine`;
  const stage = isStage(spec.stage) ? spec.stage : 'development';
  const { value: _secret, ...defaults } = k.defaults(stage) as Item;
  spec[k.kind] = [...items, { name: freshName(k, items), ...defaults }];
  return undefined;
}

/** The spec the service receives: `has_value: true` only marks a stored secret for the form. */
export function toServiceSpec(spec: Item): Item {
  const secrets = Array.isArray(spec.secrets) ? (spec.secrets as Item[]).map(({ has_value, ...rest }) => (has_value === false ? { ...rest, has_value } : rest)) : spec.secrets;
  return { ...spec, secrets };
}

export interface FieldView {
  name: string;
  key: string;
  kind: string;
  label: string;
  type: FieldType;
  value: string;
  checked: boolean;
  options?: string[];
  min?: number;
  max?: number;
  hint?: string;
  error?: string;
  /** Secrets: a value is stored (the input is empty and keeps it). */
  stored?: boolean;
  /** An id of an existing resource to adopt: the identity's discovered ones to pick from. */
  adopt?: AdoptView;
}

/** What the plant form knows of the chosen identity's discovery, for the adoptable fields. */
export interface AdoptionContext {
  identity: { id: string; name: string; provider: string; discovery: { at: Date; stale: boolean; truncated: boolean; message: string | null } | null } | undefined;
  /** Its discovered resources (the kinds the catalogue's `adopts` name). */
  resources: Array<{ kind: string; external_id: string; name: string | null; region: string | null; data: Record<string, unknown> }>;
  /** A job of that identity still running (a discovery the page waits for). */
  job?: { id: string; type: string; status: string } | undefined;
}

export interface AdoptView {
  /** The kind of resource discovery lists for it: network or dns_zone. */
  resource: string;
  /** "network", "DNS zone" and their plurals, for the notes. */
  words: [string, string];
  options: Array<{ value: string; label: string }>;
  /** '' (create a new one), a discovered id, or TYPED. */
  picked: string;
  typed: string;
  identity: AdoptionContext['identity'];
  job: AdoptionContext['job'];
  /** The identity has never discovered (a cloud identity), or is the sandbox (nothing to adopt). */
  state: 'local' | 'unknown' | 'never' | 'discovering' | 'empty' | 'listed';
  at: Date | null;
  stale: boolean;
  truncated: string | null;
}

const ADOPT_WORDS: Record<string, [string, string]> = { network: ['network', 'networks'], dns_zone: ['DNS zone', 'DNS zones'] };

function adoptView(resource: string, value: unknown, ctx: AdoptionContext | undefined): AdoptView {
  const identity = ctx?.identity;
  const list = (ctx?.resources ?? []).filter((r) => r.kind === resource);
  const options = list.map((r) => ({ value: r.external_id, label: resourceLabel(r) }));
  const id = typeof value === 'string' ? value : '';
  const picked = id === '' ? '' : options.some((o) => o.value === id) ? id : TYPED;
  const d = identity?.discovery ?? null;
  const discovering = ctx?.job?.type === 'FETCH_RESOURCES' || ctx?.job?.type === 'CONNECTION_TEST';
  const state: AdoptView['state'] = !identity ? 'unknown' : identity.provider === 'local' ? 'local' : discovering ? 'discovering' : !d ? 'never' : options.length ? 'listed' : 'empty';
  return {
    resource,
    words: ADOPT_WORDS[resource] ?? [resource, resource],
    options,
    picked,
    typed: picked === TYPED ? id : '',
    identity,
    job: ctx?.job,
    state,
    at: d?.at ?? null,
    stale: d?.stale === true,
    truncated: d?.truncated ? (d.message ?? 'the discovery was truncated') : null,
  };
}

export interface VineFormModel {
  name: string;
  stage: string;
  identity: string;
  /** The stage whose defaults the page shows (invalid stages show development's). */
  defaultsStage: Stage;
  failComponents: string;
  applyDelay: string;
  singletons: Array<{ kind: string; label: string; services: string; enabled: boolean; name: string; fields: FieldView[]; error?: string }>;
  multis: Array<{ kind: string; label: string; itemName: string; services: string; max: number; rows: Array<{ index: string; fields: FieldView[] }>; template: FieldView[]; error?: string }>;
  /** stage → kind → field → default, for the script that follows stage changes. */
  defaultsJson: string;
  errors: Record<string, string>;
  errorsAt(name: string): string | undefined;
  /** Problems with no input of their own on the page. */
  otherErrors: FieldError[];
  stages: Array<{ value: Stage; description: string }>;
}

/** The error of a field or of something inside it (`topics.0.subscribe_queues.1`). */
function errorAt(errors: Record<string, string>, name: string): string | undefined {
  if (errors[name]) return errors[name];
  const inner = Object.keys(errors).find((f) => f.startsWith(`${name}.`));
  return inner ? errors[inner] : undefined;
}

const display = (f: FieldSpec, v: unknown): string => {
  if (v === null || v === undefined) return '';
  if (f.type === 'list' && Array.isArray(v)) return v.join(', ');
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
};

function fieldViews(k: ComponentKind, item: Item, prefix: string, stage: Stage, errors: Record<string, string>, withName: boolean, adoption?: AdoptionContext): FieldView[] {
  const defaults = k.defaults(stage) as Item;
  const views: FieldView[] = [];
  const err = (key: string) => errorAt(errors, `${prefix}.${key}`);
  if (withName) {
    const e = err('name');
    views.push({ name: `${prefix}.name`, key: 'name', kind: k.kind, label: 'Name', type: 'text', value: display({ key: 'name', type: 'text' }, item.name), checked: false, ...(e ? { error: e } : {}) });
  }
  for (const f of fieldsOf(k)) {
    const v = f.key in item ? item[f.key] : defaults[f.key];
    const e = f.type === 'secret' ? (err('value') ?? err('has_value')) : err(f.key);
    const view: FieldView = {
      name: `${prefix}.${f.key}`,
      key: f.key,
      kind: k.kind,
      label: humanize(f.key),
      type: f.type,
      value: f.type === 'secret' ? '' : display(f, v),
      checked: v === true,
      ...(f.options ? { options: f.options } : {}),
      ...(f.min !== undefined ? { min: f.min } : {}),
      ...(f.max !== undefined ? { max: f.max } : {}),
      ...(f.hint ? { hint: f.hint } : {}),
      ...(e ? { error: e } : {}),
    };
    if (k.adopts?.field === f.key) view.adopt = adoptView(k.adopts.resource, v, adoption);
    if (f.type === 'secret') {
      view.stored = item.has_value === true;
      view.hint = view.stored ? 'a value is stored: leave empty to keep it' : 'leave empty and Terraform generates one';
    }
    views.push(view);
  }
  return views;
}

const STAGE_DESCRIPTIONS = Object.fromEntries(
  STAGES.map((s) => {
    const p = STAGE_PROFILE[s];
    return [s, `${p.size} sizes, ${p.zones} zone${p.zones > 1 ? 's' : ''}${p.highAvailability ? ', highly available' : ''}`];
  }),
) as Record<Stage, string>;

// Inlined in a <script type="application/json">: '<' escaped so no value can end the element.
const DEFAULTS_JSON = JSON.stringify(
  Object.fromEntries(STAGES.map((s) => [s, Object.fromEntries(KINDS.map((k) => [k.kind, Object.fromEntries(fieldsOf(k).filter((f) => f.type !== 'secret').map((f) => [f.key, display(f, (k.defaults(s) as Item)[f.key])]))]))])),
).replace(/</g, '\\u003c');

/** Everything the form template shows, from a spec (as typed, or as stored) and its errors. */
export function vineFormModel(spec: Item, errorList: FieldError[] = [], adoption?: AdoptionContext): VineFormModel {
  const errors: Record<string, string> = {};
  for (const e of errorList) errors[e.field] ??= e.message;
  const stage: Stage = isStage(spec.stage) ? spec.stage : 'development';
  // Where an error can be shown: beside an input (or inside one: a list's item) or a kind's heading.
  const placed = new Set(['name', 'stage', 'identity', 'options', 'options.fail_components', 'options.apply_delay_seconds']);
  const inputs = new Set(['options.fail_components']);
  const options = (spec.options ?? {}) as Item;

  const singletons = KINDS.filter((k) => k.singleton).map((k) => {
    const item = (spec[k.kind] && typeof spec[k.kind] === 'object' ? spec[k.kind] : {}) as Item;
    const fields = fieldViews(k, item, k.kind, stage, errors, false, adoption);
    for (const f of fields) placed.add(f.name), inputs.add(f.name);
    placed.add(k.kind).add(`${k.kind}.name`);
    const error = errors[`${k.kind}.name`] ?? errors[k.kind];
    return { kind: k.kind, label: k.displayName, services: servicesCaption(k), enabled: spec[k.kind] !== null && spec[k.kind] !== undefined, name: typeof item.name === 'string' ? item.name : '', fields, ...(error ? { error } : {}) };
  });

  const multis = KINDS.filter((k) => !k.singleton).map((k) => {
    const rows = itemsOf(spec, k).map((item, i) => {
      const fields = fieldViews(k, item, `${k.kind}.${i}`, stage, errors, true);
      for (const f of fields) placed.add(f.name), inputs.add(f.name);
      placed.add(`${k.kind}.${i}.has_value`);
      placed.add(`${k.kind}.${i}`);
      return { index: String(i), fields };
    });
    placed.add(k.kind);
    const error = errors[k.kind];
    return {
      kind: k.kind,
      label: k.displayName,
      itemName: k.itemName,
      services: servicesCaption(k),
      max: k.max,
      rows,
      template: fieldViews(k, { name: '' }, `${k.kind}.__i__`, stage, {}, true),
      ...(error ? { error } : {}),
    };
  });

  return {
    name: typeof spec.name === 'string' ? spec.name : '',
    stage: typeof spec.stage === 'string' ? spec.stage : '',
    identity: typeof spec.identity === 'string' ? spec.identity : '',
    defaultsStage: stage,
    errorsAt: (name: string) => errorAt(errors, name),
    failComponents: Array.isArray(options.fail_components) ? options.fail_components.join(', ') : '',
    applyDelay: options.apply_delay_seconds === undefined ? '' : String(options.apply_delay_seconds),
    singletons,
    multis,
    defaultsJson: DEFAULTS_JSON,
    errors,
    otherErrors: errorList.filter((e) => !placed.has(e.field) && ![...inputs].some((p) => e.field.startsWith(`${p}.`))),
    stages: STAGES.map((s) => ({ value: s, description: STAGE_DESCRIPTIONS[s] })),
  };
}

/** A new vine's form: the kinds the catalogue turns on for a new vine (the network), everything else off, sized for development. */
export function blankSpec(identity: string): Item {
  return { name: '', stage: 'development', identity, options: {}, ...Object.fromEntries(KINDS.map((k) => [k.kind, k.onByDefault ? {} : k.singleton ? null : []])) };
}
