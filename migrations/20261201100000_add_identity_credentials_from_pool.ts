/**
 * Tendril pools, the user's side (docs/DESIGN.md "Tendril pools"): an identity bound to a pool may
 * take its credentials from the pool's Tendrils (an AWS task role, GCP workload identity, an Azure
 * managed identity) instead of storing any. Such an identity stores no secret and cannot leave its
 * pool; the constraints say so where no code path can forget it. Indexes for the pool pages' reads.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('cloud_identities', (t) => {
    t.boolean('credentials_from_pool').notNullable().defaultTo(false);
    t.index(['pool_id']);
  });
  await knex.raw(`ALTER TABLE cloud_identities ADD CONSTRAINT cloud_identities_pool_credentials_check CHECK (NOT credentials_from_pool OR (pool_id IS NOT NULL AND credentials_encrypted IS NULL AND provider <> 'local'))`);
  await knex.schema.alterTable('tendrils', (t) => t.index(['pool_id']));
  await knex.schema.alterTable('provision_jobs', (t) => t.index(['pool_id']));
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('provision_jobs', (t) => t.dropIndex(['pool_id']));
  await knex.schema.alterTable('tendrils', (t) => t.dropIndex(['pool_id']));
  await knex.raw('ALTER TABLE cloud_identities DROP CONSTRAINT cloud_identities_pool_credentials_check');
  await knex.schema.alterTable('cloud_identities', (t) => {
    t.dropIndex(['pool_id']);
    t.dropColumn('credentials_from_pool');
  });
}
