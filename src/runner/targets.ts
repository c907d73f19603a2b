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

/** The AWS services terraform/aws (and `aws eks get-token`) calls, as the SDKs' endpoint variables name them. */
export const AWS_SERVICES = ['CLOUDWATCH_LOGS', 'DYNAMODB', 'EC2', 'ECR', 'EKS', 'ELASTICACHE', 'IAM', 'KMS', 'RDS', 'ROUTE_53', 'SECRETS_MANAGER', 'SNS', 'SQS', 'STS'];

/**
 * The google provider's default base path of each service terraform/gcp uses (provider 6.50). An
 * identity's endpoint takes the place of their scheme and host — one URL serving every API by its
 * path, as the identity's own checks expect — through GOOGLE_<SERVICE>_CUSTOM_ENDPOINT.
 */
export const GOOGLE_BASE_PATHS: Record<string, string> = {
  ARTIFACT_REGISTRY: 'https://artifactregistry.googleapis.com/v1/',
  CLOUD_RESOURCE_MANAGER: 'https://cloudresourcemanager.googleapis.com/v1/',
  COMPUTE: 'https://compute.googleapis.com/compute/v1/',
  CONTAINER: 'https://container.googleapis.com/v1/',
  DNS: 'https://dns.googleapis.com/dns/v1/',
  FIRESTORE: 'https://firestore.googleapis.com/v1/',
  IAM: 'https://iam.googleapis.com/v1/',
  MEMCACHE: 'https://memcache.googleapis.com/v1/',
  MEMORYSTORE: 'https://memorystore.googleapis.com/v1/',
  NETWORK_CONNECTIVITY: 'https://networkconnectivity.googleapis.com/v1/',
  PUBSUB: 'https://pubsub.googleapis.com/v1/',
  REDIS: 'https://redis.googleapis.com/v1/',
  RESOURCE_MANAGER: 'https://cloudresourcemanager.googleapis.com/v1/',
  SECRET_MANAGER: 'https://secretmanager.googleapis.com/v1/',
  SERVICE_NETWORKING: 'https://servicenetworking.googleapis.com/v1/',
  SQL: 'https://sqladmin.googleapis.com/sql/v1beta4/',
};

function googleEndpoints(endpoint: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [service, base] of Object.entries(GOOGLE_BASE_PATHS)) env[`GOOGLE_${service}_CUSTOM_ENDPOINT`] = `${endpoint}${new URL(base).pathname}`;
  return env;
}

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
      if (i.config.endpoint) {
        // The SDKs' global endpoint variable, and each service's own (which take precedence in
        // the AWS provider and the AWS CLI) for every service terraform/aws calls.
        env.AWS_ENDPOINT_URL = str(i.config.endpoint);
        for (const service of AWS_SERVICES) env[`AWS_ENDPOINT_URL_${service}`] = str(i.config.endpoint);
      }
      const creds = i.credentials;
      if (i.config.role_arn) {
        if (!assumeAwsRole) throw new Error('this Tendril cannot assume AWS roles');
        // Short-lived credentials of the role (with its external id): the long-lived keys, if any, never reach Terraform.
        const role = await assumeAwsRole(i);
        Object.assign(env, { AWS_ACCESS_KEY_ID: role.accessKeyId, AWS_SECRET_ACCESS_KEY: role.secretAccessKey, AWS_SESSION_TOKEN: role.sessionToken });
        return { env, secrets: [role.secretAccessKey, role.sessionToken, ...secretsOf(creds)] };
      }
      if (creds) Object.assign(env, { AWS_ACCESS_KEY_ID: str(creds.access_key_id), AWS_SECRET_ACCESS_KEY: str(creds.secret_access_key) });
      return { env, secrets: secretsOf(creds) };
    },
  },
  gcp: {
    module: 'gcp',
    knobs: false,
    region: (i) => str(i.config.region) || 'us-central1',
    async access(i) {
      let key = str(i.credentials?.service_account_key);
      const endpoint = str(i.config.endpoint).replace(/\/+$/, '');
      const env: Record<string, string> = { GOOGLE_PROJECT: str(i.config.project_id), GOOGLE_REGION: str(i.config.region) || 'us-central1' };
      if (endpoint) Object.assign(env, googleEndpoints(endpoint));
      // A pool's Tendril with no key: the provider's application default credentials, the
      // service account of the machine it runs on (its metadata server).
      if (!key && i.ambient) return { env, secrets: [] };
      const secrets = [key];
      try {
        const parsed = JSON.parse(key) as { private_key?: unknown; token_uri?: unknown };
        if (typeof parsed.private_key === 'string') secrets.push(parsed.private_key, JSON.stringify(parsed.private_key).slice(1, -1));
        // The key's token_uri is where Google's libraries trade it for tokens: the identity's
        // endpoint, as for the identity's own checks (src/cloud/gcp).
        if (endpoint) {
          key = JSON.stringify({ ...parsed, token_uri: `${endpoint}/token` });
          secrets.push(key);
        }
      } catch {
        // not JSON: the whole value is redacted all the same
      }
      env.GOOGLE_CREDENTIALS = key;
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
      // azurerm reads a custom cloud's endpoints (Entra ID, Resource Manager) from
      // https://<metadata host>/metadata/endpoints: the identity's endpoint serves them.
      if (i.config.endpoint) env.ARM_METADATA_HOSTNAME = new URL(str(i.config.endpoint)).host;
      if (!i.credentials?.client_secret && i.ambient) {
        // A pool's Tendril with no secret: the managed identity of the machine it runs on (the
        // user-assigned one its client id names, else the system-assigned one).
        delete env.ARM_CLIENT_SECRET;
        if (!env.ARM_CLIENT_ID) delete env.ARM_CLIENT_ID;
        env.ARM_USE_MSI = 'true';
      }
      return { env, secrets: secretsOf(i.credentials) };
    },
  },
};

export const targetFor = (identity: Pick<JobIdentity, 'provider'>): Target => TARGETS[identity.provider];
