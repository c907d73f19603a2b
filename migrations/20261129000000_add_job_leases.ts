/**
 * State safety under faults (docs/DESIGN.md "Leases"): a running job holds a lease its Tendril
 * renews (`lease_epoch` fences every write of the run; `lease_expires_at`, on the database's
 * clock), the state Terraform could not save is kept sealed with its job until recovered, and
 * one row of `tendril_clock` tells an outage (every Tendril silent at once) from a death.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('provision_jobs', (t) => {
    // Bumped by every claim and by the reaper: a write carrying an older epoch is refused.
    t.integer('lease_epoch').notNullable().defaultTo(0);
    t.timestamp('lease_expires_at', { useTz: true });
    // errored.tfstate of a run that could not push it back (AES-256-GCM), until "Recover state".
    t.binary('state_recovery_encrypted');
    // A BOOTSTRAP that pushes the state kept with that job back to the backend.
    t.uuid('recover_job_id').references('provision_jobs.id').onDelete('SET NULL');
  });
  await knex.raw(`CREATE INDEX provision_jobs_leases ON provision_jobs (lease_expires_at) WHERE status IN ('CLAIMED', 'PROCESSING')`);
  await knex.schema.createTable('tendril_clock', (t) => {
    t.integer('id').primary();
    t.timestamp('last_tick_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('outage_ended_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw('ALTER TABLE tendril_clock ADD CONSTRAINT tendril_clock_one_row CHECK (id = 1)');
  await knex('tendril_clock').insert({ id: 1 });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('tendril_clock');
  await knex.raw('DROP INDEX provision_jobs_leases');
  await knex.schema.alterTable('provision_jobs', (t) => {
    t.dropColumn('recover_job_id');
    t.dropColumn('state_recovery_encrypted');
    t.dropColumn('lease_expires_at');
    t.dropColumn('lease_epoch');
  });
}
