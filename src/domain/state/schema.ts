/**
 * A vine's Terraform state versions as users see them (pages, the API, Grape): the one declaration
 * of each. Nothing here carries a value of the state — only its bookkeeping, the addresses of its
 * resources and the names of its outputs: attribute values may be secrets.
 */
import { Type, type Static } from '@sinclair/typebox';
import { DateTime, literals, NullableInteger, NullableString, NullableUuid } from '../schema.js';
import { JOB_TYPES } from '../jobs/status.js';

export const STATE_ORIGINS = ['job', 'restore', 'import'] as const;

export const StateVersionSchema = Type.Object(
  {
    version: Type.Integer({ minimum: 1, description: 'the version’s number in this vine’s history: 1 is the first state ever written' }),
    current: Type.Boolean({ description: 'this is the state Terraform reads now (the newest version)' }),
    serial: Type.Integer({ description: 'Terraform’s serial of the state' }),
    lineage: Type.String({ description: 'Terraform’s lineage of the state' }),
    resources: Type.Integer({ minimum: 0, description: 'resource instances in the state (what `terraform state list` lists)' }),
    deleted: Type.Boolean({ description: 'an empty version: Terraform deleted the state' }),
    origin: literals(STATE_ORIGINS, { description: 'job: written by a job’s Terraform; restore: a user restored an older version; import: moved over from the former pg backend' }),
    job_id: NullableUuid,
    job_type: Type.Unsafe<(typeof JOB_TYPES)[number] | null>({ type: ['string', 'null'], enum: [...JOB_TYPES, null], description: 'the type of the job that wrote it' }),
    tendril_id: NullableUuid,
    tendril_name: Type.Unsafe<string | null>({ ...NullableString, description: 'the Tendril whose Terraform wrote it' }),
    restored_from: Type.Unsafe<number | null>({ ...NullableInteger, description: 'origin restore: the version it restored' }),
    created_at: DateTime,
  },
  { title: 'StateVersion' },
);
export type StateVersion = Static<typeof StateVersionSchema>;

export const StateVersionDetailSchema = Type.Object(
  {
    ...StateVersionSchema.properties,
    terraform_version: Type.Unsafe<string | null>({ ...NullableString, description: 'the Terraform that wrote the state' }),
    resource_addresses: Type.Array(Type.String(), { description: 'every resource instance’s address (`terraform_data.databases["main"]`), never a value' }),
    output_names: Type.Array(Type.String(), { description: 'the names of the root module’s outputs, never a value' }),
  },
  { title: 'StateVersionDetail' },
);
export type StateVersionDetail = Static<typeof StateVersionDetailSchema>;
