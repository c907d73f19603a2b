import t from 'tap';
import { buildTestApp } from '../helpers.js';
import { apiApp, eventually, isProblem, PASSWORD, signupWithToken } from './helpers.js';
import { signedIn } from '../routes/agent.js';

t.test('signup: created, validation per field, duplicate, closed', async (t) => {
  const { app } = await buildTestApp(t);
  const ok = await app.inject({ method: 'POST', url: '/api/v1/signup', payload: { email: 'Ada@Example.com', password: PASSWORD } });
  t.equal(ok.statusCode, 201, 'signup answers 201');
  t.equal(ok.json().email, 'ada@example.com', 'the email is normalised');
  t.notOk('password_hash' in ok.json(), 'no password hash in the answer');

  const bad = isProblem(t, await app.inject({ method: 'POST', url: '/api/v1/signup', payload: { email: 'nope', password: 'short' } }), 400, 'bad email and password');
  t.same(bad.errors!.map((e) => e.field).sort(), ['email', 'password'], 'both fields named');
  const missing = isProblem(t, await app.inject({ method: 'POST', url: '/api/v1/signup', payload: { email: 'x@example.com' } }), 400, 'missing password');
  t.same(missing.errors, [{ field: 'password', message: 'is required' }], 'the missing field is named');
  const unknown = isProblem(t, await app.inject({ method: 'POST', url: '/api/v1/signup', payload: { email: 'y@example.com', password: PASSWORD, admin: true } }), 400, 'unknown field');
  t.same(unknown.errors, [{ field: 'admin', message: 'is not a known field' }], 'the unknown field is named');
  const wrongType = isProblem(t, await app.inject({ method: 'POST', url: '/api/v1/signup', payload: { email: 42, password: PASSWORD } }), 400, 'wrong type');
  t.same(wrongType.errors, [{ field: 'email', message: 'must be a string' }]);
  isProblem(t, await app.inject({ method: 'POST', url: '/api/v1/signup', payload: { email: 'ada@example.com', password: PASSWORD } }), 409, 'same email again');

  const closed = await buildTestApp(t, { SIGNUP_OPEN: 'false' });
  isProblem(t, await closed.app.inject({ method: 'POST', url: '/api/v1/signup', payload: { email: 'z@example.com', password: PASSWORD } }), 403, 'sign-up closed');
});

t.test('tokens: create, list, whoami, revoke; revoked and bogus tokens refused', async (t) => {
  const { app, alice, bob } = await apiApp(t);
  t.match(alice.token, /^vnt_/, 'a token is given once');

  const wrong = isProblem(t, await app.inject({ method: 'POST', url: '/api/v1/tokens', payload: { email: alice.email, password: 'not the password', name: 'x' } }), 401, 'wrong password');
  t.match(wrong.detail, /wrong email or password/);
  const noName = isProblem(t, await app.inject({ method: 'POST', url: '/api/v1/tokens', payload: { email: alice.email, password: PASSWORD } }), 400, 'no token name');
  t.same(noName.errors, [{ field: 'name', message: 'is required' }]);
  const badExpiry = isProblem(t, await app.inject({ method: 'POST', url: '/api/v1/tokens', payload: { email: alice.email, password: PASSWORD, name: 'x', expires_in_days: 0 } }), 400, 'bad expiry');
  t.same(badExpiry.errors!.map((e) => e.field), ['expires_in_days']);

  const me = await alice.req('GET', '/api/v1/me');
  t.equal(me.statusCode, 200);
  t.equal(me.json().user.email, alice.email, 'whoami: the token’s user');
  t.equal(me.json().token.id, alice.tokenId, 'whoami: the token itself');

  const second = await app.inject({ method: 'POST', url: '/api/v1/tokens', payload: { email: alice.email, password: PASSWORD, name: 'laptop', expires_in_days: 30 } });
  t.equal(second.statusCode, 201);
  t.ok(second.json().expires_at, 'an expiry when asked');
  const list = await alice.req('GET', '/api/v1/tokens');
  t.equal(list.statusCode, 200);
  t.same(list.json().items.map((x: { name: string }) => x.name), ['test', 'laptop'], 'both tokens listed, oldest first');
  t.notOk(JSON.stringify(list.json()).includes(alice.token), 'never the token itself');
  t.notOk(JSON.stringify(list.json()).includes('token_hash'), 'never its hash');
  const paged = await alice.req('GET', '/api/v1/tokens?limit=1');
  t.equal(paged.json().items.length, 1, 'limit honoured');
  const next = await alice.req('GET', `/api/v1/tokens?limit=1&cursor=${paged.json().next_cursor}`);
  t.equal(next.json().items[0].name, 'laptop', 'the cursor gives the next page');
  t.equal(next.json().next_cursor, null, 'and says when it is the last');
  isProblem(t, await alice.req('GET', '/api/v1/tokens?limit=0'), 400, 'limit 0');
  isProblem(t, await alice.req('GET', '/api/v1/tokens?cursor=garbage'), 400, 'a cursor we never gave');

  isProblem(t, await bob.req('DELETE', `/api/v1/tokens/${second.json().id}`), 404, 'another user’s token');
  isProblem(t, await app.inject({ method: 'DELETE', url: `/api/v1/tokens/${second.json().id}` }), 401, 'revoking without a token');
  t.equal((await alice.req('GET', '/api/v1/vineyards')).statusCode, 200, 'the token works (and is now remembered)');
  const revoked = await alice.req('DELETE', `/api/v1/tokens/${alice.tokenId}`);
  t.equal(revoked.statusCode, 204, 'like every DELETE: 204');
  t.equal(revoked.body, '', 'no body');
  const after = isProblem(t, await alice.req('GET', '/api/v1/vineyards'), 401, 'a revoked token, at once');
  t.match(after.detail, /run grape login/, 'says what to do');
  isProblem(t, await app.inject({ method: 'GET', url: '/api/v1/vineyards', headers: { authorization: 'Bearer vnt_nonsense' } }), 401, 'a bogus token');
  isProblem(t, await app.inject({ method: 'GET', url: '/api/v1/vineyards' }), 401, 'no token');
  t.equal((await bob.req('GET', '/api/v1/vineyards')).statusCode, 200, 'other tokens unaffected');
});

t.test('an expired token is refused', async (t) => {
  const { app, db } = await buildTestApp(t);
  const carol = await signupWithToken(app);
  await db.knex('api_tokens').where({ id: carol.tokenId }).update({ expires_at: new Date(Date.now() - 1000) });
  isProblem(t, await carol.req('GET', '/api/v1/me'), 401, 'expired');
});

t.test('a token revoked by another Trellis process is refused here too', async (t) => {
  const { app, db } = await buildTestApp(t);
  const dave = await signupWithToken(app);
  t.equal((await dave.req('GET', '/api/v1/me')).statusCode, 200, 'remembered as valid');
  // Another process: its own users service on the same database; its revoke NOTIFYs this one.
  const { createUserService } = await import('../../src/domain/users/service.js');
  await createUserService({ knex: db.knex }).revokeToken(dave.userId, dave.tokenId);
  await eventually('the revocation to reach this process', async () => (await dave.req('GET', '/api/v1/me')).statusCode === 401);
  t.pass('refused once the notification arrived');
});

t.test('password routes are rate limited per address', async (t) => {
  const { app } = await buildTestApp(t);
  const attempt = (ip: string) => app.inject({ method: 'POST', url: '/api/v1/tokens', remoteAddress: ip, payload: { email: 'x@example.com', password: 'not the password', name: 'x' } });
  for (let i = 0; i < 20; i++) t.equal((await attempt('10.1.1.1')).statusCode, 401, `attempt ${i + 1}: refused as a wrong password`);
  const limited = isProblem(t, await attempt('10.1.1.1'), 429, 'the 21st within a minute');
  t.equal(limited.title, 'Too Many Requests', 'titled as what it is, not "Bad Request"');
  t.equal((await attempt('10.1.1.2')).statusCode, 401, 'another address is not held back');
});

t.test('the API answers tokens only: a signed-in browser session is not enough, and the API starts none', async (t) => {
  const { app } = await apiApp(t);
  const { a } = await signedIn(app);
  t.equal((await a.get('/vineyards')).statusCode, 200, 'the session works on the pages');
  const res = await app.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie: a.cookie } });
  isProblem(t, res, 401, 'the same cookie on the API');
  t.notOk(res.headers['set-cookie'], 'and the API sets no cookie');
  const open = await app.inject({ method: 'GET', url: '/api/v1/openapi.json', headers: { cookie: a.cookie } });
  t.equal(open.statusCode, 200);
  t.notOk(open.headers['set-cookie'], 'not even on a public route');
});
