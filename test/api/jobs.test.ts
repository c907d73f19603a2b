/** Jobs through the API without a Tendril: they stay QUEUED, so every state is set up by hand. */
import t from 'tap';
import { createLogWriter } from '../../src/domain/jobs/log-writer.js';
import { apiApp, fullSpec, isProblem } from './helpers.js';

async function plantedVine(alice: Awaited<ReturnType<typeof apiApp>>['alice']) {
  const vy = (await alice.req('POST', '/api/v1/vineyards', { name: 'acme' })).json();
  return (await alice.req('POST', `/api/v1/vineyards/${vy.id}/vines`, fullSpec())).json().vine.id as string;
}

t.test('jobs: start, list in pages, read, cancel; lifecycle refusals', async (t) => {
  const { app, alice, bob, db } = await apiApp(t);
  const vineId = await plantedVine(alice);

  const plan = await alice.req('POST', `/api/v1/vines/${vineId}/jobs`, { type: 'PLAN' });
  t.equal(plan.statusCode, 202, 'a plan is accepted');
  t.match(plan.json(), { type: 'PLAN', status: 'QUEUED', vine_id: vineId }, 'QUEUED');
  const deploy = await alice.req('POST', `/api/v1/vines/${vineId}/jobs`, { type: 'DEPLOY' });
  t.equal(deploy.statusCode, 202, 'a harvest is accepted');
  t.equal((await alice.req('GET', `/api/v1/vines/${vineId}`)).json().vine.status, 'QUEUED', 'the vine is QUEUED');
  const again = isProblem(t, await alice.req('POST', `/api/v1/vines/${vineId}/jobs`, { type: 'DEPLOY' }), 409, 'a second harvest');
  t.match(again.detail, /must finish/, 'says what is in the way');
  isProblem(t, await alice.req('POST', `/api/v1/vines/${vineId}/jobs`, { type: 'DESTROY' }), 409, 'destroy while queued');
  isProblem(t, await alice.req('DELETE', `/api/v1/vines/${vineId}`), 409, 'delete while queued');

  const badType = isProblem(t, await alice.req('POST', `/api/v1/vines/${vineId}/jobs`, { type: 'CONNECTION_TEST' }), 400, 'an identity job on a vine');
  t.match(badType.errors, [{ field: 'type', message: /PLAN, DEPLOY, DESTROY, BOOTSTRAP/ }]);
  isProblem(t, await alice.req('POST', `/api/v1/vines/${vineId}/jobs`, {}), 400, 'no type');
  const planForPlan = isProblem(t, await alice.req('POST', `/api/v1/vines/${vineId}/jobs`, { type: 'PLAN', plan_job_id: plan.json().id }), 400, 'plan_job_id on a plan');
  t.match(planForPlan.errors, [{ field: 'plan_job_id' }]);
  const camel = isProblem(t, await alice.req('POST', `/api/v1/vines/${vineId}/jobs`, { type: 'DEPLOY', planJobId: plan.json().id }), 400, 'the old camelCase name');
  t.match(camel.errors, [{ field: 'planJobId', message: 'is not a known field: use "plan_job_id" (every name is snake_case)' }], 'names the new key');
  isProblem(t, await bob.req('POST', `/api/v1/vines/${vineId}/jobs`, { type: 'PLAN' }), 404, 'a job on another user’s vine');
  isProblem(t, await app.inject({ method: 'POST', url: `/api/v1/vines/${vineId}/jobs`, payload: { type: 'PLAN' } }), 401, 'no token');

  const got = await alice.req('GET', `/api/v1/jobs/${plan.json().id}`);
  t.equal(got.json().id, plan.json().id, 'a job by id');
  isProblem(t, await bob.req('GET', `/api/v1/jobs/${plan.json().id}`), 404, 'another user’s job');
  isProblem(t, await bob.req('POST', `/api/v1/jobs/${plan.json().id}/cancel`), 404, 'cancelling another user’s job');

  const cancelled = await alice.req('POST', `/api/v1/jobs/${deploy.json().id}/cancel`);
  t.equal(cancelled.json().status, 'CANCELLED', 'a queued job is cancelled at once');
  t.equal((await alice.req('GET', `/api/v1/vines/${vineId}`)).json().vine.status, 'DRAFT', 'the vine back where it was');
  isProblem(t, await alice.req('POST', `/api/v1/jobs/${deploy.json().id}/cancel`), 409, 'cancelling twice');

  // A stale plan cannot be applied; a plan of another vine neither.
  await db.knex('provision_jobs').where({ id: plan.json().id }).update({ status: 'SUCCESS', finished_at: new Date() });
  await alice.req('PUT', `/api/v1/vines/${vineId}`, fullSpec('shop', { caches: [] }));
  const stale = isProblem(t, await alice.req('POST', `/api/v1/vines/${vineId}/jobs`, { type: 'DEPLOY', plan_job_id: plan.json().id }), 409, 'a stale plan');
  t.match(stale.detail, /stale/);
  const notAPlan = isProblem(t, await alice.req('POST', `/api/v1/vines/${vineId}/jobs`, { type: 'DEPLOY', plan_job_id: deploy.json().id }), 400, 'a job that is no plan');
  t.match(notAPlan.errors, [{ field: 'plan_job_id' }]);

  for (let i = 0; i < 4; i++) await alice.req('POST', `/api/v1/vines/${vineId}/jobs`, { type: 'PLAN' });
  const first = (await alice.req('GET', `/api/v1/vines/${vineId}/jobs?limit=4`)).json();
  const second = (await alice.req('GET', `/api/v1/vines/${vineId}/jobs?limit=4&cursor=${first.next_cursor}`)).json();
  const ids = [...first.items, ...second.items].map((j: { id: string }) => j.id);
  t.equal(ids.length, 6, 'every job once across the pages');
  t.equal(new Set(ids).size, 6, 'none repeated');
  t.equal(ids[5], plan.json().id, 'newest first: the first plan last');
  t.equal(second.next_cursor, null, 'the last page says so');
  isProblem(t, await bob.req('GET', `/api/v1/vines/${vineId}/jobs`), 404, 'another user’s vine’s jobs');
  isProblem(t, await alice.req('GET', `/api/v1/vines/${vineId}/jobs?cursor=${Buffer.from('["x"]').toString('base64url')}`), 400, 'a forged cursor');
});

t.test('job logs: JSON pages and SSE with resume, exactly once each', async (t) => {
  const { alice, bob, db } = await apiApp(t);
  const vineId = await plantedVine(alice);
  const job = (await alice.req('POST', `/api/v1/vines/${vineId}/jobs`, { type: 'PLAN' })).json();
  const writer = createLogWriter(db.knex, job.id);
  for (let i = 1; i <= 25; i++) writer.write({ stream: 'stdout', level: 'info', line: `line ${i}` });
  await writer.close();

  const page = (await alice.req('GET', `/api/v1/jobs/${job.id}/logs?limit=10`)).json();
  t.equal(page.lines.length, 10, 'a page of 10');
  t.equal(page.next_after, 10, 'where to go on');
  t.equal(page.done, false, 'not done while the job runs');
  const rest = (await alice.req('GET', `/api/v1/jobs/${job.id}/logs?after=10`)).json();
  t.same(rest.lines.map((l: { line: string }) => l.line), Array.from({ length: 15 }, (_, i) => `line ${i + 11}`), 'the rest, in order');
  isProblem(t, await bob.req('GET', `/api/v1/jobs/${job.id}/logs`), 404, 'another user’s job log');
  isProblem(t, await bob.req('GET', `/api/v1/jobs/${job.id}/logs`, undefined, { accept: 'text/event-stream' }), 404, 'another user’s job log as SSE');
  isProblem(t, await alice.req('GET', `/api/v1/jobs/${job.id}/logs?after=-1`), 400, 'a negative after');

  await db.knex('provision_jobs').where({ id: job.id }).update({ status: 'SUCCESS', finished_at: new Date() });
  t.equal((await alice.req('GET', `/api/v1/jobs/${job.id}/logs?after=20`)).json().done, true, 'done once the job finished and the last line is in');
  const sse = await alice.req('GET', `/api/v1/jobs/${job.id}/logs`, undefined, { accept: 'text/event-stream', 'last-event-id': '20' });
  t.match(sse.headers['content-type'], /text\/event-stream/);
  const ids = [...sse.body.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
  t.same(ids, [21, 22, 23, 24, 25], 'resumes after Last-Event-ID, nothing repeated');
  t.match(sse.body, /event: end\ndata: {"status":"SUCCESS"}/, 'ends with the job');
  const viaQuery = await alice.req('GET', `/api/v1/jobs/${job.id}/logs?after=23`, undefined, { accept: 'text/event-stream' });
  t.same([...viaQuery.body.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1])), [24, 25], '?after= works for SSE too');
});
