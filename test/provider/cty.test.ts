/**
 * Values on the wire (cty's msgpack) and what the test provider plans and applies: pure, no
 * Terraform. The byte sequences are cty's (github.com/zclconf/go-cty/cty/msgpack).
 */
import t from 'tap';
import type { Schema } from './cdktf-schema.js';
import { BigNum, decodeValue, Dyn, encodeValue, fromJson, impliedType, Unknown, type ObjectValue } from './cty.js';
import { applyResourceChange, planResourceChange, readDataSource } from './mock-values.js';
import { decode, Ext, Writer } from './msgpack.js';

t.test('msgpack: the forms cty uses', async (t) => {
  const hex = (b: Buffer) => b.toString('hex');
  t.equal(hex(new Writer().number(5).bytes()), '05', 'positive fixint');
  t.equal(hex(new Writer().number(-3).bytes()), 'fd', 'negative fixint');
  t.equal(hex(new Writer().number(200).bytes()), 'ccc8', 'uint8');
  t.equal(hex(new Writer().number(70000).bytes()), 'ce00011170', 'uint32');
  t.equal(hex(new Writer().number(-200).bytes()), 'd1ff38', 'int16');
  t.equal(hex(new Writer().number(1.5).bytes()), 'cb3ff8000000000000', 'float64 for a fraction');
  t.equal(hex(new Writer().string('a'.repeat(40)).bytes()).slice(0, 4), 'd928', 'str8 past 31 bytes');
  t.equal(hex(new Writer().ext(0, Buffer.from([0])).bytes()), 'd40000', 'cty unknown: fixext1 type 0');
  for (const v of [0, 127, 128, 255, 256, 65535, 65536, 2 ** 32, 2 ** 40, -1, -32, -33, -128, -129, -32768, -32769, -(2 ** 31), -(2 ** 40), 3.25]) {
    t.equal(decode(new Writer().number(v).bytes()), v, `${v} round-trips`);
  }
  const big = new Writer().arrayHeader(20);
  for (let i = 0; i < 20; i++) big.string(`s${i}`);
  t.equal((decode(big.bytes()) as string[]).length, 20, 'array16 past 15 items');
  t.throws(() => decode(Buffer.from([0x92, 0x01])), /truncated/);
});

const schema: Schema = {
  version: 0,
  block: {
    attributes: {
      id: { type: 'string', optional: true, computed: true },
      arn: { type: 'string', computed: true },
      name: { type: 'string', required: true },
      size: { type: 'number', optional: true },
      tags: { type: ['map', 'string'], optional: true },
      tags_all: { type: ['map', 'string'], optional: true, computed: true },
      zones: { type: ['set', 'string'], optional: true },
      secret_wo: { type: 'string', optional: true, write_only: true },
      manifest: { type: 'dynamic', optional: true },
      settings: {
        nested_type: { nesting_mode: 'single', attributes: { mode: { type: 'string', optional: true }, endpoint: { type: 'string', computed: true } } },
        optional: true,
      },
    },
    block_types: {
      rule: { nesting_mode: 'list', block: { attributes: { port: { type: 'number', required: true }, rule_id: { type: 'string', computed: true } } } },
      timeouts: { nesting_mode: 'single', block: { attributes: { create: { type: 'string', optional: true } } } },
    },
  },
};

t.test('values: decode and encode by the schema’s implied type', async (t) => {
  const ty = impliedType(schema.block);
  const value: ObjectValue = {
    id: null,
    arn: new Unknown(),
    name: 'web',
    size: 3,
    tags: { b: '2', a: '1' },
    tags_all: null,
    zones: ['a', 'b'],
    secret_wo: null,
    manifest: new Dyn(['object', { kind: 'string', replicas: 'number' }], { kind: 'Deployment', replicas: 2 }),
    settings: { mode: 'fast', endpoint: null },
    rule: [{ port: 443, rule_id: null }],
    timeouts: null,
  };
  const bytes = encodeValue(value, ty);
  t.same(decodeValue(bytes, ty), value, 'round trip');
  t.equal(bytes[0], 0x8c, 'an object is a map of all its 12 attributes');
  const raw = decode(bytes) as Map<string, unknown>;
  t.same([...raw.keys()], Object.keys(value).sort(), 'attributes in sorted order');
  const manifest = raw.get('manifest') as [Buffer, unknown];
  t.equal(manifest[0].toString(), '["object",{"kind":"string","replicas":"number"}]', 'a dynamic value carries its type as JSON bytes');
  t.same(raw.get('arn'), new Ext(0, Buffer.from([0])), 'unknown is extension 0');

  // an unknown with refinements (cty ext 12) comes back byte for byte
  const refined = new Writer().ext(12, Buffer.from([0x81, 0x01, 0xc2])).bytes();
  const u = decodeValue(refined, 'string');
  t.ok(u instanceof Unknown, 'refined unknown decodes as unknown');
  t.same(encodeValue(u, 'string'), refined, 'and its refinements are kept');

  t.same(decodeValue(new Writer().string('12345678901234567890123').bytes(), 'number'), new BigNum('12345678901234567890123'), 'a number too precise for a float stays text');
  t.equal(decodeValue(Buffer.alloc(0), ty), null, 'no bytes: null');
});

t.test('impliedType: blocks become objects, lists and sets; a list block with a dynamic attribute is dynamic', async (t) => {
  const ty = impliedType(schema.block) as [string, Record<string, unknown>];
  t.same(ty[1].rule, ['list', ['object', { port: 'number', rule_id: 'string' }]]);
  t.same(ty[1].timeouts, ['object', { create: 'string' }]);
  t.same(ty[1].settings, ['object', { endpoint: 'string', mode: 'string' }]);
  const dyn = impliedType({ block_types: { b: { nesting_mode: 'list', block: { attributes: { x: { type: 'dynamic', optional: true } } } } } }) as [string, Record<string, unknown>];
  t.equal(dyn[1].b, 'dynamic', 'Terraform decodes it as a tuple, sent as a dynamic value');
});

t.test('fromJson: state as Terraform stores it', async (t) => {
  const ty = impliedType(schema.block);
  const v = fromJson({ name: 'web', size: 3, manifest: { value: { a: 1 }, type: ['object', { a: 'number' }] }, rule: [{ port: 1 }], extra: 'dropped' }, ty) as ObjectValue;
  t.equal(v.name, 'web');
  t.equal(v.id, null, 'missing attributes are null');
  t.same(v.manifest, new Dyn(['object', { a: 'number' }], { a: 1 }));
  t.same(v.rule, [{ port: 1, rule_id: null }]);
  t.notOk('extra' in v, 'attributes the schema lacks are dropped');
});

const ctx = { provider: 'aws', typeName: 'aws_widget', region: 'eu-west-1' };

t.test('plan: on create, computed values the configuration leaves null are unknown; write-only values are null', async (t) => {
  const config: ObjectValue = {
    id: null, arn: null, name: 'web', size: null, tags: { team: 'a' }, tags_all: null, zones: null, secret_wo: 'shh', manifest: null,
    settings: { mode: 'fast', endpoint: null }, rule: [{ port: 443, rule_id: null }], timeouts: null,
  };
  const planned = planResourceChange(schema, null, config) as ObjectValue;
  t.ok(planned.id instanceof Unknown && planned.arn instanceof Unknown && planned.tags_all instanceof Unknown, 'computed: unknown');
  t.equal(planned.size, null, 'optional, not computed: stays null');
  t.equal(planned.secret_wo, null, 'write-only: never in a plan');
  t.ok((planned.rule as ObjectValue[])[0]!.rule_id instanceof Unknown, 'computed inside a block');
  t.ok((planned.settings as ObjectValue).endpoint instanceof Unknown, 'computed inside a nested attribute');
  t.same(planned.tags, { team: 'a' }, 'configured values kept');

  const prior = applyResourceChange(ctx, schema, planned) as ObjectValue;
  const update = planResourceChange(schema, prior, { ...prior, size: 5 }) as ObjectValue;
  t.equal(update.id, prior.id, 'on update the proposed value is the plan: no new unknowns');
  t.equal(update.size, 5);
  t.equal(planResourceChange(schema, prior, null), null, 'destroy plans null');
});

t.test('apply: unknowns get plausible values; the same plan gets the same values', async (t) => {
  const planned = planResourceChange(schema, null, {
    id: null, arn: null, name: 'web', size: null, tags: { team: 'a' }, tags_all: null, zones: null, secret_wo: null, manifest: null,
    settings: null, rule: [{ port: 5432, rule_id: null }], timeouts: null,
  });
  const state = applyResourceChange(ctx, schema, planned) as ObjectValue;
  t.match(state.id, /^mock-widget-[0-9a-f]{8}$/, 'id');
  t.equal(state.arn, `arn:aws:widget:eu-west-1:123456789012:widget/${state.id}`, 'ARN from the id');
  t.same(state.tags_all, { team: 'a' }, 'tags_all follows tags');
  t.match((state.rule as ObjectValue[])[0]!.rule_id, /^mock-rule-id-/, 'inside blocks too');
  t.same(applyResourceChange(ctx, schema, planned), state, 'deterministic');

  const pw: Schema = { version: 0, block: { attributes: { length: { type: 'number', required: true }, special: { type: 'bool', optional: true, computed: true }, result: { type: 'string', computed: true, sensitive: true } } } };
  const r = applyResourceChange({ ...ctx, provider: 'random', typeName: 'random_password' }, pw, planResourceChange(pw, null, { length: 24, special: false, result: null })) as ObjectValue;
  t.equal((r.result as string).length, 24, 'random_password.result has the asked length');
  t.match(r.result, /^[A-Za-z0-9]+$/, 'and no special characters when special = false');
});

t.test('data sources: computed values made up, zones from the region', async (t) => {
  const azs: Schema = { version: 0, block: { attributes: { state: { type: 'string', optional: true }, names: { type: ['list', 'string'], computed: true }, id: { type: 'string', optional: true, computed: true } } } };
  const r = readDataSource({ ...ctx, typeName: 'aws_availability_zones' }, azs, { state: 'available', names: null, id: null }) as ObjectValue;
  t.same(r.names, ['eu-west-1a', 'eu-west-1b', 'eu-west-1c']);
  t.equal(r.state, 'available');
  t.match(r.id, /^mock-availability-zones-/);
});
