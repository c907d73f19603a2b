/**
 * What the schema-only provider answers for plan, apply and data-source reads: configured values
 * are kept; computed values the configuration leaves null are unknown at plan time and made up at
 * apply (ids `mock-<type>-<hash>`, ARNs, URLs, a password of the asked length …), from a hash of
 * the resource's known values so that the same configuration always gets the same values.
 *
 * Not modelled: provider-side defaults and validation, ForceNew (every change is an in-place
 * update), values that depend on other resources, computed values changing on update.
 */
import { createHash } from 'node:crypto';
import type { AttributeSchema, BlockSchema, CtyType, Schema } from './cdktf-schema.js';
import { Dyn, isObject, nestedImpliedType, toPlain, Unknown, type ObjectValue, type Value } from './cty.js';

export interface MockContext {
  provider: string;
  typeName: string;
  region: string;
}

const kindOf = (t: CtyType): string => (typeof t === 'string' ? t : t[0]);
const elemOf = (t: CtyType): CtyType => (t as [string, CtyType])[1];

const attrTypeOf = (a: AttributeSchema): CtyType => a.type ?? nestedImpliedType(a.nested_type!);

/** Each element of a block's value (single, list, set or map). */
function eachElement(v: Value, mode: string, f: (o: ObjectValue) => ObjectValue): Value {
  if (v === null || v instanceof Unknown || v instanceof Dyn) return v;
  if (mode === 'single' || mode === 'group') return isObject(v) ? f(v) : v;
  if (Array.isArray(v)) return v.map((e) => (isObject(e) ? f(e) : e));
  if (isObject(v)) return Object.fromEntries(Object.entries(v).map(([k, e]) => [k, isObject(e) ? f(e) : e]));
  return v;
}

/**
 * The planned value of an object for a block: on create, computed attributes that the
 * configuration leaves null become unknown (nested blocks and nested attributes too); on update
 * Terraform's proposed value (configuration over prior state) is the plan. Write-only attributes
 * are always null in a plan.
 */
function planObject(block: BlockSchema, proposed: ObjectValue, create: boolean): ObjectValue {
  const out: ObjectValue = { ...proposed };
  for (const [name, a] of Object.entries(block.attributes ?? {})) {
    const v = out[name] ?? null;
    if (a.write_only) out[name] = null;
    else if (create && a.computed && v === null) out[name] = new Unknown();
    else if (a.nested_type && v !== null) {
      const nt = a.nested_type;
      out[name] = eachElement(v, nt.nesting_mode, (o) => planObject({ attributes: nt.attributes }, o, create));
    }
  }
  for (const [name, b] of Object.entries(block.block_types ?? {})) {
    out[name] = eachElement(out[name] ?? null, b.nesting_mode, (o) => planObject(b.block, o, create));
  }
  return out;
}

export function planResourceChange(schema: Schema, prior: Value, proposed: Value): Value {
  if (proposed === null || !isObject(proposed)) return proposed; // destroy: nothing planned
  return planObject(schema.block, proposed, prior === null);
}

const hash = (...parts: unknown[]) => createHash('sha256').update(JSON.stringify(parts)).digest('hex');

const AWS_SERVICE: Array<[RegExp, string]> = [
  [/^(vpc|subnet|security_group|internet_gateway|nat_gateway|route|eip|instance|network|launch_template|ec2)/, 'ec2'],
  [/^(db_|rds_)/, 'rds'],
  [/^elasticache/, 'elasticache'],
  [/^sqs/, 'sqs'],
  [/^sns/, 'sns'],
  [/^dynamodb/, 'dynamodb'],
  [/^ecr/, 'ecr'],
  [/^secretsmanager/, 'secretsmanager'],
  [/^eks/, 'eks'],
  [/^route53/, 'route53'],
  [/^iam/, 'iam'],
  [/^kms/, 'kms'],
  [/^s3/, 's3'],
];

/** A plausible made-up value of type `t` for attribute `name` of object `siblings`. */
export function generate(ctx: MockContext, name: string, t: CtyType, siblings: ObjectValue, seed: string): Value {
  const h = hash(seed, name);
  const short = h.slice(0, 8);
  const bare = ctx.typeName.replace(/^[a-z0-9]+_/, '');
  const label = typeof siblings.name === 'string' ? siblings.name : `mock-${bare.replace(/_/g, '-')}-${short}`;
  switch (kindOf(t)) {
    case 'string':
      return generateString(ctx, name, siblings, h, short, bare, label);
    case 'number': {
      if (name === 'port' || name.endsWith('_port')) {
        const engine = String(siblings.engine ?? siblings.engine_version ?? siblings.database_version ?? '');
        if (/postgres/i.test(engine)) return 5432;
        if (/mysql|aurora/i.test(engine)) return 3306;
        if (/redis|valkey/i.test(engine)) return 6379;
        if (/memcache/i.test(engine)) return 11211;
        return 443;
      }
      return name.endsWith('_count') || name === 'count' ? 1 : 0;
    }
    case 'bool':
      return false;
    case 'list':
    case 'set': {
      const et = elemOf(t);
      if (kindOf(et) === 'string' && (name === 'names' || name === 'zone_ids' || /(^|_)zones$/.test(name))) {
        return ['a', 'b', 'c'].map((s) => (name === 'zone_ids' ? `${ctx.region}-az${'abc'.indexOf(s) + 1}` : `${ctx.region}${s}`));
      }
      return [];
    }
    case 'map': {
      // provider-merged tags and labels: the resource's own, as with no provider defaults
      const own = name === 'tags_all' ? (siblings.tags ?? null) : name === 'effective_labels' || name === 'terraform_labels' ? (siblings.labels ?? null) : null;
      return isObject(own) ? { ...own } : {};
    }
    case 'object': {
      const attrs = (t as [string, Record<string, CtyType>])[1];
      const o: ObjectValue = {};
      for (const [n, at] of Object.entries(attrs)) o[n] = generate(ctx, n, at, o, `${seed}.${name}`);
      return o;
    }
    default:
      return null; // dynamic, tuples: nothing plausible to make up
  }
}

function generateString(ctx: MockContext, name: string, siblings: ObjectValue, h: string, short: string, bare: string, label: string): string {
  const { provider, region } = ctx;
  if (name === 'result' && typeof siblings.length === 'number') return password(h, siblings.length, siblings.special !== false);
  if (name === 'bcrypt_hash') return `$2a$10$${h.slice(0, 53)}`;
  if (name === 'region') return region;
  if (name === 'location') return provider === 'azurerm' ? 'westeurope' : region;
  if (name === 'availability_zone' || name === 'zone') return `${region}a`;
  if (provider === 'azurerm' && name === 'id') {
    const rg = typeof siblings.resource_group_name === 'string' ? siblings.resource_group_name : label;
    const sub = '/subscriptions/00000000-0000-0000-0000-000000000000';
    return ctx.typeName === 'azurerm_resource_group' ? `${sub}/resourceGroups/${label}` : `${sub}/resourceGroups/${rg}/providers/Mock.${bare}/${label}`;
  }
  if (name === 'id') return `mock-${bare.replace(/_/g, '-')}-${short}`;
  if (name === 'arn' || name.endsWith('_arn')) {
    const service = AWS_SERVICE.find(([re]) => re.test(bare))?.[1] ?? bare.split('_')[0];
    const ref = typeof siblings.id === 'string' && name === 'arn' ? siblings.id : label;
    return `arn:aws:${service}:${region}:123456789012:${bare.replace(/_/g, '-')}/${ref}`;
  }
  if (name === 'self_link' || name.endsWith('_self_link')) return `https://www.googleapis.com/mock/v1/projects/mock-project/${bare}/${label}`;
  if (name === 'project') return 'mock-project';
  if (name === 'url' || name.endsWith('_url') || name === 'endpoint' || name.endsWith('_endpoint')) {
    return name.includes('url') ? `https://${short}.${bare.replace(/_/g, '-')}.${region}.mock.invalid/${label}` : `${short}.${bare.replace(/_/g, '-')}.${region}.mock.invalid`;
  }
  if (/(^|_)(host|hostname|address|fqdn|dns_name|domain)$/.test(name)) return `${short}.${region}.mock.invalid`;
  if (/(^|_)ip(_address)?$/.test(name)) return `10.${parseInt(h.slice(0, 2), 16)}.${parseInt(h.slice(2, 4), 16)}.${parseInt(h.slice(4, 6), 16)}`;
  if (/cidr/.test(name)) return '10.0.0.0/16';
  if (/(_at|_time|_date|timestamp)$/.test(name)) return '2025-01-01T00:00:00Z';
  if (name === 'name' || name.endsWith('_name')) return label;
  if (name === 'status' || name === 'state') return 'available';
  if (name.endsWith('_id') || name.endsWith('_ids')) return `mock-${name.replace(/_/g, '-')}-${short}`;
  return `mock-${name.replace(/_/g, '-')}-${short}`;
}

function password(h: string, length: number, special: boolean): string {
  const chars = `abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789${special ? '!#$%&*()-_=+[]{}<>:?' : ''}`;
  let out = '';
  let block = h;
  for (let i = 0; out.length < length; i++) {
    if (i * 2 + 2 > block.length) {
      block = hash(block);
      i = 0;
    }
    out += chars[parseInt(block.slice(i * 2, i * 2 + 2), 16) % chars.length];
  }
  return out;
}

/** Every unknown in a value replaced by a made-up value of its type. */
function resolve(ctx: MockContext, v: Value, t: CtyType, name: string, siblings: ObjectValue, seed: string): Value {
  if (v instanceof Unknown) return generate(ctx, name, t, siblings, seed);
  if (v === null || v instanceof Dyn) return v;
  switch (kindOf(t)) {
    case 'list':
    case 'set':
      return Array.isArray(v) ? v.map((e, i) => resolve(ctx, e, elemOf(t), name, siblings, `${seed}[${i}]`)) : v;
    case 'map':
      return isObject(v) ? Object.fromEntries(Object.entries(v).map(([k, e]) => [k, resolve(ctx, e, elemOf(t), name, siblings, `${seed}[${k}]`)])) : v;
    case 'object': {
      if (!isObject(v)) return v;
      const attrs = (t as [string, Record<string, CtyType>])[1];
      const out: ObjectValue = { ...v };
      // known values first, then the id: generated ones may derive from them (tags_all from
      // tags, an ARN from the id …)
      const rank = (n: string) => (out[n] instanceof Unknown ? (n === 'id' ? 1 : 2) : 0);
      const order = Object.keys(attrs).sort((a, b) => rank(a) - rank(b));
      for (const n of order) out[n] = resolve(ctx, out[n] ?? null, attrs[n]!, n, out, `${seed}.${n}`);
      return out;
    }
    default:
      return v;
  }
}

/** The object type of a block: its attributes and its blocks (as they appear in values). */
function blockObjectType(block: BlockSchema): CtyType {
  const attrs: Record<string, CtyType> = {};
  for (const [n, a] of Object.entries(block.attributes ?? {})) attrs[n] = attrTypeOf(a);
  for (const [n, b] of Object.entries(block.block_types ?? {})) {
    const obj = blockObjectType(b.block);
    attrs[n] = b.nesting_mode === 'single' || b.nesting_mode === 'group' ? obj : [b.nesting_mode, obj];
  }
  return ['object', attrs];
}

export function applyResourceChange(ctx: MockContext, schema: Schema, planned: Value): Value {
  if (planned === null || !isObject(planned)) return planned;
  const seed = hash(ctx.typeName, toPlain(planned));
  return resolve(ctx, planned, blockObjectType(schema.block), '', {}, seed);
}

/** A data source's result: its configuration, with computed values it leaves null made up. */
export function readDataSource(ctx: MockContext, schema: Schema, config: Value): Value {
  if (!isObject(config)) return config;
  const planned = planObject(schema.block, config, true);
  return applyResourceChange(ctx, schema, planned);
}
