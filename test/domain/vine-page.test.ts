/** The vine page's one statement: the owner's vine only, everything in order, a stamp that follows every change. */
import t from 'tap';
import { freshDatabase } from '../helpers.js';
import { seedUser, seedVine } from '../fixtures.js';
import { readVinePage } from '../../src/domain/vines/page.js';
import { createComponentRepository } from '../../src/domain/components/repository.js';
import { createJobRepository } from '../../src/domain/jobs/repository.js';
import { createLogWriter } from '../../src/domain/jobs/log-writer.js';
import { COMPONENT_KINDS } from '../../src/domain/components/catalogue.js';

t.test('readVinePage: scoped to the owner, ordered, the open job’s tail only, a stamp that changes with the vine', async (t) => {
  const { knex } = await freshDatabase(t);
  const seeded = await seedVine(knex, { allKinds: true });
  const { userId, vineId } = seeded;
  const read = () => readVinePage(knex, userId, vineId, { jobs: 3, logTail: 5 });

  const other = await seedUser(knex);
  t.equal(await readVinePage(knex, other.userId, vineId, { jobs: 3, logTail: 5 }), undefined, 'another user’s vine reads as missing');
  t.equal(await readVinePage(knex, userId, 'not-a-uuid', { jobs: 3, logTail: 5 }), undefined, 'a malformed id reads as missing');

  const first = (await read())!;
  t.equal(first.vine.id, vineId, 'the vine');
  t.ok(first.vine.created_at instanceof Date, 'its times are dates');
  t.same(first.components.map((c) => c.kind), COMPONENT_KINDS.map((k) => k.kind), 'every component, in catalogue order');
  t.same(first.jobs, [], 'no jobs yet');
  t.equal(first.newest, null, 'nothing ran');
  t.match(first.stamp, /^[0-9a-f]{16}$/, 'a stamp');
  t.equal((await read())!.stamp, first.stamp, 'the same stamp while nothing changes');

  // A component's status and outputs change: the stamp does.
  const components = createComponentRepository(knex);
  const db = first.components.find((c) => c.kind === 'databases')!;
  await components.transition('databases', db.id, 'CREATING');
  const creating = (await read())!;
  t.equal(creating.components.find((c) => c.id === db.id)!.status, 'CREATING', 'the new status');
  t.not(creating.stamp, first.stamp, 'a component’s new status changes the stamp');
  await components.patch('databases', db.id, { outputs: { endpoint: 'db:5432' } });
  const withOutputs = (await read())!;
  t.same(withOutputs.components.find((c) => c.id === db.id)!.outputs, { endpoint: 'db:5432' }, 'its outputs');
  t.not(withOutputs.stamp, creating.stamp, 'new outputs change the stamp');

  // Jobs: newest first, at most `jobs`; the tail only while the newest is open.
  const jobs = createJobRepository(knex);
  const made = [];
  for (let i = 0; i < 4; i++) made.push(await jobs.insert({ vine_id: vineId, created_by: userId, type: 'PLAN' }));
  const withJobs = (await read())!;
  t.same(withJobs.jobs.map((j) => j.id), made.slice(1).reverse().map((j) => j.id), 'the 3 newest jobs, newest first');
  t.ok(withJobs.jobs[0]!.queued_at instanceof Date, 'job times are dates');
  t.not(withJobs.stamp, withOutputs.stamp, 'a new job changes the stamp');
  t.equal(withJobs.newest?.context.vine?.id, vineId, 'the newest job’s context');
  const newest = made[3]!;
  const log = createLogWriter(knex, newest.id);
  for (let i = 1; i <= 8; i++) log.write({ stream: 'stdout', level: 'info', line: `line ${i}` });
  await log.close();
  t.same((await read())!.newest?.tail?.map((l) => l.line), ['line 4', 'line 5', 'line 6', 'line 7', 'line 8'], 'an open job: its last lines, in order');
  await knex('provision_jobs').where({ id: newest.id }).update({ status: 'SUCCESS', finished_at: knex.fn.now() });
  const done = (await read())!;
  t.equal(done.newest?.tail, null, 'a finished job: no tail (the page fetches its log when opened)');
  t.not(done.stamp, withJobs.stamp, 'a job’s new status changes the stamp');

  // The vine itself, and its vineyard's name (part of the names it is shown by).
  await knex('vineyards').where({ id: seeded.vineyardId }).update({ name: 'renamed' });
  const renamed = (await read())!;
  t.equal(renamed.vine.vineyard_name, 'renamed', 'the vineyard’s name');
  t.not(renamed.stamp, done.stamp, 'a renamed vineyard changes the stamp');
  await components.markRemoved('databases', db.id);
  const removed = (await read())!;
  t.ok(removed.components.find((c) => c.id === db.id)!.removed_at instanceof Date, 'a removed component’s time');
  t.not(removed.stamp, renamed.stamp, 'removing a component changes the stamp');
});
