/**
 * Cloud identities: one input schema per provider and the one output schema. Inputs are flat and
 * snake_case: `{ name, provider: 'aws', region, role_arn, external_id }`. Each provider's fields
 * split into `config` (stored in clear, shown to the user) and secret parts (sealed into
 * `credentials_encrypted`, never returned).
 */
import { Type, type Static, type TObject } from '@sinclair/typebox';
import { DateTime, FreeObject, literals, NullableDateTime, NullableString, snakeCase, Uuid } from '../schema.js';
import { IdentityTestStatus } from './status.js';

export const PROVIDERS = ['local', 'aws', 'gcp', 'azure'] as const;
export type Provider = (typeof PROVIDERS)[number];
export type CloudProvider = Exclude<Provider, 'local'>;

export const IDENTITY_NAME_RULE = 'lowercase letters, digits and hyphens, 1 to 40 characters, starting and ending with a letter or digit';
export const IdentityName = Type.String({
  minLength: 1,
  maxLength: 40,
  pattern: '^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$',
  description: IDENTITY_NAME_RULE,
});

const Endpoint = Type.String({
  maxLength: 500,
  pattern: '^https?://[^\\s/?#]+[^\\s]*$',
  description: 'an http(s) URL of a custom endpoint (e.g. a LocalStack-style emulator)',
});
const GUID = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
const Guid = (what: string) => Type.String({ pattern: GUID, description: `${what} (a GUID)` });
const Region = (description: string) => Type.String({ minLength: 2, maxLength: 64, pattern: '^[a-z][a-z0-9-]*[a-z0-9]$', description });

const UUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
/** A Tendril pool of the user's (its id), or null for none: the identity's jobs run only on that pool's Tendrils. */
export const PoolIdInput = Type.Union([Type.String({ pattern: UUID_PATTERN, description: 'a Tendril pool’s id (a UUID)' }), Type.Null()], {
  description: 'the Tendril pool whose Tendrils alone run this identity’s jobs (its id), or null: Vintner’s own Tendrils',
});
export const CREDENTIALS_FROM_POOL_RULE =
  'take the cloud credentials from the pool’s Tendrils (AWS: their task or instance role; GCP: workload identity, the metadata server’s service account; Azure: their managed identity) and store none; needs pool_id';
const CredentialsFromPool = Type.Boolean({ description: CREDENTIALS_FROM_POOL_RULE });

const base = { name: IdentityName, pool_id: Type.Optional(PoolIdInput) };
const cloudBase = { ...base, credentials_from_pool: Type.Optional(CredentialsFromPool) };

export const LocalIdentityInput = Type.Object({ ...base, provider: Type.Literal('local') }, { additionalProperties: false });

export const AwsIdentityInput = Type.Object(
  {
    ...cloudBase,
    provider: Type.Literal('aws'),
    region: Type.String({ pattern: '^[a-z]{2}(-[a-z]+)+-\\d{1,2}$', description: 'an AWS region such as eu-west-1' }),
    role_arn: Type.Optional(Type.String({ maxLength: 2048, pattern: '^arn:aws[a-z-]*:iam::\\d{12}:role/\\S+$', description: 'an IAM role ARN such as arn:aws:iam::123456789012:role/vintner' })),
    external_id: Type.Optional(Type.String({ minLength: 2, maxLength: 1224, pattern: '^[\\w+=,.@:/-]+$', description: 'an external id (letters, digits and +=,.@:/-_)' })),
    access_key_id: Type.Optional(Type.String({ minLength: 4, maxLength: 128, pattern: '^[A-Za-z0-9]+$', description: 'an access key id such as AKIA…' })),
    secret_access_key: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    endpoint: Type.Optional(Endpoint),
  },
  { additionalProperties: false },
);

export const GcpIdentityInput = Type.Object(
  {
    ...cloudBase,
    provider: Type.Literal('gcp'),
    project_id: Type.String({ pattern: '^[a-z][a-z0-9-]{4,28}[a-z0-9]$', description: 'a GCP project id such as my-project-123' }),
    region: Region('a GCP region such as europe-west1'),
    service_account_key: Type.Optional(Type.String({ minLength: 2, maxLength: 20000, description: 'the service-account key file (JSON); required unless credentials_from_pool' })),
    endpoint: Type.Optional(Endpoint),
  },
  { additionalProperties: false },
);

export const AzureIdentityInput = Type.Object(
  {
    ...cloudBase,
    provider: Type.Literal('azure'),
    tenant_id: Type.String({ maxLength: 253, pattern: `${GUID}|^[a-z0-9.-]+\\.[a-z]{2,}$`, description: 'a tenant id (GUID) or domain' }),
    client_id: Type.Optional(Guid('the application’s client id; required unless credentials_from_pool (then: a user-assigned managed identity’s client id, or none for the system-assigned one)')),
    client_secret: Type.Optional(Type.String({ minLength: 1, maxLength: 1000, description: 'the client secret’s Value; required unless credentials_from_pool' })),
    subscription_id: Guid('a subscription id'),
    region: Region('an Azure location such as westeurope'),
    endpoint: Type.Optional(Endpoint),
  },
  { additionalProperties: false },
);

export const IDENTITY_INPUT_SCHEMAS: Record<Provider, TObject> = {
  local: LocalIdentityInput,
  aws: AwsIdentityInput,
  gcp: GcpIdentityInput,
  azure: AzureIdentityInput,
};

export type LocalIdentityInput = Static<typeof LocalIdentityInput>;
export type AwsIdentityInput = Static<typeof AwsIdentityInput>;
export type GcpIdentityInput = Static<typeof GcpIdentityInput>;
export type AzureIdentityInput = Static<typeof AzureIdentityInput>;
export type IdentityInput = LocalIdentityInput | AwsIdentityInput | GcpIdentityInput | AzureIdentityInput;

/** Field names, per provider, that are secret: sealed, never returned. */
export const SECRET_FIELDS: Record<Provider, readonly string[]> = {
  local: [],
  aws: ['access_key_id', 'secret_access_key'],
  gcp: ['service_account_key'],
  azure: ['client_secret'],
};

/** The kinds of resources a cloud discovery finds; a vine's `existing_network_id` / `existing_zone_id` adopt one. */
export const RESOURCE_KINDS = ['network', 'subnet', 'dns_zone'] as const;
export type ResourceKind = (typeof RESOURCE_KINDS)[number];
export const ResourceKindSchema = literals(RESOURCE_KINDS, { description: 'network (VPC / VPC network / virtual network), subnet, or dns_zone' });

/** A discovered list older than this is marked stale (pages, the plant form, Grape). */
export const DISCOVERY_STALE_MS = 24 * 3600 * 1000;

/** One resource of an identity's last discovery (FETCH_RESOURCES, or the discovery after a successful CONNECTION_TEST). */
export const DiscoveredResourceSchema = Type.Object(
  {
    kind: Type.String({ description: 'network, subnet or dns_zone (the local sandbox lists its user’s Terraform states: state)' }),
    external_id: Type.String({ description: "the cloud's id (AWS vpc-…, GCP and Azure resource paths): what existing_network_id and existing_zone_id take" }),
    name: NullableString,
    region: NullableString,
    data: FreeObject('network: cidr_blocks, is_default; subnet: cidr, availability_zone (AWS) or region, network_id, public (AWS); dns_zone: domain_name, private, record_count'),
    discovered_at: DateTime,
  },
  { title: 'DiscoveredResource' },
);
export type DiscoveredResource = Static<typeof DiscoveredResourceSchema>;

/** What the identity's last discovery found, and when; null until one has run. */
export const DiscoverySummarySchema = Type.Object(
  {
    at: DateTime,
    job_id: Uuid,
    resources: Type.Integer({ description: 'how many were kept' }),
    kinds: Type.Record(Type.String(), Type.Integer(), { description: 'resources per kind' }),
    truncated: Type.Boolean({ description: 'the account had more than the Tendril keeps (CLOUD_MAX_RESOURCES)' }),
    message: Type.Unsafe<string | null>({ type: ['string', 'null'], description: 'when truncated: what was left out and how to see it all' }),
    stale: Type.Boolean({ description: 'older than a day' }),
  },
  { title: 'Discovery' },
);
export type DiscoverySummary = Static<typeof DiscoverySummarySchema>;

/** An identity as pages, the API and Grape see it: never a secret. */
export const IdentitySchema = Type.Object(
  {
    id: Uuid,
    name: Type.String(),
    provider: literals(PROVIDERS),
    config: FreeObject('non-secret settings (region, role_arn, project_id …; access_key_id_masked for AWS keys)'),
    has_credentials: Type.Boolean({ description: 'whether secret credentials are stored (never shown)' }),
    pool_id: Type.Unsafe<string | null>({ type: ['string', 'null'], format: 'uuid', description: 'the Tendril pool whose Tendrils alone run its jobs; null: Vintner’s own Tendrils' }),
    pool_name: NullableString,
    credentials_from_pool: Type.Boolean({ description: 'its cloud credentials come from the pool’s Tendrils (task role, workload identity, managed identity): nothing is stored' }),
    last_test_status: Type.Unsafe<IdentityTestStatus | null>({ type: ['string', 'null'], enum: [...Object.values(IdentityTestStatus), null] }),
    last_test_message: NullableString,
    last_tested_at: NullableDateTime,
    discovery: Type.Unsafe<DiscoverySummary | null>({ anyOf: [DiscoverySummarySchema, { type: 'null' }], description: 'the last discovery of the account’s networks, subnets and DNS zones; null until one ran' }),
    created_at: DateTime,
    updated_at: DateTime,
  },
  { title: 'Identity' },
);
export type Identity = Static<typeof IdentitySchema>;

/** PATCH of an identity: its pool, and where its credentials come from. Settings and secrets are not edited (delete and add again). */
export const IdentityPatchSchema = Type.Object(
  {
    pool_id: Type.Optional(PoolIdInput),
    credentials_from_pool: Type.Optional(
      Type.Boolean({ description: `${CREDENTIALS_FROM_POOL_RULE}. Turning it on deletes the stored credentials; turning it off needs an identity complete without them (an AWS role)` }),
    ),
  },
  { additionalProperties: false, title: 'IdentityPatch' },
);
export type IdentityPatch = Static<typeof IdentityPatchSchema>;

/** `AKIAIOSFODNN7EXAMPLE` → `AKIA…MPLE`; short values show nothing of themselves. */
export function maskKeyId(id: string): string {
  return id.length >= 12 ? `${id.slice(0, 4)}…${id.slice(-4)}` : '…';
}

/** A stored config or credentials object with today's field names (rows stored before the API became snake_case). */
export function currentFieldNames<T>(stored: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(stored).map(([k, v]) => [snakeCase(k), v]));
}

/** What a discovery finds, by kind, in words (pages and Grape): singular and plural. */
const RESOURCE_WORDS: Record<string, [string, string]> = {
  network: ['network', 'networks'],
  subnet: ['subnet', 'subnets'],
  dns_zone: ['DNS zone', 'DNS zones'],
  state: ['Terraform state', 'Terraform states'],
};

/** `{ network: 2, subnet: 1, dns_zone: 0 }` → "2 networks · 1 subnet · 0 DNS zones" (`empty` when nothing). */
export function resourceCounts(kinds: Record<string, number> | null | undefined, empty = 'nothing found'): string {
  const order = Object.keys(RESOURCE_WORDS);
  const rank = (k: string) => (order.includes(k) ? order.indexOf(k) : order.length);
  const parts = Object.entries(kinds ?? {})
    .sort(([a], [b]) => rank(a) - rank(b))
    .map(([k, n]) => `${n} ${(RESOURCE_WORDS[k] ?? [k, k])[n === 1 ? 0 : 1]}`);
  return parts.length ? parts.join(' · ') : empty;
}
