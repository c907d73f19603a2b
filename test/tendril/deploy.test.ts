/** Real Terraform on terraform/local through a real Tendril: the whole DEPLOY/DESTROY lifecycle. */
import t from 'tap';
import { freshDatabase } from '../helpers.js';
import { seedVine } from '../fixtures.js';
import { createJobService } from '../../src/domain/jobs/service.js';
import { createComponentRepository } from '../../src/domain/components/repository.js';
import { COMPONENT_KINDS } from '../../src/domain/components/catalogue.js';
import { componentStatuses, jobLog, startTestTendril, vineState, waitFor, waitForJob } from './harness.js';

t.test('deploy every kind, update one, destroy: statuses, outputs and state are true', { timeout: 240_000 }, async (t) => {
  const db = await freshDatabase(t);
  const { knex } = db;
  const tendril = await startTestTendril(t, db);
  const v = await seedVine(knex, { allKinds: true });
  const jobs = createJobService(knex);
  const repo = createComponentRepository(knex);

  const deploy = await jobs.create({ userId: v.userId, type: 'DEPLOY', vineId: v.vineId });
  const done = await waitForJob(knex, deploy.id);
  t.equal(done.status, 'SUCCESS', `deploy job succeeds ${done.error ?? ''}`);
  t.equal(done.tendril_id, tendril.id, 'the Tendril that ran it is recorded');
  const vine = await knex('vines').where({ id: v.vineId }).first();
  t.equal(vine.status, 'ACTIVE', 'vine ACTIVE');
  t.equal(vine.applied_config_version, vine.config_version, 'applied config version recorded');
  const comps = await repo.listByVine(v.vineId);
  t.equal(comps.length, COMPONENT_KINDS.length, 'one component of every kind');
  for (const c of comps) {
    t.equal(c.status, 'ACTIVE', `${c.kind}/${c.name} ACTIVE`);
    t.ok(Object.keys(c.outputs).length > 0, `${c.kind}/${c.name} has outputs (${JSON.stringify(c.outputs).slice(0, 80)})`);
    t.ok(c.applied_settings, `${c.kind}/${c.name} applied settings recorded`);
  }
  const log = await jobLog(knex, deploy.id);
  t.match(log, /Apply complete!|apply complete/i, 'Terraform said so in the log');
  t.notMatch(log, /CLI configuration|\.terraformrc/, 'no stray CLI config warnings');
  const timestamps = await knex('provision_jobs').where({ id: deploy.id }).first('queued_at', 'claimed_at', 'processing_at', 'finished_at');
  t.ok(timestamps.queued_at <= timestamps.claimed_at && timestamps.claimed_at <= timestamps.processing_at && timestamps.processing_at <= timestamps.finished_at, 'every status has its time');

  // Change one database's size: the next DEPLOY shows that component UPDATING, then ACTIVE.
  const dbComp = comps.find((c) => c.kind === 'databases')!;
  await repo.updateSettings('databases', dbComp.id, { ...dbComp.settings, storage_gb: 50 });
  await knex('vines').where({ id: v.vineId }).update({ config_version: knex.raw('config_version + 1'), options: JSON.stringify({ apply_delay_seconds: 2 }) });
  const seen = new Set<string>();
  const update = await jobs.create({ userId: v.userId, type: 'DEPLOY', vineId: v.vineId });
  const others = new Set<string>();
  const watcher = waitFor('the database to be UPDATING then ACTIVE', async () => {
    const s = await componentStatuses(knex, v.vineId);
    seen.add(s['databases/main']!);
    for (const [k, st] of Object.entries(s)) if (k !== 'databases/main' && st !== 'ACTIVE') others.add(`${k}:${st}`);
    const j = await knex('provision_jobs').where({ id: update.id }).first('status');
    return j.status === 'SUCCESS' || j.status === 'FAILED';
  }, 90_000, 25);
  await watcher;
  t.ok(seen.has('UPDATING'), 'the changed database was UPDATING');
  t.equal((await componentStatuses(knex, v.vineId))['databases/main'], 'ACTIVE', 'then ACTIVE');
  t.same([...others], [], 'unchanged components stayed ACTIVE');
  t.equal((await waitForJob(knex, update.id)).status, 'SUCCESS');
  const updatedDb = (await repo.find('databases', dbComp.id))!;
  t.equal(updatedDb.applied_settings?.storage_gb, 50, 'the new size is what is applied');

  await knex('vines').where({ id: v.vineId }).update({ options: '{}' });
  const destroy = await jobs.create({ userId: v.userId, type: 'DESTROY', vineId: v.vineId });
  t.equal((await knex('vines').where({ id: v.vineId }).first()).status, 'DESTROYING', 'vine DESTROYING as soon as the destroy is queued');
  t.equal((await waitForJob(knex, destroy.id)).status, 'SUCCESS', 'destroy succeeds');
  t.equal((await knex('vines').where({ id: v.vineId }).first()).status, 'DESTROYED', 'vine DESTROYED');
  const after = await repo.listByVine(v.vineId);
  t.ok(after.every((c) => c.status === 'DESTROYED'), 'every component DESTROYED');
  const state = await vineState(knex, tendril.config.secretKey, v.vineId);
  t.same(state?.resources, [], 'the vine’s state holds no resources');
  const sealed = await knex('terraform_states').where({ vine_id: v.vineId }).pluck('state_encrypted');
  t.ok(sealed.length > 1, `its history is kept (${sealed.length} versions)`);
});
