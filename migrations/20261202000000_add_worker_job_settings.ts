/**
 * In-account Tendrils (DEPLOY_WORKER / DESTROY_WORKER, docs/clouds/aws-tendril.md): the settings a
 * job was asked to deploy the pool's Tendrils with (image, size, network …; nothing secret), and,
 * on a pool token, the DEPLOY_WORKER job that minted it for the Tendrils it deployed (a later
 * deploy or the destroy revokes it).
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('provision_jobs', (t) => {
    t.jsonb('params');
  });
  await knex.schema.alterTable('pool_tokens', (t) => {
    t.uuid('job_id').references('provision_jobs.id').onDelete('SET NULL');
  });
  // One DEPLOY_WORKER or DESTROY_WORKER of a pool queued or running at a time.
  await knex.raw(
    `CREATE UNIQUE INDEX provision_jobs_one_open_worker_job ON provision_jobs (pool_id)
     WHERE type IN ('DEPLOY_WORKER', 'DESTROY_WORKER') AND status IN ('QUEUED', 'CLAIMED', 'PROCESSING')`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX provision_jobs_one_open_worker_job');
  await knex.schema.alterTable('pool_tokens', (t) => t.dropColumn('job_id'));
  await knex.schema.alterTable('provision_jobs', (t) => t.dropColumn('params'));
}
