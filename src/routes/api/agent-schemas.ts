/**
 * The agent API's own shapes (src/routes/api/agent.ts): what a remote Tendril sends and gets.
 * Resources are the domain's declarations where one exists (a job is JobSchema, with its lease's
 * epoch); the rest is the protocol. snake_case throughout, like every /api/v1 answer.
 */
import { Type } from '@sinclair/typebox';
import { JobSchema, LogLevelSchema, LogStreamSchema } from '../../domain/jobs/schema.js';
import { ComponentStatus } from '../../domain/components/status.js';
import { KIND_NAMES } from '../../domain/components/catalogue.js';
import { VineStatus } from '../../domain/vines/status.js';
import { StageSchema } from '../../domain/vines/stage.js';
import { PROVIDERS } from '../../domain/identities/schema.js';
import { DateTime, FreeObject, literals, NullableDateTime, NullableInteger, NullableObject, NullableString, Uuid } from '../../domain/schema.js';

/** The longest a claim or a cancel watch is held open (seconds): under every proxy's idle timeout. */
export const LONG_POLL_MAX_SECONDS = 25;
/** Per-job requests carry the job's credential and the lease epoch of the run (headers). */
export const JOB_TOKEN_HEADER = 'x-vintner-job-token';
export const LEASE_EPOCH_HEADER = 'x-vintner-lease-epoch';

const Id = Type.String({ minLength: 1, maxLength: 100 });
const Ids = Type.Array(Id, { maxItems: 64 });
const Wait = Type.Optional(Type.Integer({ minimum: 0, maximum: LONG_POLL_MAX_SECONDS, description: `how long to hold the request open when there is nothing to answer yet (default ${LONG_POLL_MAX_SECONDS})` }));
const Bytes = (description: string, maxLength: number) => Type.String({ maxLength, pattern: '^[A-Za-z0-9+/]*={0,2}$', description: `${description}, base64` });
const Json = Type.Record(Type.String(), Type.Unknown());
const NullableJson = Type.Union([Json, Type.Null()]);

export const AgentHello = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    host: Type.String({ minLength: 1, maxLength: 255 }),
    pid: Type.Integer({ minimum: 0, maximum: 2147483647 }),
    version: Type.String({ minLength: 1, maxLength: 100, description: 'Vintner’s version on the Tendril' }),
    terraform_version: Type.String({ minLength: 1, maxLength: 100 }),
    location: Type.Optional(Type.String({ maxLength: 500, description: 'where it runs, as it says (an ECS task, a host, a region …)' })),
    concurrency: Type.Integer({ minimum: 1, maximum: 64 }),
  },
  { additionalProperties: false, title: 'AgentHello' },
);

export const AgentRegistered = Type.Object(
  {
    id: Uuid,
    name: Type.String(),
    pool_id: Uuid,
    heartbeat_seconds: Type.Integer({ description: 'heartbeat (and lease renewal) every this many seconds' }),
    dead_after_seconds: Type.Integer({ description: 'D, a lease’s length: without a renewal for D/2 the Tendril stops its Terraform itself' }),
    long_poll_seconds: Type.Integer(),
  },
  { title: 'AgentRegistered' },
);

export const AgentHeartbeat = Type.Object(
  { leases: Type.Array(Type.Object({ job_id: Id, epoch: Type.Integer({ minimum: 0 }) }, { additionalProperties: false }), { maxItems: 64, description: 'the leases of the jobs it runs' }) },
  { additionalProperties: false, title: 'AgentHeartbeat' },
);
export const AgentHeartbeatAnswer = Type.Object(
  {
    held: Type.Array(Uuid, { description: 'the jobs whose lease was renewed; a job missing here was taken away: stop its run' }),
    cancelled: Type.Array(Uuid, { description: 'jobs a user asked to cancel: SIGINT to their Terraform' }),
    revived: Type.Boolean({ description: 'the Tendril had been declared dead (its jobs were failed) and is back' }),
  },
  { title: 'AgentHeartbeatAnswer' },
);

export const AgentClaimBody = Type.Object(
  { holding: Type.Optional(Ids), wait_seconds: Wait },
  { additionalProperties: false, title: 'AgentClaimRequest' },
);
export const AgentJob = Type.Object(
  { ...JobSchema.properties, lease_epoch: Type.Integer({ description: 'the epoch of this run’s lease: every later request about the job carries it' }) },
  { title: 'AgentJob' },
);
export const AgentClaim = Type.Object(
  {
    job: AgentJob,
    job_token: Type.String({ description: 'the job’s own credential (basic auth of the state backend; X-Vintner-Job-Token): shown this once, only its hash is stored' }),
    last_seq: Type.Integer({ description: 'the job’s last stored log line (its lines continue after it)' }),
    lease_seconds: Type.Integer(),
  },
  { title: 'AgentClaim' },
);

export const AgentCancelsBody = Type.Object({ jobs: Ids, wait_seconds: Wait }, { additionalProperties: false, title: 'AgentCancelsRequest' });
export const AgentCancels = Type.Object({ cancelled: Type.Array(Uuid) }, { title: 'AgentCancels' });

export const AgentIdentity = Type.Object(
  {
    id: Uuid,
    name: Type.String(),
    provider: literals(PROVIDERS),
    config: FreeObject('its settings (region, role …)'),
    credentials: NullableObject('its secrets, opened for this job only; null when it stores none'),
    ambient: Type.Boolean({ description: 'the identity takes its credentials from the pool’s Tendrils (credentials_from_pool): Terraform and the cloud checks use this Tendril’s own cloud role' }),
  },
  { title: 'AgentIdentity' },
);

export const AgentComponent = Type.Object(
  {
    id: Uuid,
    vine_id: Uuid,
    kind: literals(KIND_NAMES),
    name: Type.String(),
    settings: FreeObject('its settings; a secret field holds a placeholder when set (its value is in `secret_values`)'),
    status: literals(Object.values(ComponentStatus)),
    outputs: FreeObject('what Terraform reported'),
    error: NullableString,
    applied_settings: NullableObject('the settings last applied'),
    removed_at: NullableDateTime,
    created_at: DateTime,
    updated_at: DateTime,
  },
  { title: 'AgentComponent' },
);

export const AgentVineFacts = Type.Object(
  {
    vine: Type.Object({
      id: Uuid,
      name: Type.String(),
      stage: StageSchema,
      status: literals(Object.values(VineStatus)),
      config_version: Type.Integer(),
      options: FreeObject('sandbox knobs'),
      vineyard_name: Type.String(),
    }),
    identity: AgentIdentity,
    components: Type.Array(AgentComponent),
    secret_values: FreeObject('each secret component’s value, opened for this job only, by component name'),
  },
  { title: 'AgentVineFacts' },
);

export const AgentStates = Type.Object(
  { states: Type.Array(Type.Object({ key: Type.String(), name: Type.String(), serial: Type.Integer() })) },
  { title: 'AgentStates' },
);

export const AgentPlan = Type.Object(
  { id: Uuid, config_version: NullableInteger, summary: NullableObject('the plan’s change summary'), file: Type.String({ description: 'the plan file, base64 (opened for this job)' }) },
  { title: 'AgentPlan' },
);

export const AgentLogBatch = Type.Object(
  {
    lines: Type.Array(
      Type.Object(
        { seq: Type.Integer({ minimum: 1, maximum: 2147483647 }), stream: LogStreamSchema, level: LogLevelSchema, line: Type.String({ maxLength: 20_000 }) },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 2000 },
    ),
  },
  { additionalProperties: false, title: 'AgentLogBatch' },
);
export const AgentLogStored = Type.Object({ stored: Type.Integer({ description: 'lines new to the store (a batch sent again stores none twice)' }) }, { title: 'AgentLogStored' });

const ComponentPatchFields = {
  outputs: Type.Optional(Json),
  error: Type.Optional(Type.Union([Type.String({ maxLength: 100_000 }), Type.Null()])),
  applied_settings: Type.Optional(NullableJson),
};
export const AgentComponentTransition = Type.Object({ to: literals(Object.values(ComponentStatus)), ...ComponentPatchFields }, { additionalProperties: false, title: 'AgentComponentTransition' });
export const AgentComponentPatch = Type.Object(ComponentPatchFields, { additionalProperties: false, title: 'AgentComponentPatch' });
export const AgentComponentStatus = Type.Object({ status: literals(Object.values(ComponentStatus)) }, { title: 'AgentComponentStatus' });
export const ComponentParams = Type.Object({ id: Id, kind: literals(KIND_NAMES), component_id: Id });

export const AgentTestResult = Type.Object({ status: literals(['SUCCESS', 'FAILED'] as const), message: Type.String({ maxLength: 10_000 }) }, { additionalProperties: false, title: 'AgentTestResult' });
export const AgentDiscovered = Type.Object(
  {
    resources: Type.Array(
      Type.Object(
        {
          kind: Type.String({ minLength: 1, maxLength: 50 }),
          external_id: Type.String({ minLength: 1, maxLength: 2000 }),
          name: Type.Union([Type.String({ maxLength: 2000 }), Type.Null()]),
          region: Type.Union([Type.String({ maxLength: 200 }), Type.Null()]),
          data: Json,
        },
        { additionalProperties: false },
      ),
      { maxItems: 100_000 },
    ),
  },
  { additionalProperties: false, title: 'AgentDiscovered' },
);

const STATE_MAX = 90 * 1024 * 1024;
export const AgentState = Type.Object({ state: Bytes('a Terraform state', STATE_MAX) }, { additionalProperties: false, title: 'AgentStateUpload' });
export const AgentSalvage = Type.Object(
  { state: Bytes('the errored.tfstate found in a dead run’s work directory', STATE_MAX), tendril_id: Type.Optional(Id) },
  { additionalProperties: false, title: 'AgentSalvage' },
);
export const AgentSalvaged = Type.Object(
  { outcome: literals(['current', 'already', 'kept', 'not-kept'] as const), description: Type.String() },
  { title: 'AgentSalvaged' },
);
export const AgentKeptState = Type.Object({ state: Type.Union([Type.String({ description: 'base64' }), Type.Null()]) }, { title: 'AgentKeptState' });

export const AgentFinish = Type.Object(
  {
    status: literals(['SUCCESS', 'FAILED', 'CANCELLED'] as const),
    error: Type.Optional(Type.String({ maxLength: 100_000 })),
    result: Type.Optional(Json),
    plan_file: Type.Optional(Bytes('a PLAN’s plan file (stored sealed)', STATE_MAX)),
  },
  { additionalProperties: false, title: 'AgentFinish' },
);
