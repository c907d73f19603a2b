/**
 * The Terraform target of each identity provider (terraform/<module>), and how Terraform reaches
 * that cloud: credentials, region and custom endpoints as environment variables of the one
 * Terraform process — never a file, a variable or a log line (terraform/CONTRACT.md).
 */
import type { Provider } from '../domain/identities/schema.js';
import type { JobIdentity } from './store.js';

export interface TargetAccess {
  env: Record<string, string>;
  /** Values to redact from every log line (keys, tokens, the whole key file). */
  secrets: string[];
}

export interface Target {
  /** The module under terraform/. */
  module: string;
  /** The sandbox's test knobs (`fail_components`, `apply_delay_seconds`) go to this target only. */
  knobs: boolean;
  /** The tfvars `region`. */
  region(identity: JobIdentity): string;
  access(identity: JobIdentity): Promise<TargetAccess>;
}

const str = (v: unknown) => (typeof v === 'string' ? v : '');
const secretsOf = (creds: Record<string, string> | null) => Object.values(creds ?? {}).filter((v) => v.length > 0);

/**
 * How a Tendril gets AWS credentials for an identity with a role: set by the runner's start-up
 * (src/cloud's STS AssumeRole with the external id); without it such identities cannot run.
 */
export type AwsRoleAssumer = (identity: JobIdentity) => Promise<{ accessKeyId: string; secretAccessKey: string; sessionToken: string }>;
let assumeAwsRole: AwsRoleAssumer | undefined;
export function setAwsRoleAssumer(fn: AwsRoleAssumer | undefined): void {
  assumeAwsRole = fn;
}

/** Where the AWS SDKs (and Terraform's provider) find a container's, a pod's or an instance's own role. */
const AWS_AMBIENT_ENV = [
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', 'AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_CONTAINER_AUTHORIZATION_TOKEN', 'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE',
  'AWS_WEB_IDENTITY_TOKEN_FILE', 'AWS_ROLE_ARN', 'AWS_ROLE_SESSION_NAME', 'ECS_CONTAINER_METADATA_URI_V4',
];

export const TARGETS: Record<Provider, Target> = {
  local: {
    module: 'local',
    knobs: true,
    region: () => 'local',
    access: async () => ({ env: {}, secrets: [] }),
  },
  aws: {
    module: 'aws',
    knobs: false,
    region: (i) => str(i.config.region),
    async access(i) {
      const env: Record<string, string> = { AWS_REGION: str(i.config.region), AWS_DEFAULT_REGION: str(i.config.region), AWS_EC2_METADATA_DISABLED: 'true' };
      if (i.config.endpoint) env.AWS_ENDPOINT_URL = str(i.config.endpoint);
      const creds = i.credentials;
      if (i.config.role_arn) {
        if (!assumeAwsRole) throw new Error('this Tendril cannot assume AWS roles');
        // Short-lived credentials of the role (with its external id): the long-lived keys, if any, never reach Terraform.
        const role = await assumeAwsRole(i);
        Object.assign(env, { AWS_ACCESS_KEY_ID: role.accessKeyId, AWS_SECRET_ACCESS_KEY: role.secretAccessKey, AWS_SESSION_TOKEN: role.sessionToken });
        return { env, secrets: [role.secretAccessKey, role.sessionToken, ...secretsOf(creds)] };
      }
      if (creds) Object.assign(env, { AWS_ACCESS_KEY_ID: str(creds.access_key_id), AWS_SECRET_ACCESS_KEY: str(creds.secret_access_key) });
      else if (i.ambient) {
        // A pool's Tendril in the customer's account: its own role (ECS task role, web identity,
        // instance profile) is the identity's. Terraform's environment is otherwise scrubbed.
        delete env.AWS_EC2_METADATA_DISABLED;
        for (const k of AWS_AMBIENT_ENV) if (process.env[k]) env[k] = process.env[k]!;
      }
      return { env, secrets: secretsOf(creds) };
    },
  },
  gcp: {
    module: 'gcp',
    knobs: false,
    region: (i) => str(i.config.region) || 'us-central1',
    async access(i) {
      const key = str(i.credentials?.service_account_key);
      const env: Record<string, string> = { GOOGLE_PROJECT: str(i.config.project_id), GOOGLE_REGION: str(i.config.region) || 'us-central1', GOOGLE_CREDENTIALS: key };
      const secrets = [key];
      try {
        const privateKey = (JSON.parse(key) as { private_key?: unknown }).private_key;
        if (typeof privateKey === 'string') secrets.push(privateKey, JSON.stringify(privateKey).slice(1, -1));
      } catch {
        // not JSON: the whole value is redacted all the same
      }
      return { env, secrets: secrets.filter(Boolean) };
    },
  },
  azure: {
    module: 'azure',
    knobs: false,
    region: (i) => str(i.config.region) || 'eastus',
    async access(i) {
      const env: Record<string, string> = {
        ARM_TENANT_ID: str(i.config.tenant_id),
        ARM_CLIENT_ID: str(i.config.client_id),
        ARM_CLIENT_SECRET: str(i.credentials?.client_secret),
        ARM_SUBSCRIPTION_ID: str(i.config.subscription_id),
      };
      return { env, secrets: secretsOf(i.credentials) };
    },
  },
};

export const targetFor = (identity: Pick<JobIdentity, 'provider'>): Target => TARGETS[identity.provider];
