/** A vine, its components and what replacing its spec changes: the one declaration of each (see ../schema.ts). */
import { Type, type Static } from '@sinclair/typebox';
import { DateTime, FreeObject, literals, NullableDateTime, NullableInteger, NullableString, Uuid } from '../schema.js';
import { COMPONENT_KINDS, KIND_NAMES, type KindEntries } from '../components/catalogue.js';
import { ComponentStatus } from '../components/status.js';
import { StageSchema } from './stage.js';
import { VineStatus } from './status.js';
import { VineOptionsSchema } from './spec-schema.js';

export const VineSchema = Type.Object(
  {
    id: Uuid,
    vineyard_id: Uuid,
    vineyard_name: Type.String(),
    name: Type.String(),
    stage: StageSchema,
    identity_id: Uuid,
    identity_name: Type.String(),
    status: literals(Object.values(VineStatus)),
    config_version: Type.Integer(),
    applied_config_version: NullableInteger,
    options: Type.Unsafe<Static<typeof VineOptionsSchema>>({ ...VineOptionsSchema, description: 'terraform/local test knobs' }),
    error: NullableString,
    name_prefix: Type.String({ description: 'the prefix of every cloud resource name' }),
    state_path: Type.String(),
    created_at: DateTime,
    updated_at: DateTime,
  },
  { title: 'Vine' },
);
/** A vine as shown: its row, the names it is addressed by, and its derived cloud names. */
export type Vine = Static<typeof VineSchema>;

export const ComponentSchema = Type.Object(
  {
    id: Uuid,
    kind: literals(KIND_NAMES),
    name: Type.String(),
    status: literals(Object.values(ComponentStatus)),
    settings: FreeObject('its settings as in the spec (a secret’s value never: `value: null`, `has_value`)'),
    outputs: FreeObject('what Terraform reported: endpoints, ARNs …'),
    error: NullableString,
    removed_at: Type.Unsafe<Date | null>({ ...NullableDateTime, description: 'set when removed from the configuration but still in the cloud: the next harvest destroys it' }),
    created_at: DateTime,
    updated_at: DateTime,
  },
  { title: 'Component', description: 'a component: its settings, status and outputs' },
);
/** A component as shown: status and outputs (its settings are in the spec), never a secret value. */
export type Component = Static<typeof ComponentSchema>;

const SpecItem = FreeObject('one component: its name and every setting');
const NullableItem = Type.Unsafe<Record<string, unknown> | null>({ type: ['object', 'null'], additionalProperties: true });
/** The spec as stored: every field filled in, secrets as `value: null` + `has_value`. */
export const VineSpecDocumentSchema = Type.Object(
  {
    name: Type.String(),
    stage: StageSchema,
    identity: Type.String(),
    options: FreeObject('terraform/local test knobs'),
    ...Object.fromEntries(COMPONENT_KINDS.map((k) => [k.kind, k.singleton ? NullableItem : Type.Array(SpecItem)])),
  },
  { title: 'VineSpecDocument' },
);
export type VineSpecDocument = Pick<Static<typeof VineSpecDocumentSchema>, 'name' | 'stage' | 'identity'> & { options: Static<typeof VineOptionsSchema> } & KindEntries<Record<string, unknown>>;

export const VineDetailSchema = Type.Object({ vine: VineSchema, spec: VineSpecDocumentSchema, components: Type.Array(ComponentSchema) }, { title: 'VineDetail' });
export type VineDetail = { vine: Vine; spec: VineSpecDocument; components: Component[] };

export const DIFF_ACTIONS = ['create', 'update', 'delete', 'none'] as const;
export const ComponentDiffSchema = Type.Object({
  kind: literals(KIND_NAMES),
  name: Type.String(),
  action: literals(DIFF_ACTIONS),
  changed_fields: Type.Array(Type.String(), { description: 'settings whose value changes (for update); secrets report `value`, never the value' }),
  status: Type.Unsafe<ComponentStatus | null>({ type: ['string', 'null'], description: 'the component’s status now; null for one not yet in the configuration' }),
});
export type ComponentDiff = Static<typeof ComponentDiffSchema>;

/** Something a spec names that the server accepts but could not confirm (an id discovery has not seen). */
export const SpecWarningSchema = Type.Object(
  { field: Type.String({ description: 'the spec path, e.g. network.existing_network_id' }), message: Type.String() },
  { title: 'SpecWarning' },
);
export type SpecWarning = Static<typeof SpecWarningSchema>;
const Warnings = Type.Array(SpecWarningSchema, { description: 'accepted, but worth a look: e.g. an existing_network_id the identity’s last discovery did not list' });

export const VineDiffSchema = Type.Object(
  {
    changed: Type.Boolean({ description: 'whether replacing would change anything (and so bump config_version)' }),
    vine: Type.Object({ changed_fields: Type.Array(Type.String(), { description: 'name, stage, identity, options' }) }),
    components: Type.Array(ComponentDiffSchema),
    warnings: Warnings,
  },
  { title: 'VineDiff' },
);
export type VineDiff = Static<typeof VineDiffSchema>;

/** A planted vine (POST): its detail, and the spec's warnings. */
export const VineCreatedSchema = Type.Object({ ...VineDetailSchema.properties, warnings: Warnings }, { title: 'VineCreated' });
export type VineCreated = VineDetail & { warnings: SpecWarning[] };

/** A replaced spec (PUT): what changed, the vine now, and the spec's warnings. */
export const VineReplacedSchema = Type.Object({ diff: VineDiffSchema, vine: VineDetailSchema, warnings: Warnings }, { title: 'VineReplaced' });
