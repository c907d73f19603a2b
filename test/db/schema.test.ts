import t from 'tap';
import { freshDatabase } from '../helpers.js';
import { migrationSource, migrateRollbackAll } from '../../src/db/migrate.js';
import { VineStatus } from '../../src/domain/vines/status.js';
import { ComponentStatus } from '../../src/domain/components/status.js';
import { JobStatus, JOB_TYPES } from '../../src/domain/jobs/status.js';
import { STAGES } from '../../src/domain/vines/stage.js';
import { COMPONENT_KINDS, settingsColumns } from '../../src/domain/components/catalogue.js';
import type { Knex } from 'knex';

const EXPECTED_TABLES = [
  'users', 'sessions', 'api_tokens', 'cloud_identities', 'discovered_resources', 'vineyards', 'vines',
  ...COMPONENT_KINDS.map((k) => k.table), 'provision_jobs', 'provision_job_logs', 'tendrils', 'tendril_clock', 'tendril_pools', 'pool_tokens', 'terraform_states', 'terraform_state_locks',
];

async function tables(knex: Knex): Promise<string[]> {
  const rows = await knex('information_schema.tables').where({ table_schema: 'public' }).pluck('table_name');
  return rows.filter((n: string) => !n.startsWith('knex_')).sort();
}

t.test('migrations run up, down and up again on an empty database', async (t) => {
  const db = await freshDatabase(t, { migrated: false });
  t.same(await tables(db.knex), [], 'starts empty');
  await db.knex.migrate.latest({ migrationSource });
  t.same(await tables(db.knex), [...EXPECTED_TABLES].sort(), 'up creates every table of the data model');
  await migrateRollbackAll(db.knex);
  t.same(await tables(db.knex), [], 'down removes them all');
  await db.knex.migrate.latest({ migrationSource });
  t.same(await tables(db.knex), [...EXPECTED_TABLES].sort(), 'up again works');
});

async function seed(knex: Knex) {
  const [user] = await knex('users').insert({ email: 'a@example.com', password_hash: 'x' }).returning('*');
  const [identity] = await knex('cloud_identities').insert({ user_id: user.id, name: 'sandbox', provider: 'local' }).returning('*');
  const [vineyard] = await knex('vineyards').insert({ user_id: user.id, name: 'acme' }).returning('*');
  const [vine] = await knex('vines').insert({ vineyard_id: vineyard.id, name: 'shop', stage: 'development', identity_id: identity.id }).returning('*');
  return { user, identity, vineyard, vine };
}

t.test('constraints', async (t) => {
  const { knex } = await freshDatabase(t);
  const { user, identity, vineyard, vine } = await seed(knex);

  await t.rejects(knex('vines').where({ id: vine.id }).update({ status: 'RIPE' }), /vines_status_check/, 'a bad vine status is rejected');
  await t.rejects(knex('vines').insert({ vineyard_id: vineyard.id, name: 'x', stage: 'qa', identity_id: identity.id }), /vines_stage_check/, 'an unknown stage is rejected');
  await t.rejects(
    knex('vines').insert({ vineyard_id: vineyard.id, name: 'shop', stage: 'development', identity_id: identity.id }),
    /vines_vineyard_id_name_stage_unique/,
    'a duplicate vine name in the same vineyard and stage is rejected',
  );
  const [prod] = await knex('vines').insert({ vineyard_id: vineyard.id, name: 'shop', stage: 'production', identity_id: identity.id }).returning('*');
  t.ok(prod, 'the same vine name in another stage is allowed');
  await t.rejects(
    knex('vine_databases').insert({ vine_id: '00000000-0000-0000-0000-000000000000', name: 'main', engine: 'postgres', engine_version: '16', size: 'small', storage_gb: 20, high_availability: false, backup_retention_days: 1 }),
    /foreign key/,
    'an orphan component is rejected',
  );
  const db = { vine_id: vine.id, name: 'main', engine: 'postgres', engine_version: '16', size: 'small', storage_gb: 20, high_availability: false, backup_retention_days: 1 };
  await knex('vine_databases').insert(db);
  await t.rejects(knex('vine_databases').insert(db), /vine_databases_vine_id_name_unique/, 'component names are unique per vine and kind');
  await t.rejects(knex('vine_databases').insert({ ...db, name: 'Bad Name' }), /vine_databases_name_check/, 'component names must be DNS labels');
  await t.rejects(knex('vine_databases').where({ vine_id: vine.id }).update({ status: 'RUNNING' }), /vine_databases_status_check/, 'a bad component status is rejected');
  await knex('vine_network').insert({ vine_id: vine.id, name: 'network', cidr_block: '10.0.0.0/16', az_count: 1, nat_gateway: 'single' });
  await t.rejects(
    knex('vine_network').insert({ vine_id: vine.id, name: 'network2', cidr_block: '10.1.0.0/16', az_count: 1, nat_gateway: 'single' }),
    /vine_network_vine_id_unique/,
    'a singleton component exists at most once per vine',
  );

  await t.rejects(knex('provision_jobs').insert({ vine_id: vine.id, type: 'HARVEST' }), /provision_jobs_type_check/, 'a bad job type is rejected');
  await t.rejects(knex('provision_jobs').insert({ vine_id: vine.id, type: 'PLAN', status: 'DONE' }), /provision_jobs_status_check/, 'a bad job status is rejected');
  await t.rejects(knex('provision_jobs').insert({ type: 'PLAN' }), /provision_jobs_subject_check/, 'a job names a vine or an identity');
  await knex('provision_jobs').insert({ vine_id: vine.id, type: 'DEPLOY' });
  await t.rejects(knex('provision_jobs').insert({ vine_id: vine.id, type: 'DESTROY' }), /one_lifecycle_job_per_vine/, 'at most one open DEPLOY/DESTROY per vine');
  await knex('provision_jobs').insert({ vine_id: vine.id, type: 'PLAN' });

  await t.rejects(knex('vineyards').where({ id: vineyard.id }).delete(), /foreign key/, 'a vineyard with vines cannot be deleted out from under them');
  await t.rejects(knex('cloud_identities').where({ id: identity.id }).delete(), /foreign key/, 'an identity in use by a vine cannot be deleted');
  await t.rejects(knex('vineyards').insert({ user_id: user.id, name: 'acme' }), /vineyards_user_id_name_unique/, 'vineyard names are unique per user');

  await knex('vines').where({ id: vine.id }).delete();
  t.equal(Number((await knex('vine_databases').count('* as n'))[0]!.n), 0, 'deleting a vine removes its components (no orphans)');
  t.equal(Number((await knex('provision_jobs').where({ vine_id: vine.id }).count('* as n'))[0]!.n), 0, 'and its jobs');
});

t.test('CHECK lists match the domain lists', async (t) => {
  const { knex } = await freshDatabase(t);
  const { vine } = await seed(knex);
  for (const s of Object.values(VineStatus)) {
    await knex('vines').where({ id: vine.id }).update({ status: s });
  }
  t.pass('every vine status is accepted');
  for (const s of STAGES) await knex('vines').where({ id: vine.id }).update({ stage: s });
  t.pass('every stage is accepted');
  const [c] = await knex('vine_caches').insert({ vine_id: vine.id, name: 'c', engine: 'redis', size: 'small', node_count: 1, high_availability: false }).returning('id');
  for (const s of Object.values(ComponentStatus)) await knex('vine_caches').where({ id: c.id }).update({ status: s });
  t.pass('every component status is accepted');
  for (const type of JOB_TYPES) {
    const [job] = await knex('provision_jobs').insert({ vine_id: vine.id, type, status: 'QUEUED' }).returning('id');
    for (const s of Object.values(JobStatus)) {
      const finished = ['SUCCESS', 'FAILED', 'CANCELLED'].includes(s);
      await knex('provision_jobs').where({ id: job.id }).update({ status: s, finished_at: finished ? knex.fn.now() : null });
    }
  }
  t.pass('every job type and status is accepted');
});

t.test('each kind\'s typed columns are its catalogue settings', async (t) => {
  const { knex } = await freshDatabase(t);
  const common = ['id', 'vine_id', 'name', 'status', 'outputs', 'error', 'applied_settings', 'removed_at', 'created_at', 'updated_at'];
  for (const kind of COMPONENT_KINDS) {
    const cols: string[] = await knex('information_schema.columns').where({ table_name: kind.table }).pluck('column_name');
    t.same(cols.filter((c) => !common.includes(c)).sort(), settingsColumns(kind as never).sort(), `${kind.table} columns`);
  }
});
