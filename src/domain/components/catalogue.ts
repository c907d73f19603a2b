/**
 * The component catalogue: the kinds a vine is made of (seed: "Entity Relationships"), and the
 * only list of them. Everything per kind derives from here: the vine spec's schema, the tfvars
 * each Terraform target receives, the outputs a target must answer (terraform/CONTRACT.md), the
 * built-in cost estimate, the plant form, Grape's help, and the tests.
 *
 * Each kind's settings are a TypeBox schema whose properties are, one for one, the typed columns of
 * its table `vine_<kind>` (test/db/schema.test.ts checks the two agree). `defaults(stage)` gives
 * the stage's sizing, so development is small and single-zone and production is HA.
 *
 * Adding a kind: its entry here, one migration creating `vine_<kind>`, its price in each
 * `data/prices/<target>.json`, its `<kind>.tf` in each Terraform target, and the docs.
 */
import { Type, type Static, type TObject, type TProperties } from '@sinclair/typebox';
import { STAGE_PROFILE, type Stage } from '../vines/stage.js';

export const Size = Type.Union([Type.Literal('small'), Type.Literal('medium'), Type.Literal('large'), Type.Literal('xlarge')], {
  description: 'abstract instance size, mapped to each cloud’s instance types by the Terraform target',
});
export type Size = Static<typeof Size>;
export const SIZES: readonly Size[] = ['small', 'medium', 'large', 'xlarge'];

const CIDR_PATTERN = '^(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}/(1[6-9]|2[0-8])$';
const boundedString = (max: number, extra: object = {}) => Type.String({ minLength: 1, maxLength: max, ...extra });
const nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);

export const NetworkSettings = Type.Object(
  {
    cidr_block: Type.String({ pattern: CIDR_PATTERN, description: 'IPv4 CIDR, /16 to /28, e.g. 10.0.0.0/16' }),
    az_count: Type.Integer({ minimum: 1, maximum: 6 }),
    nat_gateway: Type.Union([Type.Literal('none'), Type.Literal('single'), Type.Literal('per_az')]),
    existing_network_id: nullable(boundedString(128)),
  },
  { additionalProperties: false },
);

export const ClusterSettings = Type.Object(
  {
    kubernetes_version: Type.String({ pattern: '^1\\.\\d{2}$', description: 'e.g. 1.31' }),
    node_size: Size,
    node_min: Type.Integer({ minimum: 0, maximum: 100 }),
    node_max: Type.Integer({ minimum: 1, maximum: 100 }),
    argocd_enabled: Type.Boolean(),
  },
  { additionalProperties: false },
);

export const DnsSettings = Type.Object(
  {
    domain_name: Type.String({
      minLength: 3,
      maxLength: 253,
      pattern: '^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}$',
      description: 'a domain such as example.com',
    }),
    private_zone: Type.Boolean(),
    existing_zone_id: nullable(boundedString(128)),
  },
  { additionalProperties: false },
);

export const RepositoriesSettings = Type.Object(
  {
    repo_url: Type.String({ minLength: 8, maxLength: 500, pattern: '^(https://|ssh://|git@)\\S+$', description: 'https:// or SSH git URL' }),
    branch: boundedString(200, { pattern: '^[^\\s~^:?*\\[\\\\]+$' }),
    path: Type.String({ maxLength: 500, pattern: '^[^\\s]*$' }),
    sync_policy: Type.Union([Type.Literal('manual'), Type.Literal('automated')]),
  },
  { additionalProperties: false },
);

export const DatabaseSettings = Type.Object(
  {
    engine: Type.Union([Type.Literal('postgres'), Type.Literal('mysql')]),
    engine_version: Type.String({ pattern: '^\\d+(\\.\\d+){0,2}$' }),
    size: Size,
    storage_gb: Type.Integer({ minimum: 10, maximum: 65536 }),
    high_availability: Type.Boolean(),
    backup_retention_days: Type.Integer({ minimum: 0, maximum: 35 }),
  },
  { additionalProperties: false },
);

export const CacheSettings = Type.Object(
  {
    engine: Type.Union([Type.Literal('redis'), Type.Literal('valkey'), Type.Literal('memcached')]),
    size: Size,
    node_count: Type.Integer({ minimum: 1, maximum: 20 }),
    high_availability: Type.Boolean(),
  },
  { additionalProperties: false },
);

export const QueueSettings = Type.Object(
  {
    fifo: Type.Boolean(),
    visibility_timeout_seconds: Type.Integer({ minimum: 0, maximum: 43200 }),
    message_retention_seconds: Type.Integer({ minimum: 60, maximum: 1209600 }),
    dead_letter: Type.Boolean(),
  },
  { additionalProperties: false },
);

export const TopicSettings = Type.Object(
  {
    fifo: Type.Boolean(),
    subscribe_queues: Type.Array(boundedString(40), { maxItems: 50, uniqueItems: true, description: 'names of this vine’s queues' }),
  },
  { additionalProperties: false },
);

export const NosqlTableSettings = Type.Object(
  {
    partition_key: boundedString(255, { pattern: '^[A-Za-z0-9_.-]+$' }),
    sort_key: nullable(boundedString(255, { pattern: '^[A-Za-z0-9_.-]+$' })),
    billing_mode: Type.Union([Type.Literal('on_demand'), Type.Literal('provisioned')]),
    ttl_attribute: nullable(boundedString(255, { pattern: '^[A-Za-z0-9_.-]+$' })),
    point_in_time_recovery: Type.Boolean(),
  },
  { additionalProperties: false },
);

export const ContainerRegistrySettings = Type.Object(
  {
    immutable_tags: Type.Boolean(),
    scan_on_push: Type.Boolean(),
    keep_images: Type.Integer({ minimum: 1, maximum: 10000 }),
  },
  { additionalProperties: false },
);

export const SecretSettings = Type.Object(
  {
    description: Type.String({ maxLength: 500 }),
    /** Write-only: stored encrypted, never returned. Null or absent: Terraform generates one. */
    value: Type.Optional(nullable(Type.String({ minLength: 1, maxLength: 65536, writeOnly: true }))),
    generate_length: Type.Integer({ minimum: 8, maximum: 128 }),
    recovery_window_days: Type.Integer({ minimum: 0, maximum: 30 }),
  },
  { additionalProperties: false },
);

/** One kind's prices in a target's price table (`data/prices/<target>.json`): its own shape. */
export type KindPrices = Record<string, any>;
/** What a price may depend on besides the settings. */
export interface CostContext {
  stage: Stage;
}
/** A price that is one number, or one per stage (`{ "development": 0, "staging": 0, "production": 73 }`). */
export const stagePrice = (p: number | Partial<Record<Stage, number>> | undefined, stage: Stage): number => (typeof p === 'number' ? p : (p?.[stage] ?? 0));

export interface ComponentKind<P extends TProperties = TProperties> {
  /** The vine spec key and the table suffix: `vine_<kind>`. */
  kind: string;
  table: string;
  singleton: boolean;
  /** In cloud resource names: `<prefix>-<short>[-<name>]`. */
  short: string;
  displayName: string;
  /** One item of this kind, for "Add a database" buttons and messages. */
  itemName: string;
  /** The service each cloud target creates for this kind (test/terraform/targets.test.ts checks them against the modules). */
  services: { aws: string; gcp: string; azure: string };
  settings: TObject<P>;
  defaults(stage: Stage): Static<TObject<P>>;
  /** Settings that are secret: stored encrypted (column `<field>_encrypted`), never returned. */
  secretFields: readonly string[];
  /** The most of this kind one vine may hold (a sane limit; singletons: 1). */
  max: number;
  /** A singleton the plant form starts switched on. */
  onByDefault?: boolean;
  /**
   * A setting naming an existing cloud resource the component adopts instead of creating one,
   * and the kind of resource an identity's discovery lists for it (the plant form offers those).
   */
  adopts?: { field: string; resource: 'network' | 'dns_zone' };
  /** The keys of what every Terraform target answers for one component of this kind. */
  outputs: readonly string[];
  /** Monthly list price of one component with these settings, from the kind's prices (a price may be per stage: `stagePrice`). */
  cost(settings: Static<TObject<P>>, prices: KindPrices, ctx: CostContext): number;
}

function kind<const P extends TProperties, const N extends string, const S extends boolean>(
  k: Omit<ComponentKind<P>, 'table' | 'kind' | 'singleton'> & { kind: N; singleton: S },
): ComponentKind<P> & { kind: N; singleton: S } {
  return { ...k, table: `vine_${k.kind}` };
}

export const COMPONENT_KINDS = [
  kind({
    kind: 'network', short: 'net', singleton: true, displayName: 'Network', itemName: 'network',
    services: { aws: 'VPC', gcp: 'VPC Network', azure: 'VNet' },
    settings: NetworkSettings, secretFields: [], max: 1, onByDefault: true,
    adopts: { field: 'existing_network_id', resource: 'network' },
    defaults: (stage) => ({
      cidr_block: '10.0.0.0/16',
      az_count: STAGE_PROFILE[stage].zones,
      nat_gateway: stage === 'production' ? ('per_az' as const) : ('single' as const),
      existing_network_id: null,
    }),
    outputs: ['id', 'arn', 'name', 'cidr_block', 'availability_zones', 'private_subnets', 'public_subnets', 'nat_gateways'],
    cost: (s, p) => (s.existing_network_id ? 0 : p.base + (p.nat_gateway[s.nat_gateway] ?? 0) * (s.nat_gateway === 'per_az' ? s.az_count : 1)),
  }),
  kind({
    kind: 'cluster', short: 'k8s', singleton: true, displayName: 'Kubernetes cluster', itemName: 'cluster',
    services: { aws: 'EKS', gcp: 'GKE', azure: 'AKS' },
    settings: ClusterSettings, secretFields: [], max: 1,
    defaults: (stage) => ({
      kubernetes_version: '1.31',
      node_size: STAGE_PROFILE[stage].size,
      node_min: STAGE_PROFILE[stage].nodeMin,
      node_max: STAGE_PROFILE[stage].nodeMax,
      argocd_enabled: true,
    }),
    outputs: ['id', 'arn', 'name', 'endpoint', 'kubernetes_version', 'node_instance_type', 'node_min', 'node_max', 'oidc_issuer_url', 'argocd_url'],
    cost: (s, p, { stage }) => stagePrice(p.control_plane, stage) + (s.argocd_enabled ? (p.argocd ?? 0) : 0) + (p.node[s.node_size] ?? 0) * Math.max(s.node_min, 1),
  }),
  kind({
    kind: 'dns', short: 'dns', singleton: true, displayName: 'DNS', itemName: 'DNS zone',
    services: { aws: 'Route53', gcp: 'Cloud DNS', azure: 'Azure DNS' },
    settings: DnsSettings, secretFields: [], max: 1,
    adopts: { field: 'existing_zone_id', resource: 'dns_zone' },
    defaults: () => ({ domain_name: 'example.com', private_zone: false, existing_zone_id: null }),
    outputs: ['zone_id', 'arn', 'domain_name', 'private_zone', 'name_servers'],
    cost: (s, p) => (s.existing_zone_id ? 0 : p.zone),
  }),
  kind({
    kind: 'repositories', short: 'git', singleton: true, displayName: 'Git repositories', itemName: 'repository reference',
    services: { aws: 'Git repo references (ArgoCD)', gcp: 'Git repo references (ArgoCD)', azure: 'Git repo references (ArgoCD)' },
    settings: RepositoriesSettings, secretFields: [], max: 1,
    defaults: (stage) => ({
      repo_url: 'https://github.com/example/deploy.git',
      branch: stage === 'production' ? 'main' : stage,
      path: `overlays/${stage}`,
      sync_policy: stage === 'production' ? ('manual' as const) : ('automated' as const),
    }),
    outputs: ['argocd_application', 'repo_url', 'branch', 'path', 'sync_policy'],
    cost: (_s, p) => p.base,
  }),
  kind({
    kind: 'databases', short: 'db', singleton: false, displayName: 'Databases', itemName: 'database',
    services: { aws: 'RDS', gcp: 'Cloud SQL', azure: 'Azure Database' },
    settings: DatabaseSettings, secretFields: [], max: 20,
    defaults: (stage) => ({
      engine: 'postgres' as const,
      engine_version: '16',
      size: STAGE_PROFILE[stage].size,
      storage_gb: stage === 'production' ? 100 : 20,
      high_availability: STAGE_PROFILE[stage].highAvailability,
      backup_retention_days: STAGE_PROFILE[stage].backupRetentionDays,
    }),
    outputs: ['id', 'arn', 'host', 'port', 'endpoint', 'reader_host', 'engine', 'engine_version', 'instance_class', 'storage_gb', 'database_name', 'username', 'password_secret', 'url'],
    cost: (s, p) => (p.instance[s.size] ?? 0) * (s.high_availability ? p.ha_multiplier : 1) + s.storage_gb * p.storage_gb,
  }),
  kind({
    kind: 'caches', short: 'cache', singleton: false, displayName: 'Caches', itemName: 'cache',
    services: { aws: 'ElastiCache', gcp: 'Memorystore', azure: 'Azure Cache for Redis' },
    settings: CacheSettings, secretFields: [], max: 20,
    defaults: (stage) => ({
      engine: 'redis' as const,
      size: STAGE_PROFILE[stage].size,
      node_count: STAGE_PROFILE[stage].highAvailability ? 2 : 1,
      high_availability: STAGE_PROFILE[stage].highAvailability,
    }),
    outputs: ['id', 'arn', 'host', 'port', 'endpoint', 'url', 'engine', 'node_type', 'node_count'],
    // `node_ha`, where a target has it: the per-node price of the tier high availability needs (Azure Premium).
    cost: (s, p) => ((s.high_availability && p.node_ha ? p.node_ha[s.size] : p.node[s.size]) ?? 0) * s.node_count,
  }),
  kind({
    kind: 'queues', short: 'q', singleton: false, displayName: 'Queues', itemName: 'queue',
    services: { aws: 'SQS', gcp: 'Pub/Sub', azure: 'Service Bus' },
    settings: QueueSettings, secretFields: [], max: 50,
    defaults: (stage) => ({
      fifo: false,
      visibility_timeout_seconds: 30,
      message_retention_seconds: stage === 'production' ? 1209600 : 345600,
      dead_letter: stage !== 'development',
    }),
    outputs: ['name', 'arn', 'url', 'fifo', 'dead_letter_arn'],
    cost: (_s, p) => p.base,
  }),
  kind({
    kind: 'topics', short: 'topic', singleton: false, displayName: 'Topics', itemName: 'topic',
    services: { aws: 'SNS', gcp: 'Pub/Sub topics', azure: 'Service Bus Topics' },
    settings: TopicSettings, secretFields: [], max: 50,
    defaults: () => ({ fifo: false, subscribe_queues: [] }),
    outputs: ['name', 'arn', 'subscriptions'],
    cost: (_s, p) => p.base,
  }),
  kind({
    kind: 'nosql_tables', short: 'tbl', singleton: false, displayName: 'NoSQL tables', itemName: 'NoSQL table',
    services: { aws: 'DynamoDB', gcp: 'Firestore', azure: 'Cosmos DB' },
    settings: NosqlTableSettings, secretFields: [], max: 50,
    defaults: (stage) => ({
      partition_key: 'pk',
      sort_key: null,
      billing_mode: 'on_demand' as const,
      ttl_attribute: null,
      point_in_time_recovery: stage === 'production',
    }),
    outputs: ['name', 'arn', 'endpoint', 'partition_key', 'sort_key', 'billing_mode'],
    cost: (s, p) => p[s.billing_mode] ?? 0,
  }),
  kind({
    kind: 'container_registries', short: 'reg', singleton: false, displayName: 'Container registries', itemName: 'container registry',
    services: { aws: 'ECR', gcp: 'Artifact Registry', azure: 'ACR' },
    settings: ContainerRegistrySettings, secretFields: [], max: 20,
    defaults: (stage) => ({ immutable_tags: stage === 'production', scan_on_push: true, keep_images: stage === 'production' ? 200 : 30 }),
    outputs: ['name', 'arn', 'repository_url', 'immutable_tags'],
    cost: (s, p) => p.base + p.per_image * s.keep_images,
  }),
  kind({
    kind: 'secrets', short: 'sec', singleton: false, displayName: 'Secrets', itemName: 'secret',
    services: { aws: 'Secrets Manager', gcp: 'Secret Manager', azure: 'Key Vault' },
    settings: SecretSettings, secretFields: ['value'], max: 100,
    defaults: (stage) => ({ description: '', value: null, generate_length: 32, recovery_window_days: STAGE_PROFILE[stage].recoveryWindowDays }),
    outputs: ['name', 'arn', 'value_source'],
    cost: (_s, p) => p.secret,
  }),
] as const;

export type KindName = (typeof COMPONENT_KINDS)[number]['kind'];
type Kinds = (typeof COMPONENT_KINDS)[number];
/** The spec document's entry of each kind: a singleton's object (or null), a list of items. */
export type KindEntries<Item> = { [K in Kinds as K['kind']]: K['singleton'] extends true ? Item | null : Item[] };
export const KIND_NAMES = COMPONENT_KINDS.map((k) => k.kind) as KindName[];
export const SINGLETON_KINDS = COMPONENT_KINDS.filter((k) => k.singleton);
export const MULTI_KINDS = COMPONENT_KINDS.filter((k) => !k.singleton);

/** The kind's cloud services, each named once: "VPC · VPC Network · VNet", "Git repo references (ArgoCD)". */
export const servicesCaption = (k: Pick<ComponentKind, 'services'>) => [...new Set(Object.values(k.services))].join(' · ');

const byName = new Map<string, ComponentKind>(COMPONENT_KINDS.map((k) => [k.kind, k as unknown as ComponentKind]));
export function componentKind(name: string): ComponentKind | undefined {
  return byName.get(name);
}

/** Column names of a kind's typed settings (secret fields are stored as `<field>_encrypted`). */
export function settingsColumns(k: ComponentKind): string[] {
  return Object.keys(k.settings.properties).map((f) => (k.secretFields.includes(f) ? `${f}_encrypted` : f));
}
