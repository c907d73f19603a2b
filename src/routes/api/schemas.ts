/**
 * The JSON API's schemas. Inputs reuse the domain's TypeBox schemas (the vine spec, identities,
 * signup) so a route rejects exactly what the service would; outputs describe what the services
 * answer. Output-only schemas may use JSON Schema that TypeBox's compiler does not check
 * (`type: ['string', 'null']`): they only drive serialization and the OpenAPI document.
 * A `title` marks a schema the OpenAPI document names under `components.schemas`.
 */
import { Type, type TSchema } from '@sinclair/typebox';
import { VineSpecSchema } from '../../domain/vines/spec-schema.js';
import { StageSchema } from '../../domain/vines/stage.js';
import { VineStatus } from '../../domain/vines/status.js';
import { ComponentStatus } from '../../domain/components/status.js';
import { COMPONENT_KINDS } from '../../domain/components/catalogue.js';
import { JobStatus, JOB_TYPES } from '../../domain/jobs/status.js';
import { IDENTITY_INPUT_SCHEMAS, PROVIDERS } from '../../domain/identities/schema.js';
import { PASSWORD_MAX, PASSWORD_MIN, SignupSchema, TokenInputSchema } from '../../domain/users/service.js';
import { DESCRIPTION_MAX } from '../../domain/vineyards/service.js';
import { DISPLAY_NAME_RULE } from '../../domain/validation.js';

const literals = <T extends string>(values: readonly T[], opts: object = {}) => Type.Union(values.map((v) => Type.Literal(v)), opts);
/** Output-only: a timestamp (a Date, serialized as ISO 8601). */
const DateTime = Type.Unsafe<Date | string>({ type: 'string', format: 'date-time' });
const NullableDateTime = Type.Unsafe<Date | string | null>({ type: ['string', 'null'], format: 'date-time' });
const NullableString = Type.Unsafe<string | null>({ type: ['string', 'null'] });
const NullableInteger = Type.Unsafe<number | null>({ type: ['integer', 'null'] });
const FreeObject = (description: string) => Type.Object({}, { additionalProperties: true, description });
const Uuid = Type.String({ format: 'uuid' });

export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100, description: 'the object’s id (a UUID)' }) });
export const NameParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 200, description: 'the object’s name' }) });

export const PageQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, description: 'items per page (default 50)' })),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 500, description: 'the `next_cursor` of the previous page' })),
  },
  { additionalProperties: false },
);

/** A page of a list: stable order; `next_cursor` is null on the last page. */
export const Page = <T extends TSchema>(item: T, title: string) =>
  Type.Object({ items: Type.Array(item), next_cursor: NullableString }, { title, additionalProperties: false });

export const Problem = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    errors: Type.Optional(Type.Array(Type.Object({ field: Type.String(), message: Type.String() }), { description: 'per-field validation errors' })),
  },
  { title: 'Problem', description: 'RFC 9457 problem details (application/problem+json)' },
);

export const User = Type.Object(
  { id: Uuid, email: Type.String(), display_name: NullableString, created_at: DateTime },
  { title: 'User' },
);

export const SignupBody = Type.Object({ ...SignupSchema.properties }, { additionalProperties: false, title: 'SignupInput' });

export const ApiToken = Type.Object(
  {
    id: Uuid,
    name: Type.String(),
    prefix: Type.String({ description: 'the first characters of the token, to tell tokens apart' }),
    last_used_at: NullableDateTime,
    expires_at: NullableDateTime,
    revoked_at: NullableDateTime,
    created_at: DateTime,
  },
  { title: 'ApiToken' },
);

export const TokenBody = Type.Object(
  {
    email: Type.String({ minLength: 1, maxLength: 254 }),
    password: Type.String({ minLength: 1, maxLength: PASSWORD_MAX, description: `the account’s password (${PASSWORD_MIN} to ${PASSWORD_MAX} characters)` }),
    ...TokenInputSchema.properties,
  },
  { additionalProperties: false, title: 'TokenInput' },
);

export const TokenCreated = Type.Object(
  { ...ApiToken.properties, token: Type.String({ description: 'the token itself: shown this once, only its hash is stored' }), user: User },
  { title: 'TokenCreated' },
);

export const Me = Type.Object({ user: User, token: ApiToken }, { title: 'Me' });

const vineCounts = Object.fromEntries(Object.values(VineStatus).map((s) => [s, Type.Integer()]));
export const Vineyard = Type.Object(
  {
    id: Uuid,
    name: Type.String(),
    description: Type.String(),
    vine_count: Type.Integer(),
    vines_by_status: Type.Object(vineCounts),
    created_at: DateTime,
    updated_at: DateTime,
  },
  { title: 'Vineyard' },
);

const VineyardName = Type.String({ minLength: 1, maxLength: 200, description: DISPLAY_NAME_RULE });
const Description = Type.String({ maxLength: DESCRIPTION_MAX * 2, description: `at most ${DESCRIPTION_MAX} characters` });
export const VineyardCreate = Type.Object({ name: VineyardName, description: Type.Optional(Description) }, { additionalProperties: false, title: 'VineyardInput' });
export const VineyardPatch = Type.Object(
  { name: Type.Optional(VineyardName), description: Type.Optional(Description) },
  { additionalProperties: false, title: 'VineyardPatch' },
);

export const VineSpec = Type.Object({ ...VineSpecSchema.properties }, { additionalProperties: false, title: 'VineSpec', description: 'everything a vine is: the document `grape plant -f` reads' });

const kindNames = COMPONENT_KINDS.map((k) => k.kind);
export const Vine = Type.Object(
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
    options: FreeObject('terraform/local test knobs'),
    error: NullableString,
    name_prefix: Type.String({ description: 'the prefix of every cloud resource name' }),
    state_path: Type.String(),
    created_at: DateTime,
    updated_at: DateTime,
  },
  { title: 'Vine' },
);

export const Component = Type.Object(
  {
    id: Uuid,
    kind: literals(kindNames),
    name: Type.String(),
    status: literals(Object.values(ComponentStatus)),
    outputs: FreeObject('what Terraform reported: endpoints, ARNs …'),
    error: NullableString,
    removed_at: NullableDateTime,
    created_at: DateTime,
    updated_at: DateTime,
  },
  { title: 'Component', description: 'a component’s state; its settings are in the spec beside it (the same kind and name)' },
);

const SpecItem = FreeObject('one component: its name and every setting');
const NullableItem = Type.Unsafe<Record<string, unknown> | null>({ type: ['object', 'null'], additionalProperties: true });
/** The spec as stored: every field filled in, secrets as `value: null` + `has_value`. */
export const VineSpecDocument = Type.Object(
  {
    name: Type.String(),
    stage: StageSchema,
    identity: Type.String(),
    options: FreeObject('terraform/local test knobs'),
    ...Object.fromEntries(COMPONENT_KINDS.map((k) => [k.kind, k.singleton ? NullableItem : Type.Array(SpecItem)])),
  },
  { title: 'VineSpecDocument' },
);

export const VineDetail = Type.Object({ vine: Vine, spec: VineSpecDocument, components: Type.Array(Component) }, { title: 'VineDetail' });

export const VineDiff = Type.Object(
  {
    changed: Type.Boolean(),
    vine: Type.Object({ changedFields: Type.Array(Type.String()) }),
    components: Type.Array(
      Type.Object({
        kind: literals(kindNames),
        name: Type.String(),
        action: literals(['create', 'update', 'delete', 'none']),
        changedFields: Type.Array(Type.String()),
        status: Type.Unsafe<string | null>({ type: ['string', 'null'] }),
      }),
    ),
  },
  { title: 'VineDiff' },
);

export const VineReplaced = Type.Object({ diff: VineDiff, vine: VineDetail }, { title: 'VineReplaced' });

export const VineListQuery = Type.Object(
  { ...PageQuery.properties, vineyard: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'only this vineyard’s vines (its id or name)' })) },
  { additionalProperties: false },
);
export const VineByNameParams = Type.Object({ vineyard: Type.String({ minLength: 1, maxLength: 200 }), vine: Type.String({ minLength: 1, maxLength: 200 }) });
export const StageQuery = Type.Object({ stage: Type.Optional(StageSchema) }, { additionalProperties: false });

export const Job = Type.Object(
  {
    id: Uuid,
    vine_id: Type.Unsafe<string | null>({ type: ['string', 'null'], format: 'uuid' }),
    identity_id: Type.Unsafe<string | null>({ type: ['string', 'null'], format: 'uuid' }),
    type: literals(JOB_TYPES),
    status: literals(Object.values(JobStatus)),
    previous_vine_status: NullableString,
    plan_job_id: Type.Unsafe<string | null>({ type: ['string', 'null'], format: 'uuid' }),
    config_version: NullableInteger,
    tendril_id: Type.Unsafe<string | null>({ type: ['string', 'null'], format: 'uuid' }),
    error: NullableString,
    result: Type.Unsafe<Record<string, unknown> | null>({ type: ['object', 'null'], additionalProperties: true, description: 'plan summary and cost, connection-test findings …' }),
    queued_at: DateTime,
    claimed_at: NullableDateTime,
    processing_at: NullableDateTime,
    finished_at: NullableDateTime,
    cancel_requested_at: NullableDateTime,
    created_at: DateTime,
    updated_at: DateTime,
  },
  { title: 'Job' },
);

export const VineJobBody = Type.Object(
  {
    type: literals(['PLAN', 'DEPLOY', 'DESTROY', 'BOOTSTRAP'] as const, { description: 'DEPLOY is a harvest' }),
    planJobId: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'DEPLOY only: apply exactly this successful PLAN' })),
  },
  { additionalProperties: false, title: 'JobInput' },
);

export const LogLine = Type.Object(
  { seq: Type.Integer(), stream: literals(['stdout', 'stderr', 'system']), level: literals(['debug', 'info', 'warn', 'error']), line: Type.String(), created_at: DateTime },
  { title: 'LogLine' },
);
export const LogQuery = Type.Object(
  {
    after: Type.Optional(Type.Integer({ minimum: 0, description: 'only lines with a greater seq (SSE: Last-Event-ID wins)' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 5000, description: 'lines per page (default 1000)' })),
  },
  { additionalProperties: false },
);
export const LogPage = Type.Object(
  {
    job_id: Uuid,
    status: literals(Object.values(JobStatus)),
    lines: Type.Array(LogLine),
    next_after: Type.Integer({ description: 'pass as `after` for the next page' }),
    done: Type.Boolean({ description: 'the job has finished and this page holds its last line' }),
  },
  { title: 'LogPage' },
);

export const Identity = Type.Object(
  {
    id: Uuid,
    name: Type.String(),
    provider: literals(PROVIDERS),
    config: FreeObject('non-secret settings (region, roleArn, projectId …)'),
    hasCredentials: Type.Boolean(),
    last_test_status: Type.Unsafe<string | null>({ type: ['string', 'null'], enum: ['SUCCESS', 'FAILED', null] }),
    last_test_message: NullableString,
    last_tested_at: NullableDateTime,
    created_at: DateTime,
    updated_at: DateTime,
  },
  { title: 'Identity' },
);

/** One of the providers' inputs, told apart by `provider` (the API checks the branch it names). */
export const IdentityCreate = Type.Union(
  PROVIDERS.map((p) => IDENTITY_INPUT_SCHEMAS[p]),
  { title: 'IdentityInput', description: 'flat: `{ name, provider, …that provider’s fields }`; secrets are sealed and never returned' },
);

export const Tendril = Type.Object(
  {
    id: Uuid,
    name: Type.String(),
    host: Type.String(),
    pid: Type.Integer(),
    version: Type.String(),
    terraform_version: NullableString,
    concurrency: Type.Integer(),
    in_process: Type.Boolean(),
    status: literals(['RUNNING', 'STOPPED', 'DEAD']),
    running_jobs: Type.Integer(),
    started_at: DateTime,
    last_seen_at: DateTime,
    stopped_at: NullableDateTime,
  },
  { title: 'Tendril' },
);

/** Error answers every authenticated route may give, for the OpenAPI document and serialization. */
export const problems = (...codes: number[]) => Object.fromEntries(codes.map((c) => [c, Problem]));

/** 204: nothing in the body. */
export const NoContent = Type.Null({ description: 'no content' });
