/**
 * A vine's state history through the JSON API: versions newest first in pages, one version's
 * addresses and output names (no value), restore (201, the new version) and its refusals (409),
 * other users' vines answering 404, and a plan made before a restore refused as stale.
 */
import t from 'tap';
import { randomUUID } from 'node:crypto';
import { apiApp, fullSpec, isProblem } from './helpers.js';
import { CANARY, docAddresses, stateDoc, writeVersions } from '../state/helpers.js';

t.test('state versions: list, inspect, restore; refusals; other users', async (t) => {
  const { app, alice, bob, db } = await apiApp(t);
  const vy = (await alice.req('POST', '/api/v1/vineyards', { name: 'acme' })).json();
  const vineId = (await alice.req('POST', `/api/v1/vineyards/${vy.id}/vines`, fullSpec())).json().vine.id as string;
  const base = `/api/v1/vines/${vineId}/state/versions`;

  let res = await alice.req('GET', base);
  t.equal(res.statusCode, 200, 'a vine never harvested: 200');
  t.same(res.json(), { items: [], next_cursor: null }, 'with no version');

  const lineage = randomUUID();
  const jobId = await writeVersions(app, vineId, [
    stateDoc({ serial: 1, lineage, databases: ['main'] }),
    stateDoc({ serial: 2, lineage, databases: ['main', 'reports'] }),
    stateDoc({ serial: 3, lineage, databases: ['main', 'reports', 'audit'], outputs: ['databases', 'queues'] }),
  ]);
  res = await alice.req('GET', base);
  const items = res.json().items;
  t.same(items.map((s: { version: number }) => s.version), [3, 2, 1], 'newest first');
  t.same(Object.keys(items[0]).sort(), ['created_at', 'current', 'deleted', 'job_id', 'job_type', 'lineage', 'origin', 'resources', 'restored_from', 'serial', 'tendril_id', 'tendril_name', 'version'], 'exactly the declared fields');
  t.match(items[0], { version: 3, current: true, serial: 3, lineage, resources: docAddresses(['main', 'reports', 'audit']).length, deleted: false, origin: 'job', job_id: jobId, job_type: 'DEPLOY', restored_from: null }, 'who wrote it and what it holds');
  t.equal(items[1].current, false, 'older ones are not current');

  const first = (await alice.req('GET', `${base}?limit=2`)).json();
  t.same(first.items.map((s: { version: number }) => s.version), [3, 2], 'a page of two');
  t.type(first.next_cursor, 'string', 'and a cursor');
  const rest = (await alice.req('GET', `${base}?limit=2&cursor=${first.next_cursor}`)).json();
  t.same(rest, { items: [items[2]], next_cursor: null }, 'the next page is the last');
  for (const bad of ['nope', Buffer.from(JSON.stringify(['x'])).toString('base64url'), Buffer.from(JSON.stringify(['1', '2'])).toString('base64url')]) {
    isProblem(t, await alice.req('GET', `${base}?cursor=${bad}`), 400, `a cursor not given out (${bad.slice(0, 12)})`);
  }
  isProblem(t, await alice.req('GET', `${base}?limit=0`), 400, 'limit 0');

  res = await alice.req('GET', `${base}/2`);
  t.equal(res.statusCode, 200, 'one version');
  t.match(res.json(), { version: 2, serial: 2, terraform_version: '1.9.8', resource_addresses: docAddresses(['main', 'reports']), output_names: ['databases'] }, 'its addresses and output names');
  t.notOk(res.body.includes(CANARY), 'no value of the state in the answer');
  t.equal((await alice.req('GET', `${base}/%232`)).json().version, 2, '#2 as people write it');
  for (const missing of ['4', '0', 'abc', '1e3', "1'--"]) isProblem(t, await alice.req('GET', `${base}/${encodeURIComponent(missing)}`), 404, `version ${missing}`);

  // Restore.
  res = await alice.req('POST', `${base}/1/restore`);
  t.equal(res.statusCode, 201, 'restore: 201');
  t.match(res.json(), { version: 4, current: true, origin: 'restore', restored_from: 1, serial: 4, lineage, job_id: null, resources: docAddresses(['main']).length }, 'the new version: version 1 again, its serial above the current');
  t.same((await alice.req('GET', base)).json().items.map((s: { version: number; current: boolean }) => [s.version, s.current]), [[4, true], [3, false], [2, false], [1, false]], 'listed as the current one');
  t.match(isProblem(t, await alice.req('POST', `${base}/4/restore`), 409, 'restoring the current version').detail, 'is the current state already');
  isProblem(t, await alice.req('POST', `${base}/9/restore`), 404, 'restoring a version that is not there');

  // Refused while a job of the vine is queued (the vine row is locked meanwhile: none can start).
  const plan = (await alice.req('POST', `/api/v1/vines/${vineId}/jobs`, { type: 'PLAN' })).json();
  const busy = isProblem(t, await alice.req('POST', `${base}/2/restore`), 409, 'a job queued');
  t.match(busy.detail, `a PLAN job of this vine is QUEUED (job ${plan.id})`, 'naming the job');
  await alice.req('POST', `/api/v1/jobs/${plan.id}/cancel`);
  await db.knex('terraform_state_locks').insert({ state_key: `vine:${vineId}`, vine_id: vineId, lock_id: 'held', info: JSON.stringify({ ID: 'held', Who: 'terraform@elsewhere', Operation: 'OperationTypeApply' }) });
  t.match(isProblem(t, await alice.req('POST', `${base}/2/restore`), 409, 'the state locked').detail, 'locked by terraform@elsewhere', 'naming the holder');
  await db.knex('terraform_state_locks').delete();
  t.equal((await alice.req('POST', `${base}/2/restore`)).statusCode, 201, 'then it restores');

  // Another user: 404 for everything, nothing changed.
  const count = async () => (await db.knex('terraform_states').where({ vine_id: vineId })).length;
  const before = await count();
  isProblem(t, await bob.req('GET', base), 404, 'another user’s versions');
  isProblem(t, await bob.req('GET', `${base}/1`), 404, 'another user’s version');
  const restore = isProblem(t, await bob.req('POST', `${base}/1/restore`), 404, 'restoring another user’s version');
  t.equal(restore.detail, `vine ${vineId} not found`, 'the same answer as a missing vine');
  isProblem(t, await alice.req('GET', `/api/v1/vines/${randomUUID()}/state/versions`), 404, 'a missing vine');
  isProblem(t, await alice.req('GET', '/api/v1/vines/not-an-id/state/versions/1'), 404, 'a malformed vine id');
  t.equal(await count(), before, 'nothing written by the refusals');
});

t.test('a plan made before a restore cannot be harvested', async (t) => {
  const { app, alice, db } = await apiApp(t);
  const vy = (await alice.req('POST', '/api/v1/vineyards', { name: 'acme' })).json();
  const vine = (await alice.req('POST', `/api/v1/vineyards/${vy.id}/vines`, fullSpec())).json().vine;
  const lineage = randomUUID();
  await writeVersions(app, vine.id, [stateDoc({ serial: 1, lineage }), stateDoc({ serial: 2, lineage, databases: ['main', 'b'] })]);
  const [plan] = await db.knex('provision_jobs')
    .insert({ vine_id: vine.id, identity_id: vine.identity_id, created_by: alice.userId, type: 'PLAN', status: 'SUCCESS', config_version: vine.config_version, finished_at: new Date(Date.now() - 60_000), queued_at: new Date(Date.now() - 61_000) })
    .returning('id');
  t.equal((await alice.req('POST', `/api/v1/vines/${vine.id}/state/versions/1/restore`)).statusCode, 201, 'restored after the plan');
  const refused = isProblem(t, await alice.req('POST', `/api/v1/vines/${vine.id}/jobs`, { type: 'DEPLOY', plan_job_id: plan.id }), 409, 'harvesting that plan');
  t.match(refused.detail, 'an older state was restored since it was planned; run a new plan', 'says why and what to do');
  t.equal((await alice.req('POST', `/api/v1/vines/${vine.id}/jobs`, { type: 'PLAN' })).statusCode, 202, 'a new plan is accepted');
});
