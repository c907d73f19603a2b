/**
 * The whole sandbox lifecycle on a remote Tendril — a `worker` process with TRELLIS_URL and
 * TENDRIL_TOKEN and no database URL — against Trellis as its own process: plan, harvest of that
 * plan, destroy. The identity is bound to the pool, so its jobs run there and only there, while a
 * vine of an unbound identity runs on Trellis's in-house Tendril. After the harvest a canary secret
 * of a component is nowhere in the database in clear (every column of every table, read as text).
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { freshDatabase } from '../helpers.js';
import { seedVine } from '../fixtures.js';
import { createJobService } from '../../src/domain/jobs/service.js';
import { createComponentRepository } from '../../src/domain/components/repository.js';
import { createSealer } from '../../src/domain/crypto.js';
import { jobLog, vineState, waitForJob } from '../tendril/harness.js';
import { bindIdentity, createPool, REMOTE_KEY, startRemoteTendril, startTrellis, started } from './harness.js';

const CANARY = 'canary-remote-5xQ9rT-never-in-clear';

/** Every row of every table of the database, as text (bytea as hex: a clear value shows as its hex too). */
async function dumpDatabase(knex: import('knex').Knex): Promise<{ text: string; tables: number; rows: number }> {
  const tables: Array<{ schemaname: string; tablename: string }> = await knex('pg_tables').whereNotIn('schemaname', ['pg_catalog', 'information_schema']).select('schemaname', 'tablename');
  let text = '';
  let rows = 0;
  for (const { schemaname, tablename } of tables) {
    const { rows: got } = await knex.raw(`SELECT t::text AS row FROM "${schemaname}"."${tablename}" t`);
    rows += got.length;
    for (const r of got as Array<{ row: string }>) text += `${schemaname}.${tablename}: ${r.row}\n`;
  }
  return { text, tables: tables.length, rows };
}

t.test('plan, harvest and destroy on a remote Tendril; pool jobs only there; a canary secret never in clear in the database', { timeout: 300_000 }, async (t) => {
  const db = await freshDatabase(t);
  const { knex } = db;
  const v = await seedVine(knex, { allKinds: true });
  await knex('vine_secrets').where({ vine_id: v.vineId }).update({ value_encrypted: createSealer(REMOTE_KEY).seal(CANARY) });
  const pool = await createPool(knex, v.userId);
  await bindIdentity(knex, v.identityId, pool.poolId);
  const inHouseVine = await seedVine(knex);

  const trellis = await startTrellis(t, db.url, { TENDRIL_IN_PROCESS: 'true' });
  const remote = startRemoteTendril(t, trellis.url, pool.token, 'remote-a');
  await started(remote);
  const env = readFileSync(`/proc/${remote.pid}/environ`, 'utf8').split('\0');
  t.notOk(env.some((e) => e.startsWith('DATABASE_URL=')), 'the remote Tendril’s environment holds no DATABASE_URL');
  t.notOk(env.some((e) => e.startsWith('VINTNER_SECRET_KEY=')), 'nor the secret key');
  const remoteRow = await knex('tendrils').where({ name: 'remote-a' }).first();
  t.equal(remoteRow.pool_id, pool.poolId, 'it registered in its pool');
  t.equal(remoteRow.in_process, false);

  const jobs = createJobService(knex);
  const plan = await jobs.create({ userId: v.userId, type: 'PLAN', vineId: v.vineId });
  t.equal(plan.graphile_job_id, null, 'a pool job is not handed to graphile-worker (in-house Tendrils never see it)');
  const planned = await waitForJob(knex, plan.id, 120_000);
  t.equal(planned.status, 'SUCCESS', `the plan succeeds ${planned.error ?? ''}`);
  t.equal(planned.tendril_id, remoteRow.id, 'on the remote Tendril');
  t.ok(planned.result?.summary?.add > 0, `its summary is stored (${planned.result?.summary?.add} to add)`);
  const planRow = await knex('provision_jobs').where({ id: plan.id }).first('plan_file_encrypted');
  t.ok(planRow.plan_file_encrypted?.length > 0, 'its plan file is stored (sealed)');

  const harvest = await jobs.create({ userId: v.userId, type: 'DEPLOY', vineId: v.vineId, planJobId: plan.id });
  const harvested = await waitForJob(knex, harvest.id, 120_000);
  t.equal(harvested.status, 'SUCCESS', `the harvest of that plan succeeds ${harvested.error ?? ''}`);
  t.equal(harvested.tendril_id, remoteRow.id, 'on the remote Tendril');
  const log = await jobLog(knex, harvest.id);
  t.match(log, /applying the stored plan of job/, 'it applied the stored plan');
  t.notMatch(log, new RegExp(CANARY), 'the canary is not in the log');
  t.equal((await knex('vines').where({ id: v.vineId }).first()).status, 'ACTIVE', 'the vine is ACTIVE');
  const comps = await createComponentRepository(knex).listByVine(v.vineId);
  t.ok(comps.every((c) => c.status === 'ACTIVE' && Object.keys(c.outputs).length > 0), 'every component ACTIVE with its outputs');
  const state = await vineState(knex, REMOTE_KEY, v.vineId);
  t.ok(state && state.resources.length > 0, `the state (kept by Trellis) holds the resources (${state?.resources.length})`);
  t.ok(JSON.stringify(state).includes(CANARY), 'the state holds the canary (so a clear copy would be found below)');
  const seq: number[] = await knex('provision_job_logs').where({ job_id: harvest.id }).orderBy('seq').pluck('seq');
  t.same(seq, seq.map((_, i) => i + 1), `log lines numbered 1…${seq.length}, none missing or doubled`);

  const dump = await dumpDatabase(knex);
  t.ok(dump.tables > 20 && dump.rows > 100, `the whole database was read (${dump.tables} tables, ${dump.rows} rows)`);
  for (const [form, value] of [['clear', CANARY], ['hex', Buffer.from(CANARY).toString('hex')], ['base64', Buffer.from(CANARY).toString('base64').replace(/=+$/, '')]] as const) {
    t.notOk(dump.text.includes(value), `the canary is nowhere in the database (${form})`);
  }

  const other = await jobs.create({ userId: inHouseVine.userId, type: 'DEPLOY', vineId: inHouseVine.vineId });
  t.ok(other.graphile_job_id, 'a job of an unbound identity goes to graphile-worker');
  const otherDone = await waitForJob(knex, other.id, 120_000);
  t.equal(otherDone.status, 'SUCCESS');
  const inHouse = await knex('tendrils').where({ id: otherDone.tendril_id }).first();
  t.ok(inHouse.in_process && inHouse.pool_id === null, 'and runs on the in-house Tendril');

  const destroy = await jobs.create({ userId: v.userId, type: 'DESTROY', vineId: v.vineId });
  const destroyed = await waitForJob(knex, destroy.id, 120_000);
  t.equal(destroyed.status, 'SUCCESS', `destroy succeeds ${destroyed.error ?? ''}`);
  t.equal(destroyed.tendril_id, remoteRow.id, 'on the remote Tendril');
  t.equal((await knex('vines').where({ id: v.vineId }).first()).status, 'DESTROYED', 'the vine is DESTROYED');
  t.same((await vineState(knex, REMOTE_KEY, v.vineId))?.resources, [], 'its state is empty');
  t.equal(await knex('terraform_state_locks').where({ vine_id: v.vineId }).first(), undefined, 'no state lock left');

  remote.kill('SIGTERM');
  await new Promise((r) => remote.once('exit', r));
  t.equal(remote.exitCode, 0, 'the remote Tendril stops cleanly on SIGTERM');
  t.equal((await knex('tendrils').where({ id: remoteRow.id }).first()).status, 'STOPPED', 'and says so');
});
