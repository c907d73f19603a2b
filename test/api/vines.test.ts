import t from 'tap';
import { apiApp, fullSpec, isProblem } from './helpers.js';

t.test('vines: plant, read, list, address by name, diff, replace, delete', async (t) => {
  const { app, alice, bob } = await apiApp(t);
  const vy = (await alice.req('POST', '/api/v1/vineyards', { name: 'acme' })).json();
  const planted = await alice.req('POST', `/api/v1/vineyards/${vy.id}/vines`, fullSpec());
  t.equal(planted.statusCode, 201, 'planted');
  const detail = planted.json();
  t.equal(detail.vine.status, 'DRAFT', 'a new vine is DRAFT');
  t.equal(detail.components.length, 11, 'one component of every kind');
  t.ok(detail.components.every((c: { status: string }) => c.status === 'PENDING'), 'every component PENDING');
  t.equal(detail.spec.databases[0].storage_gb, 20, 'the spec comes back with its settings');
  t.equal(detail.spec.databases[0].engine, 'postgres', 'and the stage’s defaults filled in');
  t.same(detail.spec.secrets[0], { ...detail.spec.secrets[0], value: null, has_value: true }, 'a secret value never comes back');
  t.notOk(JSON.stringify(detail).includes('sk_test_123'), 'nowhere in the answer');
  const id = detail.vine.id;

  const got = (await alice.req('GET', `/api/v1/vines/${id}`)).json();
  t.same(got.spec, detail.spec, 'GET answers the same spec');
  t.match(got.components[0], { kind: 'network', status: 'PENDING', outputs: {} }, 'statuses and outputs beside it');
  t.equal((await alice.req('GET', `/api/v1/vines/by-name/acme/shop`)).json().vine.id, id, 'by names');
  t.equal((await alice.req('GET', `/api/v1/vines/by-name/acme/shop?stage=development`)).json().vine.id, id, 'by names and stage');
  isProblem(t, await alice.req('GET', `/api/v1/vines/by-name/acme/shop?stage=production`), 404, 'not in that stage');
  const badStage = isProblem(t, await alice.req('GET', `/api/v1/vines/by-name/acme/shop?stage=prod`), 400, 'unknown stage');
  t.match(badStage.errors, [{ field: 'stage', message: /development, staging, production/ }]);

  await alice.req('POST', `/api/v1/vineyards/${vy.id}/vines`, fullSpec('shop', { stage: 'staging' }));
  const twice = isProblem(t, await alice.req('GET', `/api/v1/vines/by-name/acme/shop`), 400, 'in two stages');
  t.match(twice.errors, [{ field: 'stage' }], 'asks for the stage');
  await alice.req('POST', `/api/v1/vineyards/${vy.id}/vines`, { name: 'blog', stage: 'development', identity: 'sandbox' });
  const other = (await alice.req('POST', '/api/v1/vineyards', { name: 'zeta' })).json();
  await alice.req('POST', `/api/v1/vineyards/${other.id}/vines`, { name: 'api', stage: 'production', identity: 'sandbox' });

  const inVineyard = (await alice.req('GET', `/api/v1/vineyards/${vy.id}/vines`)).json();
  t.same(inVineyard.items.map((v: { name: string; stage: string }) => `${v.name}/${v.stage}`), ['blog/development', 'shop/development', 'shop/staging'], 'by name, then stage');
  const all = (await alice.req('GET', '/api/v1/vines?limit=3')).json();
  const rest = (await alice.req('GET', `/api/v1/vines?limit=3&cursor=${all.next_cursor}`)).json();
  t.same([...all.items, ...rest.items].map((v: { vineyard_name: string; name: string }) => `${v.vineyard_name}/${v.name}`), ['acme/blog', 'acme/shop', 'acme/shop', 'zeta/api'], 'every vine across vineyards, in pages');
  t.equal((await alice.req('GET', '/api/v1/vines?vineyard=zeta')).json().items.length, 1, 'one vineyard by name');
  t.equal((await alice.req('GET', `/api/v1/vines?vineyard=${other.id}`)).json().items.length, 1, 'one vineyard by id');
  isProblem(t, await alice.req('GET', '/api/v1/vines?vineyard=nope'), 404, 'unknown vineyard');

  // Another user sees nothing of it.
  isProblem(t, await bob.req('GET', `/api/v1/vines/${id}`), 404, 'another user’s vine');
  isProblem(t, await bob.req('GET', `/api/v1/vineyards/${vy.id}/vines`), 404, 'another user’s vineyard’s vines');
  isProblem(t, await bob.req('POST', `/api/v1/vineyards/${vy.id}/vines`, fullSpec()), 404, 'planting in another user’s vineyard');
  isProblem(t, await bob.req('PUT', `/api/v1/vines/${id}`, fullSpec()), 404, 'replacing another user’s vine');
  isProblem(t, await bob.req('POST', `/api/v1/vines/${id}/diff`, fullSpec()), 404, 'diffing another user’s vine');
  isProblem(t, await bob.req('DELETE', `/api/v1/vines/${id}`), 404, 'deleting another user’s vine');
  isProblem(t, await bob.req('GET', '/api/v1/vines/by-name/acme/shop'), 404, 'another user’s vine by name');
  t.same((await bob.req('GET', '/api/v1/vines')).json().items, [], 'bob lists none');
  isProblem(t, await app.inject({ method: 'GET', url: `/api/v1/vines/${id}` }), 401, 'no token');

  const changed = fullSpec('shop', { databases: [{ name: 'main', storage_gb: 50 }], caches: [] });
  const diff = (await alice.req('POST', `/api/v1/vines/${id}/diff`, changed)).json();
  t.equal(diff.changed, true, 'diff: something changes');
  t.match(diff.components.find((c: { kind: string }) => c.kind === 'databases'), { action: 'update', changed_fields: ['storage_gb'] }, 'diff: the database grows');
  t.match(diff.components.find((c: { kind: string }) => c.kind === 'caches'), { action: 'delete' }, 'diff: the cache goes');
  t.equal((await alice.req('GET', `/api/v1/vines/${id}`)).json().spec.databases[0].storage_gb, 20, 'a diff changes nothing');
  const replaced = await alice.req('PUT', `/api/v1/vines/${id}`, changed);
  t.equal(replaced.statusCode, 200, 'replaced');
  t.same(replaced.json().diff, diff, 'replace reports the same changes');
  t.equal(replaced.json().vine.spec.databases[0].storage_gb, 50, 'the new spec is stored');
  t.same(replaced.json().vine.spec.caches, [], 'the cache removed');
  t.equal((await alice.req('PUT', `/api/v1/vines/${id}`, changed)).json().diff.changed, false, 'the same spec again changes nothing');

  t.equal((await alice.req('DELETE', `/api/v1/vines/${id}`)).statusCode, 204, 'a DRAFT vine can be deleted');
  isProblem(t, await alice.req('GET', `/api/v1/vines/${id}`), 404, 'gone');
});

t.test('vines: validation errors name their fields; nothing half-stored', async (t) => {
  const { alice, db } = await apiApp(t);
  const vy = (await alice.req('POST', '/api/v1/vineyards', { name: 'acme' })).json();
  const url = `/api/v1/vineyards/${vy.id}/vines`;
  const cases: Array<[string, unknown, string, RegExp]> = [
    ['no name', { stage: 'development', identity: 'sandbox' }, 'name', /is required/],
    ['bad stage', { name: 'x', stage: 'prod', identity: 'sandbox' }, 'stage', /must be one of/],
    ['no identity', { name: 'x', stage: 'development' }, 'identity', /is required/],
    ['unknown identity', { name: 'x', stage: 'development', identity: 'ghost' }, 'identity', /not found/],
    ['database too small', fullSpec('x', { databases: [{ name: 'main', storage_gb: 1 }] }), 'databases.0.storage_gb', /between 10 and 65536/],
    ['database size a string', fullSpec('x', { databases: [{ name: 'main', storage_gb: '20' }] }), 'databases.0.storage_gb', /must be an integer/],
    ['unknown setting', fullSpec('x', { caches: [{ name: 'c', colour: 'red' }] }), 'caches.0.colour', /not a known field/],
    ['unknown section', { name: 'x', stage: 'development', identity: 'sandbox', lambdas: [] }, 'lambdas', /not a known field/],
    ['list item without a name', fullSpec('x', { queues: [{}] }), 'queues.0.name', /is required/],
    ['bad component name', fullSpec('x', { queues: [{ name: 'Orders!' }], topics: [] }), 'queues.0.name', /must be/],
    ['twice the same name', fullSpec('x', { queues: [{ name: 'q' }, { name: 'q' }], topics: [] }), 'queues.1.name', /already named/],
    ['topic feeding a missing queue', fullSpec('x', { topics: [{ name: 't', subscribe_queues: ['nope'] }] }), 'topics.0.subscribe_queues', /not a queue of this vine/],
    ['cluster min over max', fullSpec('x', { cluster: { node_min: 5, node_max: 2 } }), 'cluster.node_min', /not be more than node_max/],
    ['singleton as a list', fullSpec('x', { network: [] }), 'network', /must be an object/],
    ['bad option', fullSpec('x', { options: { fail_components: 'databases/main' } }), 'options.fail_components', /must be a list/],
  ];
  for (const [what, body, field, message] of cases) {
    const p = isProblem(t, await alice.req('POST', url, body), 400, what);
    t.match(p.errors, [{ field, message }], `${what}: ${field} named`);
  }
  t.equal(Number((await db.knex('vines').count('* as n').first())!.n), 0, 'no vine stored by any of them');
  t.equal(Number((await db.knex('vine_databases').count('* as n').first())!.n), 0, 'no component either');

  const ok = (await alice.req('POST', url, fullSpec())).json();
  const dup = isProblem(t, await alice.req('POST', url, fullSpec()), 400, 'same name and stage');
  t.match(dup.errors, [{ field: 'name', message: /already exists/ }]);
  const badPut = isProblem(t, await alice.req('PUT', `/api/v1/vines/${ok.vine.id}`, fullSpec('shop', { databases: [{ name: 'main', size: 'huge' }] })), 400, 'bad replace');
  t.match(badPut.errors, [{ field: 'databases.0.size', message: /small, medium, large, xlarge/ }]);
  t.equal((await alice.req('GET', `/api/v1/vines/${ok.vine.id}`)).json().spec.databases[0].size, 'small', 'a refused replace changes nothing');
});
