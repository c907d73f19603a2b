/**
 * The JSON API's schemas. Resources are the domain's own declarations (src/domain/<x>/schema.ts:
 * one schema per resource, its type from `Static<>`, Grape reading the same type); inputs reuse
 * the domain's input schemas (the vine spec, identities, sign-up) so a route rejects exactly what
 * the service would. What is here is the API's own: paths, queries, pages, problems, bodies.
 * Every property name is snake_case. A `title` marks a schema the OpenAPI document names under
 * `components.schemas`.
 */
import { Type, type TSchema } from '@sinclair/typebox';
import { VineSpecSchema } from '../../domain/vines/spec-schema.js';
import { StageSchema } from '../../domain/vines/stage.js';
import { JobSchema, LogLineSchema } from '../../domain/jobs/schema.js';
import { JobStatus } from '../../domain/jobs/status.js';
import { IDENTITY_INPUT_SCHEMAS, PROVIDERS } from '../../domain/identities/schema.js';
import { PASSWORD_MAX, PASSWORD_MIN, SignupSchema, TokenInputSchema } from '../../domain/users/service.js';
import { ApiTokenSchema, UserSchema } from '../../domain/users/schema.js';
import { DESCRIPTION_MAX } from '../../domain/vineyards/service.js';
import { DISPLAY_NAME_RULE } from '../../domain/validation.js';
import { literals, NullableString } from '../../domain/schema.js';

export { JobSchema as Job, LogLineSchema as LogLine } from '../../domain/jobs/schema.js';
export { IdentitySchema as Identity } from '../../domain/identities/schema.js';
export { TendrilSchema as Tendril } from '../../domain/tendrils/schema.js';
export { PoolSchema as Pool, PoolTokenSchema as PoolToken, PoolTokenCreatedSchema as PoolTokenCreated, PoolTendrilSchema as PoolTendril, PoolCreateSchema as PoolCreate, PoolPatchSchema as PoolPatch, PoolTokenCreateSchema as PoolTokenCreate } from '../../domain/pools/schema.js';
export { IdentityPatchSchema as IdentityPatch } from '../../domain/identities/schema.js';
export { UserSchema as User, ApiTokenSchema as ApiToken } from '../../domain/users/schema.js';
export { VineyardSchema as Vineyard } from '../../domain/vineyards/schema.js';
export { VineSchema as Vine, ComponentSchema as Component, VineDetailSchema as VineDetail, VineDiffSchema as VineDiff, VineCreatedSchema as VineCreated, VineReplacedSchema as VineReplaced } from '../../domain/vines/schema.js';

export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100, description: 'the object’s id (a UUID)' }) });
export const PoolTokenParams = Type.Object({ ...IdParams.properties, token_id: Type.String({ minLength: 1, maxLength: 100, description: 'the token’s id (a UUID)' }) });
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

export const SignupBody = Type.Object({ ...SignupSchema.properties }, { additionalProperties: false, title: 'SignupInput' });

export const TokenBody = Type.Object(
  {
    email: Type.String({ minLength: 1, maxLength: 254 }),
    password: Type.String({ minLength: 1, maxLength: PASSWORD_MAX, description: `the account’s password (${PASSWORD_MIN} to ${PASSWORD_MAX} characters)` }),
    ...TokenInputSchema.properties,
  },
  { additionalProperties: false, title: 'TokenInput' },
);

export const TokenCreated = Type.Object(
  { ...ApiTokenSchema.properties, token: Type.String({ description: 'the token itself: shown this once, only its hash is stored' }), user: UserSchema },
  { title: 'TokenCreated' },
);

export const Me = Type.Object({ user: UserSchema, token: ApiTokenSchema }, { title: 'Me' });

const VineyardName = Type.String({ minLength: 1, maxLength: 200, description: DISPLAY_NAME_RULE });
const Description = Type.String({ maxLength: DESCRIPTION_MAX * 2, description: `at most ${DESCRIPTION_MAX} characters` });
export const VineyardCreate = Type.Object({ name: VineyardName, description: Type.Optional(Description) }, { additionalProperties: false, title: 'VineyardInput' });
export const VineyardPatch = Type.Object(
  { name: Type.Optional(VineyardName), description: Type.Optional(Description) },
  { additionalProperties: false, title: 'VineyardPatch' },
);

export const VineSpec = Type.Object({ ...VineSpecSchema.properties }, { additionalProperties: false, title: 'VineSpec', description: 'everything a vine is: the document `grape plant -f` reads' });


export const VineListQuery = Type.Object(
  { ...PageQuery.properties, vineyard: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'only this vineyard’s vines (its id or name)' })) },
  { additionalProperties: false },
);
export const VineByNameParams = Type.Object({ vineyard: Type.String({ minLength: 1, maxLength: 200 }), vine: Type.String({ minLength: 1, maxLength: 200 }) });
export const StageQuery = Type.Object({ stage: Type.Optional(StageSchema) }, { additionalProperties: false });

export const VineJobBody = Type.Object(
  {
    type: literals(['PLAN', 'DEPLOY', 'DESTROY', 'BOOTSTRAP'] as const, { description: 'DEPLOY is a harvest' }),
    plan_job_id: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'DEPLOY only: apply exactly this successful PLAN' })),
    recover_job_id: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'BOOTSTRAP only: push back the state Terraform could not save, kept with this failed job' })),
  },
  { additionalProperties: false, title: 'JobInput' },
);

export const LogQuery = Type.Object(
  {
    after: Type.Optional(Type.Integer({ minimum: 0, maximum: 2147483647, description: 'only lines with a greater seq (SSE: Last-Event-ID wins)' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 5000, description: 'lines per page (default 1000)' })),
  },
  { additionalProperties: false },
);
export const LogPage = Type.Object(
  {
    job_id: JobSchema.properties.id,
    status: literals(Object.values(JobStatus)),
    lines: Type.Array(LogLineSchema),
    next_after: Type.Integer({ description: 'pass as `after` for the next page' }),
    done: Type.Boolean({ description: 'the job has finished and this page holds its last line' }),
  },
  { title: 'LogPage' },
);

/** One of the providers' inputs, told apart by `provider` (the API checks the branch it names). */
export const IdentityCreate = Type.Union(
  PROVIDERS.map((p) => IDENTITY_INPUT_SCHEMAS[p]),
  { title: 'IdentityInput', description: 'flat: `{ name, provider, …that provider’s fields }`; secrets are sealed and never returned' },
);

/** Error answers every authenticated route may give, for the OpenAPI document and serialization. */
export const problems = (...codes: number[]) => Object.fromEntries(codes.map((c) => [c, Problem]));

/** 204: nothing in the body. */
export const NoContent = Type.Null({ description: 'no content' });
