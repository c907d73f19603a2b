import t from 'tap';
import { apiApp, isProblem } from './helpers.js';

t.test('vineyards: create, list in pages, get by id and name, rename, delete', async (t) => {
  const { app, alice, bob } = await apiApp(t);
  const created = await alice.req('POST', '/api/v1/vineyards', { name: 'Acme', description: 'the shop' });
  t.equal(created.statusCode, 201, 'created');
  const acme = created.json();
  t.match(acme, { name: 'Acme', description: 'the shop', vine_count: 0, vines_by_status: { DRAFT: 0 } }, 'with counts');
  for (const name of ['beta', 'Gamma', 'delta']) t.equal((await alice.req('POST', '/api/v1/vineyards', { name })).statusCode, 201);

  const page1 = (await alice.req('GET', '/api/v1/vineyards?limit=2')).json();
  const page2 = (await alice.req('GET', `/api/v1/vineyards?limit=2&cursor=${page1.next_cursor}`)).json();
  t.same([...page1.items, ...page2.items].map((v: { name: string }) => v.name), ['Acme', 'Gamma', 'beta', 'delta'], 'two pages, stable order, none repeated');
  t.equal(page2.next_cursor, null, 'the last page says so');
  t.same((await bob.req('GET', '/api/v1/vineyards')).json().items, [], 'bob sees none of them');

  t.equal((await alice.req('GET', `/api/v1/vineyards/${acme.id}`)).json().name, 'Acme', 'by id');
  t.equal((await alice.req('GET', '/api/v1/vineyards/by-name/Acme')).json().id, acme.id, 'by name');
  isProblem(t, await alice.req('GET', '/api/v1/vineyards/by-name/nope'), 404, 'unknown name');
  isProblem(t, await bob.req('GET', `/api/v1/vineyards/${acme.id}`), 404, 'another user’s vineyard');
  isProblem(t, await bob.req('GET', '/api/v1/vineyards/by-name/Acme'), 404, 'another user’s vineyard by name');
  isProblem(t, await alice.req('GET', '/api/v1/vineyards/not-an-id'), 404, 'a malformed id is simply not found');
  isProblem(t, await app.inject({ method: 'GET', url: `/api/v1/vineyards/${acme.id}` }), 401, 'no token');

  const renamed = await alice.req('PATCH', `/api/v1/vineyards/${acme.id}`, { name: 'Acme Corp' });
  t.equal(renamed.json().name, 'Acme Corp', 'renamed');
  t.equal((await alice.req('PATCH', `/api/v1/vineyards/${acme.id}`, { description: 'new' })).json().description, 'new', 'description changed');
  isProblem(t, await bob.req('PATCH', `/api/v1/vineyards/${acme.id}`, { name: 'mine' }), 404, 'renaming another user’s vineyard');
  isProblem(t, await bob.req('DELETE', `/api/v1/vineyards/${acme.id}`), 404, 'deleting another user’s vineyard');
  t.equal((await alice.req('DELETE', `/api/v1/vineyards/${acme.id}`)).statusCode, 204, 'deleted');
  isProblem(t, await alice.req('GET', `/api/v1/vineyards/${acme.id}`), 404, 'gone');
});

t.test('vineyards: every validation error names its field', async (t) => {
  const { alice } = await apiApp(t);
  const cases: Array<[string, unknown, string, RegExp]> = [
    ['missing name', {}, 'name', /is required/],
    ['empty name', { name: '' }, 'name', /must not be empty/],
    ['name not a string', { name: 7 }, 'name', /must be a string/],
    ['slash in name', { name: 'a/b' }, 'name', /must not contain "\/"/],
    ['only punctuation', { name: '!!!' }, 'name', /letter or digit/],
    ['control characters', { name: 'a\u0007b' }, 'name', /control characters/],
    ['too long', { name: 'x'.repeat(64) }, 'name', /at most 63/],
    ['description not a string', { name: 'ok', description: 5 }, 'description', /must be a string/],
    ['unknown field', { name: 'ok', owner: 'me' }, 'owner', /not a known field/],
  ];
  for (const [what, body, field, message] of cases) {
    const p = isProblem(t, await alice.req('POST', '/api/v1/vineyards', body), 400, what);
    t.match(p.errors, [{ field, message }], `${what}: ${field} named`);
  }
  t.equal((await alice.req('POST', '/api/v1/vineyards', { name: 'acme' })).statusCode, 201);
  const dup = isProblem(t, await alice.req('POST', '/api/v1/vineyards', { name: 'ACME' }), 400, 'same name');
  t.match(dup.errors, [{ field: 'name', message: /already exists/ }]);
  const notJson = await alice.req('POST', '/api/v1/vineyards', '{"name": ', { 'content-type': 'application/json' });
  isProblem(t, notJson, 400, 'malformed JSON');
  const patch = isProblem(t, await alice.req('PATCH', `/api/v1/vineyards/${(await alice.req('GET', '/api/v1/vineyards/by-name/acme')).json().id}`, { name: 5 }), 400, 'bad patch');
  t.match(patch.errors, [{ field: 'name', message: /must be a string/ }]);
});
