/**
 * Protocol buffers by hand for the few tfplugin6 messages the test provider reads and writes:
 * a plugin process starts for every provider of every terraform command, and loading a
 * protobuf library and parsing .proto files cost it more than everything else together.
 * The field numbers are proto/tfplugin6.proto's (which the tests check this against, with a
 * real protobuf implementation).
 */

export type Kind = 'string' | 'bytes' | 'bool' | 'int64' | 'enum';
/** `map<string, V>` */
export class MapOf {
  constructor(readonly value: Kind | Desc) {}
}
export interface Field {
  n: number;
  t: Kind | Desc | MapOf;
  rep?: true;
}
export interface Desc {
  [name: string]: Field;
}

export type Msg = { [name: string]: unknown };

// ---------- wire format ----------

function varint(out: number[], v: number): void {
  if (v < 0) {
    // int64 two's complement: ten bytes
    let b = BigInt.asUintN(64, BigInt(v));
    for (let i = 0; i < 10; i++) {
      const byte = Number(b & 0x7fn);
      b >>= 7n;
      out.push(b ? byte | 0x80 : byte);
      if (!b) break;
    }
    return;
  }
  while (v > 0x7f) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
}

class Out {
  private parts: Buffer[] = [];
  private small: number[] = [];

  private flush(): void {
    if (this.small.length) {
      this.parts.push(Buffer.from(this.small));
      this.small = [];
    }
  }

  tag(n: number, wire: number): void {
    varint(this.small, n * 8 + wire);
  }

  varint(v: number): void {
    varint(this.small, v);
  }

  bytes(b: Buffer): void {
    varint(this.small, b.length);
    this.flush();
    this.parts.push(b);
  }

  done(): Buffer {
    this.flush();
    return Buffer.concat(this.parts);
  }
}

function writeScalar(out: Out, n: number, k: Kind, v: unknown, always: boolean): void {
  switch (k) {
    case 'string':
      if (v === undefined || v === null || (v === '' && !always)) return;
      out.tag(n, 2);
      out.bytes(Buffer.from(String(v), 'utf8'));
      return;
    case 'bytes':
      if (v === undefined || v === null || ((v as Buffer).length === 0 && !always)) return;
      out.tag(n, 2);
      out.bytes(Buffer.isBuffer(v) ? v : Buffer.from(v as Uint8Array));
      return;
    case 'bool':
      if (!v && !always) return;
      out.tag(n, 0);
      out.varint(v ? 1 : 0);
      return;
    case 'int64':
    case 'enum':
      if ((v === undefined || v === null || v === 0) && !always) return;
      out.tag(n, 0);
      out.varint(Number(v ?? 0));
      return;
  }
}

export function encode(desc: Desc, msg: Msg): Buffer {
  const out = new Out();
  for (const [name, f] of Object.entries(desc)) {
    const v = msg[name];
    if (v === undefined || v === null) continue;
    if (f.t instanceof MapOf) {
      const vt = f.t.value;
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
        const entry = new Out();
        writeScalar(entry, 1, 'string', k, true);
        if (typeof vt === 'string') writeScalar(entry, 2, vt, x, true);
        else {
          entry.tag(2, 2);
          entry.bytes(encode(vt, x as Msg));
        }
        out.tag(f.n, 2);
        out.bytes(entry.done());
      }
      continue;
    }
    const items = f.rep ? (v as unknown[]) : [v];
    for (const item of items) {
      if (typeof f.t === 'string') writeScalar(out, f.n, f.t, item, !!f.rep);
      else {
        out.tag(f.n, 2);
        out.bytes(encode(f.t as Desc, item as Msg));
      }
    }
  }
  return out.done();
}

function readVarint(buf: Buffer, pos: number): [number, number] {
  let result = 0;
  let mul = 1;
  for (;;) {
    if (pos >= buf.length) throw new Error('protobuf: truncated varint');
    const b = buf[pos++]!;
    result += (b & 0x7f) * mul;
    if (b < 0x80) break;
    mul *= 0x80;
  }
  // int64 negatives arrive as ten-byte varints; nothing we read is negative
  return [result, pos];
}

export function decode(desc: Desc, buf: Buffer): Msg {
  const byNumber = new Map<number, [string, Field]>();
  for (const [name, f] of Object.entries(desc)) byNumber.set(f.n, [name, f]);
  const msg: Msg = {};
  let pos = 0;
  while (pos < buf.length) {
    let key: number;
    [key, pos] = readVarint(buf, pos);
    const n = Math.floor(key / 8);
    const wire = key & 7;
    let raw: number | Buffer;
    switch (wire) {
      case 0:
        [raw, pos] = readVarint(buf, pos);
        break;
      case 1:
        raw = buf.subarray(pos, pos + 8);
        pos += 8;
        break;
      case 2: {
        let len: number;
        [len, pos] = readVarint(buf, pos);
        raw = buf.subarray(pos, pos + len);
        pos += len;
        break;
      }
      case 5:
        raw = buf.subarray(pos, pos + 4);
        pos += 4;
        break;
      default:
        throw new Error(`protobuf: unsupported wire type ${wire}`);
    }
    const known = byNumber.get(n);
    if (!known) continue; // a field we do not use
    const [name, f] = known;
    if (f.t instanceof MapOf) {
      const entry = decode({ key: { n: 1, t: 'string' }, value: { n: 2, t: f.t.value } }, raw as Buffer);
      const m = (msg[name] ??= {}) as Record<string, unknown>;
      m[String(entry.key ?? '')] = entry.value;
      continue;
    }
    let value: unknown;
    if (typeof f.t === 'object') value = decode(f.t as Desc, raw as Buffer);
    else if (f.t === 'string') value = (raw as Buffer).toString('utf8');
    else if (f.t === 'bytes') value = Buffer.from(raw as Buffer);
    else if (f.t === 'bool') value = raw !== 0;
    else value = raw;
    if (f.rep) ((msg[name] ??= []) as unknown[]).push(value);
    else msg[name] = value;
  }
  return msg;
}

// ---------- tfplugin6 messages (proto/tfplugin6.proto) ----------

const DynamicValue: Desc = { msgpack: { n: 1, t: 'bytes' }, json: { n: 2, t: 'bytes' } };
const AttributePath: Desc = {};
const Diagnostic: Desc = {
  severity: { n: 1, t: 'enum' },
  summary: { n: 2, t: 'string' },
  detail: { n: 3, t: 'string' },
  attribute: { n: 4, t: AttributePath },
};
const RawState: Desc = { json: { n: 1, t: 'bytes' }, flatmap: { n: 2, t: new MapOf('string') } };

const Attribute: Desc = {
  name: { n: 1, t: 'string' },
  type: { n: 2, t: 'bytes' },
  description: { n: 3, t: 'string' },
  required: { n: 4, t: 'bool' },
  optional: { n: 5, t: 'bool' },
  computed: { n: 6, t: 'bool' },
  sensitive: { n: 7, t: 'bool' },
  description_kind: { n: 8, t: 'enum' },
  deprecated: { n: 9, t: 'bool' },
  write_only: { n: 11, t: 'bool' },
};
const ObjectType: Desc = { attributes: { n: 1, t: Attribute, rep: true }, nesting: { n: 3, t: 'enum' } };
Attribute.nested_type = { n: 10, t: ObjectType };
const Block: Desc = {
  version: { n: 1, t: 'int64' },
  attributes: { n: 2, t: Attribute, rep: true },
  description: { n: 4, t: 'string' },
  description_kind: { n: 5, t: 'enum' },
  deprecated: { n: 6, t: 'bool' },
};
const NestedBlock: Desc = {
  type_name: { n: 1, t: 'string' },
  block: { n: 2, t: Block },
  nesting: { n: 3, t: 'enum' },
  min_items: { n: 4, t: 'int64' },
  max_items: { n: 5, t: 'int64' },
};
Block.block_types = { n: 3, t: NestedBlock, rep: true };
const Schema: Desc = { version: { n: 1, t: 'int64' }, block: { n: 2, t: Block } };
const Function: Desc = {};
const ServerCapabilities: Desc = {
  plan_destroy: { n: 1, t: 'bool' },
  get_provider_schema_optional: { n: 2, t: 'bool' },
  move_resource_state: { n: 3, t: 'bool' },
};
const TypeName: Desc = { type_name: { n: 1, t: 'string' } };
const diagnostics = (n: number): Field => ({ n, t: Diagnostic, rep: true });

/** Request and response of each RPC the provider implements, by method name. */
export const RPC: Record<string, { req: Desc; res: Desc }> = {
  GetMetadata: {
    req: {},
    res: {
      server_capabilities: { n: 1, t: ServerCapabilities },
      diagnostics: diagnostics(2),
      data_sources: { n: 3, t: TypeName, rep: true },
      resources: { n: 4, t: TypeName, rep: true },
    },
  },
  GetProviderSchema: {
    req: {},
    res: {
      provider: { n: 1, t: Schema },
      resource_schemas: { n: 2, t: new MapOf(Schema) },
      data_source_schemas: { n: 3, t: new MapOf(Schema) },
      diagnostics: diagnostics(4),
      provider_meta: { n: 5, t: Schema },
      server_capabilities: { n: 6, t: ServerCapabilities },
      functions: { n: 7, t: new MapOf(Function) },
    },
  },
  ValidateProviderConfig: { req: { config: { n: 1, t: DynamicValue } }, res: { diagnostics: diagnostics(2) } },
  ValidateResourceConfig: {
    req: { type_name: { n: 1, t: 'string' }, config: { n: 2, t: DynamicValue } },
    res: { diagnostics: diagnostics(1) },
  },
  ValidateDataResourceConfig: {
    req: { type_name: { n: 1, t: 'string' }, config: { n: 2, t: DynamicValue } },
    res: { diagnostics: diagnostics(1) },
  },
  UpgradeResourceState: {
    req: { type_name: { n: 1, t: 'string' }, version: { n: 2, t: 'int64' }, raw_state: { n: 3, t: RawState } },
    res: { upgraded_state: { n: 1, t: DynamicValue }, diagnostics: diagnostics(2) },
  },
  ConfigureProvider: {
    req: { terraform_version: { n: 1, t: 'string' }, config: { n: 2, t: DynamicValue } },
    res: { diagnostics: diagnostics(1) },
  },
  ReadResource: {
    req: { type_name: { n: 1, t: 'string' }, current_state: { n: 2, t: DynamicValue }, private: { n: 3, t: 'bytes' } },
    res: { new_state: { n: 1, t: DynamicValue }, diagnostics: diagnostics(2), private: { n: 3, t: 'bytes' } },
  },
  PlanResourceChange: {
    req: {
      type_name: { n: 1, t: 'string' },
      prior_state: { n: 2, t: DynamicValue },
      proposed_new_state: { n: 3, t: DynamicValue },
      config: { n: 4, t: DynamicValue },
      prior_private: { n: 5, t: 'bytes' },
    },
    res: {
      planned_state: { n: 1, t: DynamicValue },
      requires_replace: { n: 2, t: AttributePath, rep: true },
      planned_private: { n: 3, t: 'bytes' },
      diagnostics: diagnostics(4),
    },
  },
  ApplyResourceChange: {
    req: {
      type_name: { n: 1, t: 'string' },
      prior_state: { n: 2, t: DynamicValue },
      planned_state: { n: 3, t: DynamicValue },
      config: { n: 4, t: DynamicValue },
      planned_private: { n: 5, t: 'bytes' },
    },
    res: { new_state: { n: 1, t: DynamicValue }, private: { n: 2, t: 'bytes' }, diagnostics: diagnostics(3) },
  },
  ImportResourceState: {
    req: { type_name: { n: 1, t: 'string' }, id: { n: 2, t: 'string' } },
    res: {
      imported_resources: {
        n: 1,
        t: { type_name: { n: 1, t: 'string' }, state: { n: 2, t: DynamicValue }, private: { n: 3, t: 'bytes' } },
        rep: true,
      },
      diagnostics: diagnostics(2),
    },
  },
  MoveResourceState: {
    req: { source_type_name: { n: 2, t: 'string' }, target_type_name: { n: 5, t: 'string' } },
    res: { target_state: { n: 1, t: DynamicValue }, diagnostics: diagnostics(2), target_private: { n: 3, t: 'bytes' } },
  },
  ReadDataSource: {
    req: { type_name: { n: 1, t: 'string' }, config: { n: 2, t: DynamicValue } },
    res: { state: { n: 1, t: DynamicValue }, diagnostics: diagnostics(2) },
  },
  GetFunctions: { req: {}, res: { functions: { n: 1, t: new MapOf(Function) }, diagnostics: diagnostics(2) } },
  StopProvider: { req: {}, res: { Error: { n: 1, t: 'string' } } },
};

/** grpc.health.v1.HealthCheckResponse{status: SERVING} */
export const HEALTH_SERVING = encode({ status: { n: 1, t: 'enum' } }, { status: 1 });
