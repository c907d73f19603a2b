/**
 * The whole data model of docs/DESIGN.md. Status and type lists are written out here as literals
 * (a migration is history and must not change when the code does); test/db/schema.test.ts checks
 * they match the domain's lists.
 */
import type { Knex } from 'knex';

const VINE_STATUSES = ['DRAFT', 'QUEUED', 'PROVISIONING', 'ACTIVE', 'DESTROYING', 'DESTROYED', 'FAILED'];
const COMPONENT_STATUSES = ['PENDING', 'CREATING', 'ACTIVE', 'UPDATING', 'FAILED', 'DESTROYING', 'DESTROYED'];
const JOB_STATUSES = ['QUEUED', 'CLAIMED', 'PROCESSING', 'SUCCESS', 'FAILED', 'CANCELLED'];
const JOB_TYPES = ['CONNECTION_TEST', 'FETCH_RESOURCES', 'BOOTSTRAP', 'PLAN', 'DEPLOY', 'DESTROY', 'DEPLOY_WORKER', 'DESTROY_WORKER'];
const STAGES = ['development', 'staging', 'production'];
const PROVIDERS = ['aws', 'gcp', 'azure', 'local'];
const SIZES = ['small', 'medium', 'large', 'xlarge'];

const list = (values: string[]) => values.map((v) => `'${v}'`).join(', ');
const check = (column: string, values: string[]) => `${column} IN (${list(values)})`;
/** Component names become Terraform keys and parts of cloud resource names: DNS labels. */
const COMPONENT_NAME_CHECK = `name ~ '^[a-z]([a-z0-9-]{0,38}[a-z0-9]){0,1}$' AND position('--' in name) = 0`;

type Columns = (t: Knex.CreateTableBuilder) => void;

interface ComponentTable {
  table: string;
  singleton: boolean;
  columns: Columns;
  checks?: Record<string, string>;
}

const COMPONENT_TABLES: ComponentTable[] = [
  {
    table: 'vine_network',
    singleton: true,
    columns: (t) => {
      t.text('cidr_block').notNullable();
      t.integer('az_count').notNullable();
      t.text('nat_gateway').notNullable();
      t.text('existing_network_id');
    },
    checks: {
      az_count: 'az_count BETWEEN 1 AND 6',
      nat_gateway: check('nat_gateway', ['none', 'single', 'per_az']),
      cidr_block: `cidr_block ~ '^[0-9.]+/[0-9]+$'`,
    },
  },
  {
    table: 'vine_cluster',
    singleton: true,
    columns: (t) => {
      t.text('kubernetes_version').notNullable();
      t.text('node_size').notNullable();
      t.integer('node_min').notNullable();
      t.integer('node_max').notNullable();
      t.boolean('argocd_enabled').notNullable().defaultTo(true);
    },
    checks: { node_size: check('node_size', SIZES), nodes: 'node_min >= 0 AND node_max >= 1 AND node_min <= node_max' },
  },
  {
    table: 'vine_dns',
    singleton: true,
    columns: (t) => {
      t.text('domain_name').notNullable();
      t.boolean('private_zone').notNullable().defaultTo(false);
      t.text('existing_zone_id');
    },
  },
  {
    table: 'vine_repositories',
    singleton: true,
    columns: (t) => {
      t.text('repo_url').notNullable();
      t.text('branch').notNullable();
      t.text('path').notNullable().defaultTo('');
      t.text('sync_policy').notNullable();
    },
    checks: { sync_policy: check('sync_policy', ['manual', 'automated']) },
  },
  {
    table: 'vine_databases',
    singleton: false,
    columns: (t) => {
      t.text('engine').notNullable();
      t.text('engine_version').notNullable();
      t.text('size').notNullable();
      t.integer('storage_gb').notNullable();
      t.boolean('high_availability').notNullable();
      t.integer('backup_retention_days').notNullable();
    },
    checks: {
      engine: check('engine', ['postgres', 'mysql']),
      size: check('size', SIZES),
      storage_gb: 'storage_gb BETWEEN 10 AND 65536',
      backup_retention_days: 'backup_retention_days BETWEEN 0 AND 35',
    },
  },
  {
    table: 'vine_caches',
    singleton: false,
    columns: (t) => {
      t.text('engine').notNullable();
      t.text('size').notNullable();
      t.integer('node_count').notNullable();
      t.boolean('high_availability').notNullable();
    },
    checks: { engine: check('engine', ['redis', 'valkey', 'memcached']), size: check('size', SIZES), node_count: 'node_count BETWEEN 1 AND 20' },
  },
  {
    table: 'vine_queues',
    singleton: false,
    columns: (t) => {
      t.boolean('fifo').notNullable();
      t.integer('visibility_timeout_seconds').notNullable();
      t.integer('message_retention_seconds').notNullable();
      t.boolean('dead_letter').notNullable();
    },
  },
  {
    table: 'vine_topics',
    singleton: false,
    columns: (t) => {
      t.boolean('fifo').notNullable();
      t.specificType('subscribe_queues', 'text[]').notNullable().defaultTo('{}');
    },
  },
  {
    table: 'vine_nosql_tables',
    singleton: false,
    columns: (t) => {
      t.text('partition_key').notNullable();
      t.text('sort_key');
      t.text('billing_mode').notNullable();
      t.text('ttl_attribute');
      t.boolean('point_in_time_recovery').notNullable();
    },
    checks: { billing_mode: check('billing_mode', ['on_demand', 'provisioned']) },
  },
  {
    table: 'vine_container_registries',
    singleton: false,
    columns: (t) => {
      t.boolean('immutable_tags').notNullable();
      t.boolean('scan_on_push').notNullable();
      t.integer('keep_images').notNullable();
    },
  },
  {
    table: 'vine_secrets',
    singleton: false,
    columns: (t) => {
      t.text('description').notNullable().defaultTo('');
      // AES-256-GCM ciphertext (see src/domain/crypto.ts); null means Terraform generates the value.
      t.text('value_encrypted');
      t.integer('generate_length').notNullable();
      t.integer('recovery_window_days').notNullable();
    },
  },
];

function timestamps(knex: Knex, t: Knex.CreateTableBuilder): void {
  t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
}

function uuidPk(knex: Knex, t: Knex.CreateTableBuilder): void {
  t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
}

async function addChecks(knex: Knex, table: string, checks: Record<string, string>): Promise<void> {
  for (const [name, expr] of Object.entries(checks)) {
    // No bindings: the expressions hold regular expressions whose `?` knex would take for one.
    await knex.schema.raw(`ALTER TABLE "${table}" ADD CONSTRAINT "${table}_${name}_check" CHECK (${expr})`);
  }
}

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('users', (t) => {
    uuidPk(knex, t);
    t.text('email').notNullable();
    t.text('password_hash').notNullable();
    t.text('display_name');
    timestamps(knex, t);
  });
  await knex.raw('CREATE UNIQUE INDEX users_email_unique ON users (lower(email))');

  // Sessions of @fastify/session (survive a restart).
  await knex.schema.createTable('sessions', (t) => {
    t.text('sid').primary();
    t.jsonb('sess').notNullable();
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.index(['expires_at']);
  });

  await knex.schema.createTable('api_tokens', (t) => {
    uuidPk(knex, t);
    t.uuid('user_id').notNullable().references('users.id').onDelete('CASCADE');
    t.text('name').notNullable();
    t.text('token_hash').notNullable().unique(); // sha256 of the token; the token is shown once
    t.text('prefix').notNullable(); // first characters, to tell tokens apart in lists
    t.timestamp('last_used_at', { useTz: true });
    t.timestamp('expires_at', { useTz: true });
    t.timestamp('revoked_at', { useTz: true });
    timestamps(knex, t);
    t.index(['user_id', 'created_at']);
  });

  await knex.schema.createTable('cloud_identities', (t) => {
    uuidPk(knex, t);
    t.uuid('user_id').notNullable().references('users.id').onDelete('CASCADE');
    t.text('name').notNullable();
    t.text('provider').notNullable();
    // Non-secret settings: region, role ARN, project id, subscription id, custom endpoint …
    t.jsonb('config').notNullable().defaultTo('{}');
    // AES-256-GCM ciphertext of the secret part (keys, service-account JSON, client secret).
    t.text('credentials_encrypted');
    t.text('last_test_status');
    t.text('last_test_message');
    t.timestamp('last_tested_at', { useTz: true });
    timestamps(knex, t);
    t.unique(['user_id', 'name']);
  });
  await addChecks(knex, 'cloud_identities', {
    provider: check('provider', PROVIDERS),
    last_test_status: `last_test_status IS NULL OR ${check('last_test_status', ['SUCCESS', 'FAILED'])}`,
    config: `jsonb_typeof(config) = 'object'`,
  });

  await knex.schema.createTable('discovered_resources', (t) => {
    uuidPk(knex, t);
    t.uuid('identity_id').notNullable().references('cloud_identities.id').onDelete('CASCADE');
    t.text('kind').notNullable(); // vpc, subnet, hosted_zone, …
    t.text('external_id').notNullable();
    t.text('name');
    t.text('region');
    t.jsonb('data').notNullable().defaultTo('{}');
    t.timestamp('discovered_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['identity_id', 'kind', 'external_id']);
  });

  await knex.schema.createTable('vineyards', (t) => {
    uuidPk(knex, t);
    t.uuid('user_id').notNullable().references('users.id').onDelete('CASCADE');
    t.text('name').notNullable();
    t.text('description').notNullable().defaultTo('');
    timestamps(knex, t);
    t.unique(['user_id', 'name']);
  });

  await knex.schema.createTable('vines', (t) => {
    uuidPk(knex, t);
    // RESTRICT: a vineyard with vines cannot vanish and take their records (and the knowledge of
    // what runs in the cloud) with it; the service refuses with the reason first.
    t.uuid('vineyard_id').notNullable().references('vineyards.id').onDelete('RESTRICT');
    t.text('name').notNullable();
    t.text('stage').notNullable();
    t.uuid('identity_id').notNullable().references('cloud_identities.id').onDelete('RESTRICT');
    t.text('status').notNullable().defaultTo('DRAFT');
    // Bumped on every configuration change; a PLAN records the version it planned (stale plans).
    t.integer('config_version').notNullable().defaultTo(1);
    t.integer('applied_config_version');
    // Target knobs (terraform/local: fail_components, apply_delay_seconds).
    t.jsonb('options').notNullable().defaultTo('{}');
    t.text('error');
    timestamps(knex, t);
    t.unique(['vineyard_id', 'name', 'stage']);
    t.index(['identity_id']);
  });
  await addChecks(knex, 'vines', {
    status: check('status', VINE_STATUSES),
    stage: check('stage', STAGES),
    options: `jsonb_typeof(options) = 'object'`,
  });

  for (const c of COMPONENT_TABLES) {
    await knex.schema.createTable(c.table, (t) => {
      uuidPk(knex, t);
      t.uuid('vine_id').notNullable().references('vines.id').onDelete('CASCADE');
      t.text('name').notNullable();
      c.columns(t);
      t.text('status').notNullable().defaultTo('PENDING');
      t.jsonb('outputs').notNullable().defaultTo('{}');
      t.text('error');
      // The settings as last applied: a difference from the current ones means UPDATING next.
      t.jsonb('applied_settings');
      // Removed from the configuration while it exists in the cloud: destroyed by the next DEPLOY.
      t.timestamp('removed_at', { useTz: true });
      timestamps(knex, t);
      if (c.singleton) t.unique(['vine_id']);
      else t.unique(['vine_id', 'name']);
    });
    await addChecks(knex, c.table, {
      status: check('status', COMPONENT_STATUSES),
      name: COMPONENT_NAME_CHECK,
      outputs: `jsonb_typeof(outputs) = 'object'`,
      ...c.checks,
    });
  }

  await knex.schema.createTable('tendrils', (t) => {
    uuidPk(knex, t);
    t.text('name').notNullable();
    t.text('host').notNullable();
    t.integer('pid').notNullable();
    t.text('version').notNullable();
    t.text('terraform_version');
    t.integer('concurrency').notNullable();
    t.boolean('in_process').notNullable().defaultTo(false);
    t.text('status').notNullable().defaultTo('RUNNING');
    // graphile-worker worker ids of this Tendril, for forceUnlockWorkers when it dies.
    t.specificType('worker_ids', 'text[]').notNullable().defaultTo('{}');
    t.timestamp('started_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('last_seen_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('stopped_at', { useTz: true });
    t.index(['status', 'last_seen_at']);
  });
  await addChecks(knex, 'tendrils', { status: check('status', ['RUNNING', 'STOPPED', 'DEAD']) });

  await knex.schema.createTable('provision_jobs', (t) => {
    uuidPk(knex, t);
    t.uuid('vine_id').references('vines.id').onDelete('CASCADE');
    t.uuid('identity_id').references('cloud_identities.id').onDelete('CASCADE');
    t.uuid('created_by').references('users.id').onDelete('SET NULL');
    t.text('type').notNullable();
    t.text('status').notNullable().defaultTo('QUEUED');
    // The vine's status before this job queued it: where a cancel-before-start returns it.
    t.text('previous_vine_status');
    // A DEPLOY that applies a stored plan names the PLAN job.
    t.uuid('plan_job_id').references('provision_jobs.id').onDelete('SET NULL');
    t.integer('config_version');
    t.uuid('tendril_id').references('tendrils.id').onDelete('SET NULL');
    t.bigInteger('graphile_job_id');
    t.text('error');
    t.jsonb('result'); // plan summary and cost, connection-test findings, …
    t.binary('plan_file_encrypted'); // the saved plan (contains secrets in clear) — encrypted
    t.timestamp('queued_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('claimed_at', { useTz: true });
    t.timestamp('processing_at', { useTz: true });
    t.timestamp('finished_at', { useTz: true });
    t.timestamp('cancel_requested_at', { useTz: true });
    timestamps(knex, t);
    t.index(['vine_id', 'created_at']);
    t.index(['identity_id', 'created_at']);
    t.index(['tendril_id', 'status']);
    t.index(['status']);
  });
  await addChecks(knex, 'provision_jobs', {
    type: check('type', JOB_TYPES),
    status: check('status', JOB_STATUSES),
    previous_vine_status: `previous_vine_status IS NULL OR ${check('previous_vine_status', VINE_STATUSES)}`,
    subject: 'vine_id IS NOT NULL OR identity_id IS NOT NULL',
    finished: `(status IN ('SUCCESS', 'FAILED', 'CANCELLED')) = (finished_at IS NOT NULL)`,
  });
  // At most one DEPLOY or DESTROY of a vine is queued or running at a time.
  await knex.raw(`CREATE UNIQUE INDEX provision_jobs_one_lifecycle_job_per_vine ON provision_jobs (vine_id)
    WHERE type IN ('DEPLOY', 'DESTROY') AND status IN ('QUEUED', 'CLAIMED', 'PROCESSING')`);

  await knex.schema.createTable('provision_job_logs', (t) => {
    t.uuid('job_id').notNullable().references('provision_jobs.id').onDelete('CASCADE');
    t.integer('seq').notNullable();
    t.text('stream').notNullable().defaultTo('stdout');
    t.text('level').notNullable().defaultTo('info');
    t.text('line').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['job_id', 'seq']);
  });
  await addChecks(knex, 'provision_job_logs', {
    stream: check('stream', ['stdout', 'stderr', 'system']),
    level: check('level', ['debug', 'info', 'warn', 'error']),
    seq: 'seq > 0',
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('provision_job_logs');
  await knex.schema.dropTable('provision_jobs');
  await knex.schema.dropTable('tendrils');
  for (const c of [...COMPONENT_TABLES].reverse()) await knex.schema.dropTable(c.table);
  await knex.schema.dropTable('vines');
  await knex.schema.dropTable('vineyards');
  await knex.schema.dropTable('discovered_resources');
  await knex.schema.dropTable('cloud_identities');
  await knex.schema.dropTable('api_tokens');
  await knex.schema.dropTable('sessions');
  await knex.schema.dropTable('users');
}
