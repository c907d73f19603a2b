/** A Tendril as stored and answered: the one declaration (see ../schema.ts). */
import { Type, type Static } from '@sinclair/typebox';
import { DateTime, literals, NullableDateTime, NullableString, Uuid } from '../schema.js';
import { TendrilStatus } from './status.js';

export const TendrilSchema = Type.Object(
  {
    id: Uuid,
    name: Type.String(),
    host: Type.String(),
    pid: Type.Integer(),
    version: Type.String(),
    terraform_version: NullableString,
    concurrency: Type.Integer(),
    in_process: Type.Boolean(),
    pool_id: Type.Unsafe<string | null>({ type: ['string', 'null'], format: 'uuid', description: 'the Tendril pool it belongs to; null: one of Vintner’s own' }),
    pool_name: NullableString,
    location: Type.Unsafe<string | null>({ type: ['string', 'null'], description: 'where it runs, as it reports it (a pool’s Tendril: an ECS task, a host …)' }),
    status: literals(Object.values(TendrilStatus)),
    running_jobs: Type.Integer({ description: 'jobs it holds now (claimed or running)' }),
    heartbeat_age_seconds: Type.Number({ description: 'seconds since its last heartbeat, by the database clock' }),
    started_at: DateTime,
    last_seen_at: DateTime,
    stopped_at: NullableDateTime,
  },
  { title: 'Tendril' },
);
export type Tendril = Static<typeof TendrilSchema>;
