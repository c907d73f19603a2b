/**
 * Terraform values as they cross the plugin protocol: cty's msgpack encoding of a value of a
 * known type (the schema's implied type). Unknown values are msgpack extension 0 (12 when they
 * carry refinements, which are kept byte for byte); objects are maps of every attribute, sorted;
 * lists, sets and tuples are arrays; a value of dynamic type is `[type as JSON bytes, value]`.
 */
import type { BlockSchema, CtyType, NestedType } from './cdktf-schema.js';
import { decode, Ext, Writer, type Raw } from './msgpack.js';

/** A value not known yet; `ext` keeps what Terraform sent (with its refinements). */
export class Unknown {
  constructor(readonly ext: Ext = new Ext(0, Buffer.from([0]))) {}
}

/** A value of the dynamic pseudo-type, with the concrete type it was sent with. */
export class Dyn {
  constructor(
    readonly type: CtyType,
    readonly value: Value,
  ) {}
}

/** A number cty sent as a string because a float64 would lose precision. */
export class BigNum {
  constructor(readonly text: string) {}
}

export type Value = null | Unknown | Dyn | BigNum | string | number | boolean | Value[] | ObjectValue;
export interface ObjectValue {
  [name: string]: Value;
}

export const isObject = (v: Value): v is ObjectValue =>
  v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Unknown) && !(v instanceof Dyn) && !(v instanceof BigNum);

const kindOf = (t: CtyType): string => (typeof t === 'string' ? t : t[0]);
const elemOf = (t: CtyType): CtyType => (t as [string, CtyType])[1];
const attrsOf = (t: CtyType): Record<string, CtyType> => (t as [string, Record<string, CtyType>])[1];

export function hasDynamic(t: CtyType): boolean {
  switch (kindOf(t)) {
    case 'dynamic':
      return true;
    case 'list':
    case 'set':
    case 'map':
      return hasDynamic(elemOf(t));
    case 'object':
      return Object.values(attrsOf(t)).some(hasDynamic);
    case 'tuple':
      return (elemOf(t) as unknown as CtyType[]).some(hasDynamic);
    default:
      return false;
  }
}

export function nestedImpliedType(nt: NestedType): CtyType {
  const obj: CtyType = ['object', Object.fromEntries(Object.entries(nt.attributes).map(([n, a]) => [n, a.type ?? nestedImpliedType(a.nested_type!)]))];
  return nt.nesting_mode === 'single' ? obj : [nt.nesting_mode, obj];
}

/** The type Terraform decodes a block into (configschema's ImpliedType, via hcldec's specs). */
export function impliedType(block: BlockSchema): CtyType {
  const attrs: Record<string, CtyType> = {};
  for (const [n, a] of Object.entries(block.attributes ?? {})) attrs[n] = a.type ?? nestedImpliedType(a.nested_type!);
  for (const [n, b] of Object.entries(block.block_types ?? {})) {
    if (n in attrs) continue;
    const obj = impliedType(b.block);
    switch (b.nesting_mode) {
      case 'single':
      case 'group':
        attrs[n] = obj;
        break;
      case 'list':
        attrs[n] = hasDynamic(obj) ? 'dynamic' : ['list', obj];
        break;
      case 'set':
        attrs[n] = ['set', obj];
        break;
      case 'map':
        attrs[n] = hasDynamic(obj) ? 'dynamic' : ['map', obj];
        break;
    }
  }
  return ['object', attrs];
}

function mapGet(m: Raw, key: string): Raw {
  if (!(m instanceof Map)) throw new Error('cty: expected a msgpack map');
  return (m.get(key) ?? null) as Raw;
}

export function fromRaw(raw: Raw, t: CtyType): Value {
  if (raw instanceof Ext) {
    if (raw.type === 0 || raw.type === 12) return new Unknown(raw);
    throw new Error(`cty: unexpected msgpack extension ${raw.type}`);
  }
  if (raw === null) return null;
  switch (kindOf(t)) {
    case 'dynamic': {
      if (!Array.isArray(raw) || raw.length !== 2) throw new Error('cty: a dynamic value must be [type, value]');
      const [tj, v] = raw as [Raw, Raw];
      const ty = JSON.parse(Buffer.isBuffer(tj) ? tj.toString('utf8') : String(tj)) as CtyType;
      return new Dyn(ty, fromRaw(v, ty));
    }
    case 'string':
      return Buffer.isBuffer(raw) ? raw.toString('utf8') : String(raw);
    case 'number':
      if (typeof raw === 'number') return raw;
      if (typeof raw === 'bigint') return new BigNum(raw.toString());
      if (typeof raw === 'string') {
        const n = Number(raw);
        return String(n) === raw ? n : new BigNum(raw);
      }
      throw new Error(`cty: expected a number, got ${typeof raw}`);
    case 'bool':
      return Boolean(raw);
    case 'list':
    case 'set':
      if (!Array.isArray(raw)) throw new Error(`cty: expected an array for ${kindOf(t)}`);
      return raw.map((e) => fromRaw(e, elemOf(t)));
    case 'tuple': {
      if (!Array.isArray(raw)) throw new Error('cty: expected an array for a tuple');
      const ets = elemOf(t) as unknown as CtyType[];
      return raw.map((e, i) => fromRaw(e, ets[i] ?? 'dynamic'));
    }
    case 'map': {
      if (!(raw instanceof Map)) throw new Error('cty: expected a map');
      const out: ObjectValue = {};
      for (const [k, v] of raw) out[String(k)] = fromRaw(v, elemOf(t));
      return out;
    }
    case 'object': {
      const out: ObjectValue = {};
      for (const [n, at] of Object.entries(attrsOf(t))) out[n] = fromRaw(mapGet(raw, n), at);
      return out;
    }
    default:
      throw new Error(`cty: unsupported type ${JSON.stringify(t)}`);
  }
}

export const decodeValue = (buf: Buffer | undefined | null, t: CtyType): Value => (buf && buf.length ? fromRaw(decode(buf), t) : null);

/** The type of a value we made up (for a dynamic attribute). */
export function inferType(v: Value): CtyType {
  if (v instanceof Dyn) return v.type;
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number' || v instanceof BigNum) return 'number';
  if (typeof v === 'boolean') return 'bool';
  if (Array.isArray(v)) return ['tuple', v.map(inferType)];
  if (isObject(v)) return ['object', Object.fromEntries(Object.entries(v).map(([k, x]) => [k, inferType(x)]))];
  return 'dynamic';
}

function write(w: Writer, v: Value, t: CtyType): void {
  if (v instanceof Unknown) {
    w.ext(v.ext.type, v.ext.data);
    return;
  }
  if (kindOf(t) === 'dynamic') {
    if (v === null) {
      w.nil();
      return;
    }
    const inner = v instanceof Dyn ? v : new Dyn(inferType(v), v);
    w.arrayHeader(2).bin(Buffer.from(JSON.stringify(inner.type)));
    write(w, inner.value, inner.type);
    return;
  }
  if (v === null) {
    w.nil();
    return;
  }
  if (v instanceof Dyn) {
    write(w, v.value, t);
    return;
  }
  switch (kindOf(t)) {
    case 'string':
      w.string(String(v));
      return;
    case 'number':
      if (v instanceof BigNum) w.string(v.text);
      else w.number(Number(v));
      return;
    case 'bool':
      w.bool(Boolean(v));
      return;
    case 'list':
    case 'set': {
      const a = v as Value[];
      w.arrayHeader(a.length);
      for (const e of a) write(w, e, elemOf(t));
      return;
    }
    case 'tuple': {
      const a = v as Value[];
      const ets = elemOf(t) as unknown as CtyType[];
      w.arrayHeader(a.length);
      a.forEach((e, i) => write(w, e, ets[i] ?? 'dynamic'));
      return;
    }
    case 'map': {
      const o = v as ObjectValue;
      const keys = Object.keys(o).sort();
      w.mapHeader(keys.length);
      for (const k of keys) {
        w.string(k);
        write(w, o[k]!, elemOf(t));
      }
      return;
    }
    case 'object': {
      const o = v as ObjectValue;
      const attrs = attrsOf(t);
      const names = Object.keys(attrs).sort();
      w.mapHeader(names.length);
      for (const n of names) {
        w.string(n);
        write(w, o[n] ?? null, attrs[n]!);
      }
      return;
    }
    default:
      throw new Error(`cty: cannot encode type ${JSON.stringify(t)}`);
  }
}

export function encodeValue(v: Value, t: CtyType): Buffer {
  const w = new Writer();
  write(w, v, t);
  return w.bytes();
}

/** A value from Terraform's JSON state encoding (dynamic values are `{value, type}`). */
export function fromJson(j: unknown, t: CtyType): Value {
  if (j === null || j === undefined) return null;
  switch (kindOf(t)) {
    case 'dynamic': {
      const d = j as { value?: unknown; type?: CtyType };
      if (d && typeof d === 'object' && 'type' in d) return new Dyn(d.type!, fromJson(d.value, d.type!));
      return new Dyn(inferType(j as Value), j as Value);
    }
    case 'string':
      return String(j);
    case 'number':
      return typeof j === 'number' ? j : Number(j);
    case 'bool':
      return Boolean(j);
    case 'list':
    case 'set':
      return (j as unknown[]).map((e) => fromJson(e, elemOf(t)));
    case 'tuple':
      return (j as unknown[]).map((e, i) => fromJson(e, (elemOf(t) as unknown as CtyType[])[i] ?? 'dynamic'));
    case 'map':
      return Object.fromEntries(Object.entries(j as Record<string, unknown>).map(([k, v]) => [k, fromJson(v, elemOf(t))]));
    case 'object': {
      const o = j as Record<string, unknown>;
      return Object.fromEntries(Object.entries(attrsOf(t)).map(([n, at]) => [n, fromJson(o[n], at)]));
    }
    default:
      throw new Error(`cty: unsupported type ${JSON.stringify(t)}`);
  }
}

/** Plain JSON of a value (unknowns as null): for hashing and tests. */
export function toPlain(v: Value): unknown {
  if (v instanceof Unknown) return null;
  if (v instanceof Dyn) return toPlain(v.value);
  if (v instanceof BigNum) return v.text;
  if (Array.isArray(v)) return v.map(toPlain);
  if (isObject(v)) return Object.fromEntries(Object.keys(v).sort().map((k) => [k, toPlain(v[k]!)]));
  return v;
}
