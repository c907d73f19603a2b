/**
 * The cloud side of an identity as the checks see it: snake_case, the config in clear and the
 * credentials unsealed. `endpoint`, when set, replaces every endpoint of that cloud (a local fake).
 */
export type CloudIdentity = AwsCloudIdentity | GcpCloudIdentity | AzureCloudIdentity;

export interface AwsCloudIdentity {
  provider: 'aws';
  config: { region: string; role_arn?: string; external_id?: string; endpoint?: string };
  /** null: the Tendril's own credentials (the default provider chain), to assume `role_arn` with. */
  credentials: { access_key_id: string; secret_access_key: string } | null;
}

export interface GcpCloudIdentity {
  provider: 'gcp';
  config: { project_id: string; region: string; endpoint?: string };
  /** null: the Tendril's own service account, from its machine's metadata server (credentials from the pool's Tendrils). */
  credentials: { service_account_key: string /* the JSON key file */ } | null;
}

export interface AzureCloudIdentity {
  provider: 'azure';
  /** `client_id`: the application's; with no credentials, a user-assigned managed identity's, or '' for the system-assigned one. */
  config: { tenant_id: string; client_id: string; subscription_id: string; region: string; endpoint?: string };
  /** null: the managed identity of the Tendril's machine (credentials from the pool's Tendrils). */
  credentials: { client_secret: string } | null;
}

export type CloudProvider = CloudIdentity['provider'];

/** How failures are retried: exponential backoff with jitter, or the server's Retry-After. */
export interface RetryOptions {
  /** Tries of one call, the first included (default 5). */
  attempts?: number;
  /** The first backoff step (default 500 ms); each later one doubles, up to maxDelayMs. */
  baseDelayMs?: number;
  /** The longest wait between two tries (default 8 s); a longer Retry-After ends the retries. */
  maxDelayMs?: number;
}

export interface CheckOptions {
  /** Cancels at once: the call under way is aborted and the check fails with `cancelled`. */
  signal?: AbortSignal;
  /** How long one HTTP call may take, connecting included (default 10 s). */
  timeoutMs?: number;
  /** Receives one line per step, for the job's log; never a secret. */
  log?: (line: string) => void;
  /** The most resources a discovery returns (default 5000). */
  maxResources?: number;
  retry?: RetryOptions;
}

export interface ConnectionReport {
  provider: CloudProvider;
  /** One line a person reads. */
  summary: string;
  /**
   * aws: account_id, arn, region, assumed_role?, credentials ('identity keys' | 'tendril');
   * gcp: project_id, project_number, service_account_email, region;
   * azure: subscription_id, subscription_name, state, tenant_id, region.
   */
  details: Record<string, string | number | boolean>;
}

export type ResourceKind = 'network' | 'subnet' | 'dns_zone';

export interface DiscoveredResource {
  kind: ResourceKind;
  external_id: string;
  name: string | null;
  region: string | null;
  /**
   * network: cidr_blocks, is_default; subnet: cidr, availability_zone (aws) or region,
   * network_id, public (aws: MapPublicIpOnLaunch); dns_zone: domain_name, private, record_count?
   */
  data: Record<string, unknown>;
}

export interface Discovery {
  resources: DiscoveredResource[];
  truncated: boolean;
  /** Set when truncated: what was left out and how to see it all. */
  message?: string;
}
