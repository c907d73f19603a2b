/**
 * Remote Tendrils and the state Trellis serves (docs/DESIGN.md "Terraform state" and "Tendril
 * pools"): each vine's Terraform state, sealed, with its history; one lock per vine; Tendril pools
 * with their tokens (hashed), the identities bound to them and the Tendrils that belong to them;
 * each running job's own credential (hashed), good only while the job holds its lease.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('tendril_pools', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('user_id').notNullable().references('users.id').onDelete('CASCADE');
    t.text('name').notNullable();
    t.text('description').notNullable().defaultTo('');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['user_id', 'name']);
  });
  await knex.schema.createTable('pool_tokens', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('pool_id').notNullable().references('tendril_pools.id').onDelete('CASCADE');
    t.text('name').notNullable();
    t.text('token_hash').notNullable().unique(); // sha256; the token is shown once
    t.text('prefix').notNullable();
    t.timestamp('last_used_at', { useTz: true });
    t.timestamp('revoked_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['pool_id']);
  });
  await knex.schema.alterTable('cloud_identities', (t) => {
    // Jobs of an identity bound to a pool run only on that pool's Tendrils.
    t.uuid('pool_id').references('tendril_pools.id').onDelete('RESTRICT');
  });
  await knex.schema.alterTable('tendrils', (t) => {
    t.uuid('pool_id').references('tendril_pools.id').onDelete('SET NULL');
    // Where it runs as it says (a remote Tendril's own report: an ECS task, a host …).
    t.text('location');
  });
  await knex.schema.alterTable('provision_jobs', (t) => {
    // The job's own credential (sha256), minted by each claim: the state backend and a remote
    // Tendril's calls about the job take it while the job holds its lease, never after.
    t.text('job_token_hash');
    // DEPLOY_WORKER / DESTROY_WORKER: the pool whose Tendrils the job provisions.
    t.uuid('pool_id').references('tendril_pools.id').onDelete('CASCADE');
  });
  await knex.raw(`ALTER TABLE provision_jobs DROP CONSTRAINT provision_jobs_subject_check`);
  await knex.raw(`ALTER TABLE provision_jobs ADD CONSTRAINT provision_jobs_subject_check CHECK (vine_id IS NOT NULL OR identity_id IS NOT NULL OR pool_id IS NOT NULL)`);

  // A state belongs to a vine ("vine:<id>") or to a pool's in-account Tendrils ("pool:<id>").
  await knex.schema.createTable('terraform_states', (t) => {
    t.bigIncrements('id');
    t.text('state_key').notNullable();
    t.uuid('vine_id').references('vines.id').onDelete('CASCADE');
    t.uuid('pool_id').references('tendril_pools.id').onDelete('CASCADE');
    t.bigInteger('serial').notNullable();
    t.text('lineage').notNullable();
    // The state document, AES-256-GCM: it holds every secret Terraform knows (passwords, values).
    t.binary('state_encrypted').notNullable();
    t.text('md5').notNullable();
    t.integer('resources').notNullable().defaultTo(0);
    t.uuid('job_id').references('provision_jobs.id').onDelete('SET NULL');
    t.uuid('tendril_id').references('tendrils.id').onDelete('SET NULL');
    // A version written by a user's restore of an older one.
    t.bigInteger('restored_from');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['state_key', 'id']);
  });
  await knex.raw(`ALTER TABLE terraform_states ADD CONSTRAINT terraform_states_owner_check CHECK ((vine_id IS NOT NULL) <> (pool_id IS NOT NULL))`);
  await knex.schema.createTable('terraform_state_locks', (t) => {
    t.text('state_key').primary();
    t.uuid('vine_id').references('vines.id').onDelete('CASCADE');
    t.uuid('pool_id').references('tendril_pools.id').onDelete('CASCADE');
    t.text('lock_id').notNullable();
    t.jsonb('info').notNullable();
    t.uuid('job_id').references('provision_jobs.id').onDelete('CASCADE');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('terraform_state_locks');
  await knex.schema.dropTable('terraform_states');
  await knex.raw(`ALTER TABLE provision_jobs DROP CONSTRAINT provision_jobs_subject_check`);
  await knex.raw(`ALTER TABLE provision_jobs ADD CONSTRAINT provision_jobs_subject_check CHECK (vine_id IS NOT NULL OR identity_id IS NOT NULL)`);
  await knex.schema.alterTable('provision_jobs', (t) => {
    t.dropColumn('pool_id');
    t.dropColumn('job_token_hash');
  });
  await knex.schema.alterTable('tendrils', (t) => {
    t.dropColumn('location');
    t.dropColumn('pool_id');
  });
  await knex.schema.alterTable('cloud_identities', (t) => t.dropColumn('pool_id'));
  await knex.schema.dropTable('pool_tokens');
  await knex.schema.dropTable('tendril_pools');
}
