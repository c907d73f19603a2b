/**
 * Cloud identity input, one TypeBox schema per provider. Inputs are flat:
 * `{ name, provider: 'aws', region, roleArn, externalId }`. Each provider's fields split into
 * `config` (stored in clear, shown to the user) and secret parts (sealed into
 * `credentials_encrypted`, never returned).
 */
import { Type, type Static, type TObject } from '@sinclair/typebox';

export const PROVIDERS = ['local', 'aws', 'gcp', 'azure'] as const;
export type Provider = (typeof PROVIDERS)[number];
export const ProviderSchema = Type.Union(PROVIDERS.map((p) => Type.Literal(p)));

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
  description: 'an http(s) URL of a custom endpoint (e.g. a LocalStack-style fake)',
});
const GUID = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
const Guid = (what: string) => Type.String({ pattern: GUID, description: `${what} (a GUID)` });

const base = { name: IdentityName };

export const LocalIdentityInput = Type.Object({ ...base, provider: Type.Literal('local') }, { additionalProperties: false });

export const AwsIdentityInput = Type.Object(
  {
    ...base,
    provider: Type.Literal('aws'),
    region: Type.String({ pattern: '^[a-z]{2}(-[a-z]+)+-\\d{1,2}$', description: 'an AWS region such as eu-west-1' }),
    roleArn: Type.Optional(Type.String({ maxLength: 2048, pattern: '^arn:aws[a-z-]*:iam::\\d{12}:role/\\S+$', description: 'an IAM role ARN such as arn:aws:iam::123456789012:role/vintner' })),
    externalId: Type.Optional(Type.String({ minLength: 2, maxLength: 1224, pattern: '^[\\w+=,.@:/-]+$', description: 'an external id (letters, digits and +=,.@:/-_)' })),
    accessKeyId: Type.Optional(Type.String({ minLength: 4, maxLength: 128, pattern: '^[A-Za-z0-9]+$', description: 'an access key id such as AKIA…' })),
    secretAccessKey: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    endpoint: Type.Optional(Endpoint),
  },
  { additionalProperties: false },
);

export const GcpIdentityInput = Type.Object(
  {
    ...base,
    provider: Type.Literal('gcp'),
    projectId: Type.String({ pattern: '^[a-z][a-z0-9-]{4,28}[a-z0-9]$', description: 'a GCP project id such as my-project-123' }),
    serviceAccountKey: Type.String({ minLength: 2, maxLength: 20000, description: 'the service-account key file (JSON)' }),
    endpoint: Type.Optional(Endpoint),
  },
  { additionalProperties: false },
);

export const AzureIdentityInput = Type.Object(
  {
    ...base,
    provider: Type.Literal('azure'),
    tenantId: Type.String({ maxLength: 253, pattern: `${GUID}|^[a-z0-9.-]+\\.[a-z]{2,}$`, description: 'a tenant id (GUID) or domain' }),
    clientId: Guid('a client id'),
    clientSecret: Type.String({ minLength: 1, maxLength: 1000 }),
    subscriptionId: Guid('a subscription id'),
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
  aws: ['accessKeyId', 'secretAccessKey'],
  gcp: ['serviceAccountKey'],
  azure: ['clientSecret'],
};

/** `AKIAIOSFODNN7EXAMPLE` → `AKIA…MPLE`; short values show nothing of themselves. */
export function maskKeyId(id: string): string {
  return id.length >= 12 ? `${id.slice(0, 4)}…${id.slice(-4)}` : '…';
}
