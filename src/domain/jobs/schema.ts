/** A job and its log lines, as stored and as answered: the one declaration of each (see ../schema.ts). */
import { Type, type Static } from '@sinclair/typebox';
import { DateTime, literals, NullableDateTime, NullableInteger, NullableObject, NullableString, NullableUuid, Uuid } from '../schema.js';
import { VineStatus } from '../vines/status.js';
import { JOB_TYPES, JobStatus } from './status.js';

export const JobSchema = Type.Object(
  {
    id: Uuid,
    vine_id: NullableUuid,
    identity_id: NullableUuid,
    pool_id: Type.Unsafe<string | null>({ ...NullableUuid, description: 'DEPLOY_WORKER / DESTROY_WORKER: the Tendril pool the job provisions' }),
    created_by: NullableUuid,
    type: literals(JOB_TYPES),
    status: literals(Object.values(JobStatus)),
    previous_vine_status: Type.Unsafe<VineStatus | null>({ type: ['string', 'null'], enum: [...Object.values(VineStatus), null] }),
    plan_job_id: NullableUuid,
    recover_job_id: Type.Unsafe<string | null>({ ...NullableUuid, description: 'BOOTSTRAP: the failed job whose kept state this one pushed back' }),
    config_version: NullableInteger,
    tendril_id: NullableUuid,
    error: NullableString,
    result: NullableObject('plan summary and cost, connection-test findings …'),
    params: NullableObject('DEPLOY_WORKER / DESTROY_WORKER: the settings the pool’s Tendrils are deployed with (image, size, network; nothing secret)'),
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
export type Job = Static<typeof JobSchema>;

/** Columns safe to hand to a page or the API: the schema's, never the (encrypted) plan file. */
export const JOB_FIELDS = Object.keys(JobSchema.properties) as Array<keyof Job>;

export const LogStreamSchema = literals(['stdout', 'stderr', 'system'] as const);
export const LogLevelSchema = literals(['debug', 'info', 'warn', 'error'] as const);
export type LogStream = Static<typeof LogStreamSchema>;
export type LogLevel = Static<typeof LogLevelSchema>;

export const LogLineSchema = Type.Object(
  { seq: Type.Integer(), stream: LogStreamSchema, level: LogLevelSchema, line: Type.String(), created_at: DateTime },
  { title: 'LogLine' },
);
export type StoredLogLine = Static<typeof LogLineSchema>;
