/** Fencing: once the reaper took a lease away, nothing the old run writes lands; outages are not deaths. */
import t from 'tap';
import { randomBytes } from 'node:crypto';
import { freshDatabase } from '../../helpers.js';
import { seedVine } from '../../fixtures.js';
import { createJobService } from '../../../src/domain/jobs/service.js';
import { createJobRepository } from '../../../src/domain/jobs/repository.js';
import { createTendrilRepository } from '../../../src/domain/tendrils/repository.js';
import { createDbJobStore } from '../../../src/runner/db-store.js';
import { createSealer } from '../../../src/domain/crypto.js';
import { LeaseLostError } from '../../../src/domain/jobs/lease.js';
import { reap } from '../../../src/domain/tendrils/reaper.js';
import { createComponentRepository } from '../../../src/domain/components/repository.js';

t.test('a run whose lease was taken away changes nothing', async (t) => {
  const db = await freshDatabase(t);
  const { knex } = db;
  const v = await seedVine(knex, { allKinds: true });
  const [tendril] = await knex('tendrils').insert({ name: 'old', host: 'h', pid: 1, version: '0', concurrency: 1 }).returning('id');
  const store = createDbJobStore({ knex, sealer: createSealer(randomBytes(32)), tendrilId: tendril.id, stateUrl: () => 'http://127.0.0.1:9/unused', leaseSeconds: 8 });
  const job = await createJobService(knex).create({ userId: v.userId, type: 'DEPLOY', vineId: v.vineId });
  const claimed = (await store.claim(job.id))!;
  t.equal(claimed.lease_epoch, 1, 'the claim takes a lease');
  await store.start(claimed);
  const [component] = await createComponentRepository(knex).listByVine(v.vineId);
  t.equal(await store.components.transition(claimed, component!, 'CREATING'), 'CREATING', 'while it holds the lease, its writes land');

  // The lease ran out long ago, and no outage: the reaper fails the job and takes the lease away.
  await knex('provision_jobs').where({ id: job.id }).update({ lease_expires_at: knex.raw("now() - interval '1 minute'") });
  await knex('tendril_clock').update({ outage_ended_at: knex.raw("now() - interval '10 minutes'") });
  const r = await reap(knex, { ttlSeconds: 8, reapMarginSeconds: 2 });
  t.same(r.jobs.map((j) => j.id), [job.id], 'the reaper failed the job');
  const reaped = await knex('provision_jobs').where({ id: job.id }).first('status', 'error', 'lease_epoch');
  t.match(reaped, { status: 'FAILED', lease_epoch: 2 }, 'FAILED, the lease taken away');
  t.match(reaped.error, /^Tendril old stopped responding: its lease on this job ran out/, 'the message names the Tendril');

  await t.rejects(store.components.transition(claimed, component!, 'ACTIVE'), LeaseLostError, 'the old run cannot move a component');
  await t.rejects(store.components.patch(claimed, component!, { outputs: { x: 1 } }), LeaseLostError, 'nor write its outputs');
  await t.rejects(store.finish(claimed, { status: 'SUCCESS' }), LeaseLostError, 'nor record its job’s end');
  await t.rejects(store.keepErroredState(claimed, Buffer.from('{}')), LeaseLostError, 'nor keep a state');
  const errors: Error[] = [];
  const logs = await store.logs(claimed, { redact: (s) => s, onError: (e) => errors.push(e) });
  logs.system('a zombie line');
  await logs.close();
  t.equal(await knex('provision_job_logs').where({ job_id: job.id }).where('line', 'a zombie line').first(), undefined, 'nor write a log line');
  t.ok(errors.some((e) => e instanceof LeaseLostError), 'the writer says why');
  t.equal((await knex('provision_jobs').where({ id: job.id }).first('status')).status, 'FAILED', 'the job stays FAILED');
  t.equal((await knex('vines').where({ id: v.vineId }).first('status')).status, 'FAILED', 'the vine FAILED: retryable');
});

t.test('an outage is not a death: after every Tendril was silent, leases count from the outage’s end', async (t) => {
  const { knex } = await freshDatabase(t);
  const v = await seedVine(knex);
  const [tendril] = await knex('tendrils').insert({ name: 't', host: 'h', pid: 1, version: '0', concurrency: 1 }).returning('id');
  const jobs = createJobRepository(knex);
  const job = await createJobService(knex).create({ userId: v.userId, type: 'PLAN', vineId: v.vineId });
  await jobs.claim(job.id, tendril.id, 8, 'h');
  // Its lease ran out 30 s ago…
  await knex('provision_jobs').where({ id: job.id }).update({ lease_expires_at: knex.raw("now() - interval '30 seconds'") });
  await knex('tendrils').update({ last_seen_at: knex.raw("now() - interval '40 seconds'") });
  // …but no Tendril ticked for a minute: the database was down. The first tick after it says so.
  await knex('tendril_clock').update({ last_tick_at: knex.raw("now() - interval '60 seconds'"), outage_ended_at: knex.raw("now() - interval '1 hour'") });
  await createTendrilRepository(knex).tick(3);
  const r1 = await reap(knex, { ttlSeconds: 8, reapMarginSeconds: 2 });
  t.same(r1, { jobs: [], tendrils: [] }, 'nothing is reaped right after an outage');
  t.equal((await knex('provision_jobs').where({ id: job.id }).first('status')).status, 'CLAIMED');
  // A whole lease (and the margin) later without a renewal, it is a death.
  await knex('tendril_clock').update({ outage_ended_at: knex.raw("now() - interval '11 seconds'") });
  const r2 = await reap(knex, { ttlSeconds: 8, reapMarginSeconds: 2 });
  t.same(r2.jobs.map((j) => j.id), [job.id], 'then the job is failed');
  t.same(r2.tendrils.map((x) => x.name), ['t'], 'and its Tendril declared dead');
});

t.test('renewals extend only the leases a Tendril still holds', async (t) => {
  const { knex } = await freshDatabase(t);
  const v = await seedVine(knex);
  const [a] = await knex('tendrils').insert({ name: 'a', host: 'h', pid: 1, version: '0', concurrency: 1 }).returning('id');
  const jobs = createJobRepository(knex);
  const job = await createJobService(knex).create({ userId: v.userId, type: 'PLAN', vineId: v.vineId });
  const claimed = (await jobs.claim(job.id, a.id, 8, 'h'))!;
  t.same([...(await jobs.renew(a.id, [{ jobId: job.id, epoch: claimed.lease_epoch }], 8))], [job.id], 'its own lease, renewed');
  t.same([...(await jobs.renew(a.id, [{ jobId: job.id, epoch: claimed.lease_epoch + 1 }], 8))], [], 'not with another epoch');
  t.same([...(await jobs.renew('00000000-0000-0000-0000-000000000000', [{ jobId: job.id, epoch: claimed.lease_epoch }], 8))], [], 'not by another Tendril');
});
