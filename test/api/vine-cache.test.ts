/** The remembered vine details: never stale after a change, never shown to another user. */
import t from 'tap';
import { createVineDetailCache } from '../../src/routes/api/vine-cache.js';
import { notify, CHANNEL } from '../../src/domain/jobs/events.js';
import { PAGES_CHANNEL } from '../../src/routes/plugins/page-cache.js';
import { apiApp, eventually, fullSpec, isProblem } from './helpers.js';

t.test('the cache itself: owner only, eviction, expiry, and no stale write-back', async (t) => {
  const cache = createVineDetailCache(50);
  cache.set('v1', 'alice', 'vy1', '{"a":1}', cache.epoch);
  t.equal(cache.get('v1', 'alice'), '{"a":1}', 'the owner hits');
  t.equal(cache.get('v1', 'bob'), undefined, 'another user never does');
  const before = cache.epoch;
  cache.evict('v2');
  cache.set('v3', 'alice', 'vy1', '{}', before);
  t.equal(cache.get('v3', 'alice'), undefined, 'a read that began before an eviction is not kept');
  cache.evictVineyard('vy1');
  t.equal(cache.get('v1', 'alice'), undefined, 'a vineyard’s vines go with it');
  cache.set('v1', 'alice', 'vy1', '{}', cache.epoch);
  await new Promise((r) => setTimeout(r, 60));
  t.equal(cache.get('v1', 'alice'), undefined, 'entries expire');
});

t.test('GET /vines/:id follows every change at once', async (t) => {
  const { alice, bob, db } = await apiApp(t);
  const vy = (await alice.req('POST', '/api/v1/vineyards', { name: 'acme' })).json();
  const id = (await alice.req('POST', `/api/v1/vineyards/${vy.id}/vines`, fullSpec())).json().vine.id;
  const get = async () => (await alice.req('GET', `/api/v1/vines/${id}`)).json();
  t.equal((await get()).vine.status, 'DRAFT', 'read (and remembered)');
  isProblem(t, await bob.req('GET', `/api/v1/vines/${id}`), 404, 'another user, even with the detail remembered');

  await alice.req('PUT', `/api/v1/vines/${id}`, fullSpec('shop', { caches: [] }));
  t.same((await get()).spec.caches, [], 'a replace through the API shows at once');
  await alice.req('POST', `/api/v1/vines/${id}/jobs`, { type: 'DEPLOY' });
  t.equal((await get()).vine.status, 'QUEUED', 'a harvest shows at once');

  // What a Tendril does in another process: write the rows, then NOTIFY.
  await db.knex('vine_databases').where({ vine_id: id }).update({ status: 'ACTIVE', outputs: JSON.stringify({ endpoint: 'db.local:5432' }) });
  await notify(db.knex, CHANNEL.vineStatus, id);
  await eventually('the Tendril’s change to show', async () => (await get()).components.find((c: { kind: string }) => c.kind === 'databases').status === 'ACTIVE');
  t.same((await get()).components.find((c: { kind: string }) => c.kind === 'databases').outputs, { endpoint: 'db.local:5432' }, 'with its outputs');

  await alice.req('PATCH', `/api/v1/vineyards/${vy.id}`, { description: 'renamed soon' });
  const draft = (await alice.req('POST', `/api/v1/vineyards/${vy.id}/vines`, { name: 'blog', stage: 'development', identity: 'sandbox' })).json().vine.id;
  t.equal((await alice.req('GET', `/api/v1/vines/${draft}`)).json().vine.vineyard_name, 'acme');
  const jobs = (await alice.req('GET', `/api/v1/vines/${id}/jobs`)).json().items;
  t.equal((await alice.req('POST', `/api/v1/jobs/${jobs[0].id}/cancel`)).json().status, 'CANCELLED');
  t.equal((await get()).vine.status, 'DRAFT', 'a cancel shows at once');
  t.equal((await alice.req('DELETE', `/api/v1/vines/${id}`)).statusCode, 204);
  isProblem(t, await alice.req('GET', `/api/v1/vines/${id}`), 404, 'a deleted vine is gone at once');
  t.equal((await alice.req('PATCH', `/api/v1/vineyards/${vy.id}`, { name: 'globex' })).statusCode, 200);
  t.equal((await alice.req('GET', `/api/v1/vines/${draft}`)).json().vine.vineyard_name, 'globex', 'a vineyard rename shows at once');

  // A write through another Trellis process (here: a rename on the pages there) reaches this one's cache.
  await new Promise((r) => setTimeout(r, 300)); // the rename's own notification has come and gone
  t.equal((await alice.req('GET', `/api/v1/vines/${draft}`)).json().vine.vineyard_name, 'globex');
  await db.knex('vineyards').where({ id: vy.id }).update({ name: 'initech' });
  t.equal((await alice.req('GET', `/api/v1/vines/${draft}`)).json().vine.vineyard_name, 'globex', 'remembered meanwhile');
  await notify(db.knex, PAGES_CHANNEL, '');
  await eventually('a write elsewhere to clear the cache', async () => (await alice.req('GET', `/api/v1/vines/${draft}`)).json().vine.vineyard_name === 'initech');
});
