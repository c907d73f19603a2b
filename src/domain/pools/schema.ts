/**
 * Tendril pools: a user's own group of Tendrils (typically running inside their cloud account),
 * the tokens those Tendrils authenticate with, and the identities whose jobs run only there. The
 * one declaration of each resource (see ../schema.ts); snake_case on the wire.
 */
import { Type, type Static } from '@sinclair/typebox';
import { DateTime, literals, NullableDateTime, NullableString, Uuid } from '../schema.js';
import { PROVIDERS } from '../identities/schema.js';
import { TendrilStatus } from '../tendrils/status.js';

export const POOL_NAME_RULE = 'lowercase letters, digits and hyphens, 1 to 40 characters, starting and ending with a letter or digit';
export const POOL_NAME_PATTERN = '^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$';
export const PoolName = Type.String({ minLength: 1, maxLength: 40, pattern: POOL_NAME_PATTERN, description: POOL_NAME_RULE });
export const POOL_DESCRIPTION_MAX = 500;
const PoolDescription = Type.String({ maxLength: POOL_DESCRIPTION_MAX, description: `what the pool is for, at most ${POOL_DESCRIPTION_MAX} characters` });

export const PoolCreateSchema = Type.Object({ name: PoolName, description: Type.Optional(PoolDescription) }, { additionalProperties: false, title: 'PoolInput' });
export const PoolPatchSchema = Type.Object(
  { name: Type.Optional(PoolName), description: Type.Optional(PoolDescription) },
  { additionalProperties: false, title: 'PoolPatch' },
);
export type PoolCreate = Static<typeof PoolCreateSchema>;
export type PoolPatch = Static<typeof PoolPatchSchema>;

export const TOKEN_NAME_MAX = 100;
export const PoolTokenCreateSchema = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: TOKEN_NAME_MAX, description: 'what the token is for, e.g. the machine or ECS service that uses it' }) },
  { additionalProperties: false, title: 'PoolTokenInput' },
);

/** An identity bound to a pool, as the pool lists it. */
export const PoolIdentitySchema = Type.Object(
  {
    id: Uuid,
    name: Type.String(),
    provider: literals(PROVIDERS),
    credentials_from_pool: Type.Boolean({ description: 'its cloud credentials come from the pool’s Tendrils (nothing stored)' }),
  },
  { title: 'PoolIdentity' },
);
export type PoolIdentity = Static<typeof PoolIdentitySchema>;

export const PoolSchema = Type.Object(
  {
    id: Uuid,
    name: Type.String(),
    description: Type.String(),
    tendrils_online: Type.Integer({ description: 'its Tendrils RUNNING now' }),
    running_jobs: Type.Integer({ description: 'jobs its Tendrils hold now (claimed or running)' }),
    active_tokens: Type.Integer({ description: 'tokens not revoked' }),
    identities: Type.Array(PoolIdentitySchema, { description: 'the identities bound to it: their jobs run only on its Tendrils' }),
    created_at: DateTime,
    updated_at: DateTime,
  },
  { title: 'Pool' },
);
export type Pool = Static<typeof PoolSchema>;

export const PoolTokenSchema = Type.Object(
  {
    id: Uuid,
    pool_id: Uuid,
    name: Type.String(),
    prefix: Type.String({ description: 'the token’s first characters, to tell tokens apart (the token itself is shown once)' }),
    last_used_at: NullableDateTime,
    revoked_at: NullableDateTime,
    created_at: DateTime,
  },
  { title: 'PoolToken' },
);
export type PoolToken = Static<typeof PoolTokenSchema>;

export const PoolTokenCreatedSchema = Type.Object(
  { ...PoolTokenSchema.properties, token: Type.String({ description: 'the token itself (TENDRIL_TOKEN of the pool’s Tendrils): shown this once, only its hash is stored' }) },
  { title: 'PoolTokenCreated' },
);
export type PoolTokenCreated = Static<typeof PoolTokenCreatedSchema>;

/** One of the pool's Tendrils: where it runs, when it was last heard of, what it does. */
export const PoolTendrilSchema = Type.Object(
  {
    id: Uuid,
    name: Type.String(),
    status: literals(Object.values(TendrilStatus)),
    location: Type.Unsafe<string | null>({ type: ['string', 'null'], description: 'where it runs, as it reports it (an ECS task, a host …)' }),
    host: Type.String(),
    version: Type.String(),
    terraform_version: NullableString,
    running_jobs: Type.Integer({ description: 'jobs it holds now (claimed or running)' }),
    concurrency: Type.Integer(),
    started_at: DateTime,
    last_seen_at: DateTime,
    heartbeat_age_seconds: Type.Number({ description: 'seconds since its last heartbeat, by the database clock' }),
  },
  { title: 'PoolTendril' },
);
export type PoolTendril = Static<typeof PoolTendrilSchema>;
