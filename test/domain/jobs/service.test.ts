import t from 'tap';
import { freshDatabase } from '../../helpers.js';
import { seedVine, seedUser } from '../../fixtures.js';
import { createJobService } from '../../../src/domain/jobs/service.js';
import { ConflictError, NotFoundError, ValidationError } from '../../../src/domain/errors.js';

async function graphileJobs(knex: import('knex').Knex) {
  // The public `jobs` view hides the payload; the private tables are graphile-worker's storage.
  return knex('graphile_worker._private_jobs as j')
    .join('graphile_worker._private_tasks as t', 't.id', 'j.task_id')
    .leftJoin('graphile_worker._private_job_queues as q', 'q.id', 'j.job_queue_id')
    .select('j.id', 't.identifier as task_identifier', 'q.queue_name', 'j.max_attempts', 'j.payload')
    .orderBy('j.id');
}

t.test('creating a job inserts the row and the graphile-worker job together', async (t) => {
  const { knex } = await freshDatabase(t);
  const v = await seedVine(knex);
  const jobs = createJobService(knex);
  const job = await jobs.create({ userId: v.userId, type: 'DEPLOY', vineId: v.vineId });
  t.equal(job.status, 'QUEUED');
  t.equal(job.previous_vine_status, 'DRAFT', 'the job records where the vine was');
  const [g] = await graphileJobs(knex);
  t.equal(g.task_identifier, 'DEPLOY');
  t.equal(g.queue_name, `vine:${v.vineId}`, 'jobs of one vine share a queue');
  t.equal(g.max_attempts, 1, 'Terraform jobs are not retried blindly');
  t.same(g.payload, { jobId: job.id });
  t.equal(Number(g.id), job.graphile_job_id);
  t.equal((await knex('vines').where({ id: v.vineId }).first()).status, 'QUEUED', 'DRAFT → QUEUED');
});

t.test('a refused job leaves nothing behind', async (t) => {
  const { knex } = await freshDatabase(t);
  const v = await seedVine(knex);
  const jobs = createJobService(knex);
  await jobs.create({ userId: v.userId, type: 'DEPLOY', vineId: v.vineId });
  await t.rejects(jobs.create({ userId: v.userId, type: 'DEPLOY', vineId: v.vineId }), ConflictError, 'a second DEPLOY while QUEUED is refused');
  await t.rejects(
    jobs.create({ userId: v.userId, type: 'DESTROY', vineId: v.vineId }),
    { message: /vine is QUEUED: DEPLOY job .* must finish \(or be cancelled\) before a DESTROY can start/ },
    'DESTROY while a DEPLOY is queued names the blocking job',
  );
  t.equal((await graphileJobs(knex)).length, 1, 'no extra graphile-worker job');
  t.equal((await knex('provision_jobs')).length, 1, 'no extra provision job');
  await knex('vines').where({ id: v.vineId }).update({ status: 'DESTROYING' });
  await t.rejects(jobs.create({ userId: v.userId, type: 'DEPLOY', vineId: v.vineId }), { message: /vine is DESTROYING/ }, 'DEPLOY while DESTROYING is refused');
  await knex('vines').where({ id: v.vineId }).update({ status: 'DRAFT' });
  await t.rejects(jobs.create({ userId: v.userId, type: 'DESTROY', vineId: v.vineId }), { message: /DRAFT/ }, 'nothing to destroy in a DRAFT');
  const plan = await jobs.create({ userId: v.userId, type: 'PLAN', vineId: v.vineId });
  t.equal(plan.status, 'QUEUED', 'a PLAN may queue behind the DEPLOY (same vine queue)');
});

t.test('cancel a queued job: CANCELLED at once, vine back where it was, graphile job removed', async (t) => {
  const { knex } = await freshDatabase(t);
  const v = await seedVine(knex);
  const jobs = createJobService(knex);
  const job = await jobs.create({ userId: v.userId, type: 'DEPLOY', vineId: v.vineId });
  const cancelled = await jobs.cancel(v.userId, job.id);
  t.equal(cancelled.status, 'CANCELLED');
  t.ok(cancelled.finished_at, 'finished_at recorded');
  t.equal((await knex('vines').where({ id: v.vineId }).first()).status, 'DRAFT', 'vine back to DRAFT');
  t.equal((await graphileJobs(knex)).length, 0, 'graphile-worker job removed');
  await t.rejects(jobs.cancel(v.userId, job.id), { message: 'job is already CANCELLED' });
  const again = await jobs.create({ userId: v.userId, type: 'DEPLOY', vineId: v.vineId });
  t.equal(again.status, 'QUEUED', 'a new DEPLOY can be queued after the cancel');
});

t.test('cancel a running job asks its Tendril over NOTIFY', async (t) => {
  const { knex, url } = await freshDatabase(t);
  const v = await seedVine(knex);
  const jobs = createJobService(knex);
  const job = await jobs.create({ userId: v.userId, type: 'PLAN', vineId: v.vineId });
  await knex('provision_jobs').where({ id: job.id }).update({ status: 'PROCESSING' });
  const pg = (await import('pg')).default;
  const listener = new pg.Client({ connectionString: url });
  await listener.connect();
  t.teardown(() => listener.end());
  await listener.query('LISTEN vintner_cancel');
  const heard = new Promise<string>((r) => listener.on('notification', (m) => r(m.payload ?? '')));
  const res = await jobs.cancel(v.userId, job.id);
  t.equal(res.status, 'PROCESSING', 'still PROCESSING until the Tendril stops it');
  t.ok(res.cancel_requested_at, 'the request is recorded');
  t.equal(await heard, job.id, 'the Tendril is told');
});

t.test('stale and foreign plans are refused', async (t) => {
  const { knex } = await freshDatabase(t);
  const v = await seedVine(knex);
  const jobs = createJobService(knex);
  const plan = await jobs.create({ userId: v.userId, type: 'PLAN', vineId: v.vineId });
  await t.rejects(jobs.create({ userId: v.userId, type: 'DEPLOY', vineId: v.vineId, planJobId: plan.id }), { message: /is QUEUED: only a successful plan/ });
  await knex('provision_jobs').where({ id: plan.id }).update({ status: 'SUCCESS', finished_at: knex.fn.now() });
  await knex('vines').where({ id: v.vineId }).increment('config_version', 1);
  await t.rejects(
    jobs.create({ userId: v.userId, type: 'DEPLOY', vineId: v.vineId, planJobId: plan.id }),
    { message: /is stale: the vine's configuration changed since it was planned; run a new plan/ },
    'a stale plan is refused with a clear message',
  );
  await t.rejects(jobs.create({ userId: v.userId, type: 'DEPLOY', vineId: v.vineId, planJobId: 'nope' }), ValidationError);
  t.equal((await knex('vines').where({ id: v.vineId }).first()).status, 'DRAFT', 'refusals do not move the vine');
});

t.test('jobs are scoped to their owner', async (t) => {
  const { knex } = await freshDatabase(t);
  const v = await seedVine(knex);
  const other = await seedUser(knex);
  const jobs = createJobService(knex);
  const job = await jobs.create({ userId: v.userId, type: 'PLAN', vineId: v.vineId });
  await t.rejects(jobs.get(other.userId, job.id), NotFoundError, 'get');
  await t.rejects(jobs.cancel(other.userId, job.id), NotFoundError, 'cancel');
  await t.rejects(jobs.logs(other.userId, job.id), NotFoundError, 'logs');
  await t.rejects(jobs.create({ userId: other.userId, type: 'PLAN', vineId: v.vineId }), NotFoundError, 'create on a foreign vine');
  await t.rejects(jobs.create({ userId: other.userId, type: 'CONNECTION_TEST', identityId: v.identityId }), NotFoundError, 'test a foreign identity');
  t.same(await jobs.listForVine(other.userId, v.vineId), [], 'list');
  t.equal((await jobs.listForVine(v.userId, v.vineId)).length, 1);
  await t.rejects(jobs.get(v.userId, 'not-a-uuid'), NotFoundError, 'a malformed id is a 404, not a 500');
});
