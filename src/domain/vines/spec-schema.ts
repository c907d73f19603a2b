/**
 * The VINE SPEC: one JSON document holding everything a vine is. `grape plant -f vine.json`, the
 * plant form and the API all send it; `get` answers it back in the same shape, so a spec can be
 * fetched, edited and sent again.
 *
 * Every settings field may be left out: missing ones come from the kind's `defaults(stage)`.
 * Singletons (network, cluster, dns, repositories) are an object or null (absent = disabled) and
 * their name defaults to the kind's name; lists are arrays of items that each need a `name`.
 *
 * Secrets are write-only. Each item may carry `value` (a string: stored sealed) and `has_value`:
 * - `value: "…"`        sets the value;
 * - no value (or null)  keeps the stored value, if any (a fetched spec shows `value: null`);
 * - `has_value: false`  with no value drops the stored value (Terraform then generates one).
 * A returned spec always shows `value: null` and `has_value: true|false`.
 */
import { Type, type Static, type TObject, type TProperties } from '@sinclair/typebox';
import { COMPONENT_KINDS, type ComponentKind } from '../components/catalogue.js';
import { DISPLAY_NAME_RULE } from '../validation.js';
import { NAME_RULE, StageSchema } from './stage.js';

const ComponentName = Type.String({ minLength: 1, maxLength: 40, description: NAME_RULE });

/** A kind's settings, every one optional, beside the component's name. */
function item<P extends TProperties>(settings: TObject<P>, extra: TProperties = {}) {
  return Type.Object({ name: ComponentName, ...Type.Partial(settings).properties, ...extra }, { additionalProperties: false });
}
function singleton<P extends TProperties>(settings: TObject<P>) {
  return Type.Optional(Type.Union([Type.Object({ name: Type.Optional(ComponentName), ...Type.Partial(settings).properties }, { additionalProperties: false }), Type.Null()]));
}
const list = <T extends TObject>(t: T) => Type.Optional(Type.Array(t));

/** A kind with secret settings also takes `has_value` (see above). */
const HasValue = { has_value: Type.Optional(Type.Boolean({ description: 'in answers: whether a value is stored; in requests: false drops the stored value' })) };

/** The spec's key for one kind: a singleton's object (or null), or a list of items. */
function kindSchema(k: ComponentKind) {
  return k.singleton ? singleton(k.settings) : list(item(k.settings, k.secretFields.length ? HasValue : {}));
}

export const VineOptionsSchema = Type.Object(
  {
    fail_components: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 80 }), { maxItems: 50, uniqueItems: true, description: 'terraform/local test knob: components whose apply fails' })),
    apply_delay_seconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 600, description: 'terraform/local test knob: seconds each apply takes' })),
  },
  { additionalProperties: false },
);
export type VineOptions = Static<typeof VineOptionsSchema>;

export const VineSpecSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200, description: DISPLAY_NAME_RULE }),
    stage: StageSchema,
    identity: Type.String({ minLength: 1, maxLength: 100, description: 'the cloud identity: its name or id' }),
    options: Type.Optional(VineOptionsSchema),
    ...Object.fromEntries((COMPONENT_KINDS as unknown as ComponentKind[]).map((k) => [k.kind, kindSchema(k)])),
  },
  { additionalProperties: false },
);
/** A spec as sent: settings may be partial; the kinds' keys are checked by the schema. */
export type VineSpec = Static<typeof VineSpecSchema>;
