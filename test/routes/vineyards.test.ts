import t from 'tap';
import { buildTestApp } from '../helpers.js';
import { agent, signedIn } from './agent.js';

t.test('create vineyards; the dashboard counts their vines by status', async (t) => {
  const { app } = await buildTestApp(t);
  const { a, userId } = await signedIn(app);
  const created = await a.post('/vineyards', { name: 'Acme Shop', description: 'the storefront team' });
  t.equal(created.statusCode, 303);
  const id = String(created.headers.location).split('/').pop()!;
  const page = await a.get(`/vineyards/${id}`);
  t.match(page.body, /Vineyard “Acme Shop” created/, 'a flash says what happened');
  t.match(page.body, /No vines in this vineyard/, 'empty state says what to do next');
  t.match(page.body, new RegExp(`href="/vineyards/${id}/plant"`), 'with the way to plant one');

  const identity = await app.deps.knex('cloud_identities').where({ user_id: userId }).first('id');
  const statuses = ['ACTIVE', 'ACTIVE', 'FAILED', 'DRAFT'];
  await app.deps.knex('vines').insert(statuses.map((status, i) => ({ vineyard_id: id, name: `vine-${i}`, stage: 'development', identity_id: identity.id, status })));
  const dash = await a.get('/vineyards');
  t.match(dash.body, /4 vines/, 'vine count');
  t.match(dash.body, /s-ACTIVE">ACTIVE<\/span> <span class="count">2</, 'two ACTIVE');
  t.match(dash.body, /s-FAILED">FAILED<\/span> <span class="count">1</, 'one FAILED');
  t.match(dash.body, /s-DRAFT">DRAFT<\/span> <span class="count">1</, 'one DRAFT');
  t.notMatch(dash.body, /s-DESTROYED/, 'statuses without vines are not listed');

  const fragment = await a.get('/vineyards', { 'hx-request': 'true' });
  t.match(fragment.body, /^<div id="vineyard-list">/, 'htmx gets the list fragment alone');
  t.notMatch(fragment.body, /<html/, 'without the layout');
});

t.test('bad vineyard names are explained on the form, with the typed text kept', async (t) => {
  const { app } = await buildTestApp(t);
  const { a } = await signedIn(app);
  await a.post('/vineyards', { name: 'Acme' });
  const cases: Array<[string, RegExp]> = [
    ['', /The name must not be empty/],
    ['acme', /A vineyard named &quot;Acme&quot; already exists/],
    ['ACME!', /Would give the same cloud resource names as vineyard &quot;Acme&quot;/],
    ['a/b', /The name must not contain &quot;\/&quot;/],
    ['x'.repeat(64), /The name must be at most 63 characters/],
    ['!!!', /The name must contain at least one letter or digit/],
  ];
  for (const [name, message] of cases) {
    const res = await a.post('/vineyards', { name, description: 'kept' });
    t.equal(res.statusCode, 422, `"${name.slice(0, 10)}" refused`);
    t.match(res.body, message);
    t.match(res.body, />kept<\/textarea>/, 'the description is kept');
    if (name) t.match(res.body, `value="${name.replace('"', '&quot;')}"`, 'the name is kept');
  }
  const long = await a.post('/vineyards', { name: 'ok', description: 'd'.repeat(1001) });
  t.equal(long.statusCode, 422);
  t.match(long.body, /The description must be at most 1000 characters/);
  t.equal(await app.deps.knex('vineyards').count<{ c: number }[]>('* as c').then((r) => r[0]!.c), 1, 'only the first was created');
});

t.test('rename and delete, refused with the reason while vines are live', async (t) => {
  const { app } = await buildTestApp(t);
  const { a, userId } = await signedIn(app);
  const id = String((await a.post('/vineyards', { name: 'Orchard' })).headers.location).split('/').pop()!;
  await a.post('/vineyards', { name: 'Taken' });
  await a.get(`/vineyards/${id}`);
  const renamed = await a.post(`/vineyards/${id}/rename`, { name: 'Grove', description: 'new words' });
  t.equal(renamed.statusCode, 303);
  t.match((await a.get(`/vineyards/${id}`)).body, /<h1>Grove<\/h1>/);
  const dup = await a.post(`/vineyards/${id}/rename`, { name: 'taken', description: '' });
  t.equal(dup.statusCode, 422);
  t.match(dup.body, /A vineyard named &quot;Taken&quot; already exists/);
  t.match(dup.body, /<details class="card" open>/, 'the rename form is open to show it');

  const identity = await app.deps.knex('cloud_identities').where({ user_id: userId }).first('id');
  await app.deps.knex('vines').insert({ vineyard_id: id, name: 'live', stage: 'production', identity_id: identity.id, status: 'ACTIVE' });
  const busyRename = await a.post(`/vineyards/${id}/rename`, { name: 'Elsewhere', description: '' });
  t.equal(busyRename.statusCode, 409);
  t.match(busyRename.body, /cannot be renamed while vines may exist in the cloud \(live \(production, ACTIVE\)\)/);
  const busyDelete = await a.post(`/vineyards/${id}/delete`);
  t.equal(busyDelete.statusCode, 409, 'delete refused');
  t.match(busyDelete.body, /Cannot delete this vineyard/);
  t.match(busyDelete.body, /still has live vines: live \(production, ACTIVE\); destroy them first/, 'with the reason');

  await app.deps.knex('vines').where({ vineyard_id: id }).update({ status: 'DESTROYED' });
  const gone = await a.post(`/vineyards/${id}/delete`);
  t.equal(gone.statusCode, 303);
  t.equal(gone.headers.location, '/vineyards');
  t.match((await a.get('/vineyards')).body, /Vineyard “Grove” deleted/);
  t.equal(await app.deps.knex('vineyards').where({ id }).first(), undefined, 'deleted with its vines');
  const again = await a.get(`/vineyards/${id}`);
  t.equal(again.statusCode, 404, 'then it is a 404 page');
  t.match(again.body, /404 · Not Found/);
});

t.test('an htmx request that fails gets a problem it can show, not a blank', async (t) => {
  const { app } = await buildTestApp(t);
  const { a } = await signedIn(app);
  const res = await a.get('/vineyards/00000000-0000-4000-8000-000000000000', { 'hx-request': 'true', accept: '*/*' });
  t.equal(res.statusCode, 404);
  t.match(res.headers['content-type'], /problem\+json/);
  t.match(res.json().detail, /vineyard .* not found/);
  const page = agent(app);
  t.equal((await page.get('/vineyards/not-a-uuid')).statusCode, 303, 'anonymous: sign in first');
});
