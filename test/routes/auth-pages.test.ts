import t from 'tap';
import { buildTestApp } from '../helpers.js';
import { agent, signedIn } from './agent.js';

const PASSWORD = 'correct horse battery';

t.test('sign up: a session cookie that is HttpOnly and SameSite, then the dashboard', async (t) => {
  const { app } = await buildTestApp(t);
  const a = agent(app);
  const page = await a.get('/signup');
  t.equal(page.statusCode, 200);
  t.match(page.body, /Create your account/);
  const res = await a.post('/signup', { email: 'Ada@Example.com', password: PASSWORD, password_confirm: PASSWORD });
  t.equal(res.statusCode, 303, 'redirected after sign-up');
  t.equal(res.headers.location, '/vineyards');
  const cookie = String(res.headers['set-cookie']);
  t.match(cookie, /vintner\.sid=/, 'session cookie set');
  t.match(cookie, /HttpOnly/, 'HttpOnly');
  t.match(cookie, /SameSite=Lax/, 'SameSite');
  t.notMatch(cookie, /Secure/, 'not Secure over plain HTTP');
  const dash = await a.get('/vineyards');
  t.equal(dash.statusCode, 200);
  t.match(dash.body, /ada@example\.com/, 'signed in as the normalised email');
  t.match(dash.body, /Welcome to Vintner!/, 'a welcome flash, once');
  t.notMatch((await a.get('/vineyards')).body, /Welcome to Vintner!/, 'the flash is gone on the next page');
  t.match(dash.body, /No vineyards yet/, 'an empty state that says what to do');
  const sessions = await app.deps.knex('sessions').count<{ count: number }[]>('* as count');
  t.ok(sessions[0]!.count >= 1, 'the session lives in Postgres');
});

t.test('cookies are Secure behind an HTTPS proxy', async (t) => {
  const { app } = await buildTestApp(t, { TRUST_PROXY: 'true' });
  const a = agent(app);
  await a.get('/signup', { 'x-forwarded-proto': 'https' });
  const res = await a.post('/signup', { email: 'tls@example.com', password: PASSWORD, password_confirm: PASSWORD }, { 'x-forwarded-proto': 'https' });
  t.equal(res.statusCode, 303);
  t.match(String(res.headers['set-cookie']), /Secure/, 'Secure cookie on an HTTPS request');
});

t.test('sign-up mistakes are shown on the form, never a 500', async (t) => {
  const { app } = await buildTestApp(t);
  const a = agent(app);
  await a.get('/signup');
  const bad = await a.post('/signup', { email: 'not-an-email', password: PASSWORD, password_confirm: PASSWORD });
  t.equal(bad.statusCode, 422);
  t.match(bad.body, /The email is not valid/, 'email error next to the field');
  t.match(bad.body, /value="not-an-email"/, 'the typed email is kept');
  const short = await a.post('/signup', { email: 'short@example.com', password: 'short', password_confirm: 'short' });
  t.equal(short.statusCode, 422);
  t.match(short.body, /The password must be at least 10 characters/);
  t.notMatch(short.body, /value="short"/, 'passwords are never sent back');
  const mismatch = await a.post('/signup', { email: 'm@example.com', password: PASSWORD, password_confirm: 'something else!' });
  t.equal(mismatch.statusCode, 422);
  t.match(mismatch.body, /does not match the password/);
  await a.post('/signup', { email: 'taken@example.com', password: PASSWORD, password_confirm: PASSWORD });
  const b = agent(app);
  await b.get('/signup');
  const dup = await b.post('/signup', { email: 'TAKEN@example.com', password: PASSWORD, password_confirm: PASSWORD });
  t.equal(dup.statusCode, 409);
  t.match(dup.body, /already has an account/);
  t.match(dup.body, /sign in instead/);
});

t.test('every state-changing form needs the CSRF token', async (t) => {
  const { app } = await buildTestApp(t);
  const { a } = await signedIn(app);
  const forged = await a.post('/vineyards', { name: 'forged', _csrf: 'nope' });
  t.equal(forged.statusCode, 403, 'a wrong token is refused');
  const missing = await app.inject({ method: 'POST', url: '/vineyards', headers: { cookie: a.cookie, 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' }, payload: 'name=forged' });
  t.equal(missing.statusCode, 403, 'no token is refused');
  const htmx = await app.inject({ method: 'POST', url: '/vineyards', headers: { cookie: a.cookie, 'content-type': 'application/x-www-form-urlencoded', 'hx-request': 'true', 'x-csrf-token': a.csrf }, payload: 'name=via-htmx' });
  t.equal(htmx.statusCode, 200, 'htmx sends it as a header');
  t.ok(htmx.headers['hx-redirect'], 'and is redirected the htmx way');
  t.equal(await app.deps.knex('vineyards').where({ name: 'forged' }).first(), undefined, 'nothing was created by the forged posts');
});

t.test('sign in and out; the session id changes on sign-in; next= stays on this site', async (t) => {
  const { app } = await buildTestApp(t);
  const { email } = await signedIn(app);
  const a = agent(app);
  const login = await a.get('/login?next=/jobs');
  t.match(login.body, /name="next" value="\/jobs"/);
  const before = a.cookie;
  const wrong = await a.post('/login', { email, password: 'wrong password!', next: '/jobs' });
  t.equal(wrong.statusCode, 401);
  t.match(wrong.body, /Wrong email or password/);
  t.match(wrong.body, new RegExp(`value="${email}"`), 'the email is kept');
  const ok = await a.post('/login', { email, password: PASSWORD, next: '/jobs' });
  t.equal(ok.statusCode, 303);
  t.equal(ok.headers.location, '/jobs', 'back to where the user was going');
  t.not(a.cookie, before, 'a new session id after signing in');
  const evil = agent(app);
  await evil.get('/login');
  const off = await evil.post('/login', { email, password: PASSWORD, next: '//evil.example/steal' });
  t.equal(off.headers.location, '/vineyards', 'an off-site next is ignored');
  await a.get('/vineyards');
  const out = await a.post('/logout');
  t.equal(out.statusCode, 303);
  t.equal(out.headers.location, '/login');
  const after = await a.get('/vineyards');
  t.equal(after.statusCode, 303, 'signed out');
  t.equal(after.headers.location, '/login?next=%2Fvineyards');
});

t.test('sign-in attempts are rate-limited', async (t) => {
  const { app } = await buildTestApp(t);
  const a = agent(app);
  await a.get('/login');
  const codes: number[] = [];
  for (let i = 0; i < 11; i++) codes.push((await a.post('/login', { email: 'nobody@example.com', password: 'wrong password!' })).statusCode);
  t.same(codes.slice(0, 10), Array(10).fill(401), 'ten wrong attempts are answered');
  t.equal(codes[10], 429, 'the eleventh within a minute is refused');
});

t.test('closed sign-up', async (t) => {
  const { app } = await buildTestApp(t, { SIGNUP_OPEN: 'false' });
  const a = agent(app);
  const page = await a.get('/signup');
  t.equal(page.statusCode, 403);
  t.match(page.body, /Sign-up is closed/);
  const post = await a.post('/signup', { email: 'x@example.com', password: PASSWORD, password_confirm: PASSWORD });
  t.equal(post.statusCode, 403);
  t.equal(await app.deps.knex('users').where({ email: 'x@example.com' }).first(), undefined, 'no account created');
});

t.test('pages need a signed-in user; htmx requests are told to go to the sign-in page', async (t) => {
  const { app } = await buildTestApp(t);
  for (const url of ['/vineyards', '/jobs', '/identities', '/tendrils', '/vineyards/00000000-0000-4000-8000-000000000000', '/vines/x', '/jobs/x', '/vines/x/edit', '/vines/x/events', '/jobs/x/events']) {
    const res = await app.inject({ method: 'GET', url, headers: { accept: 'text/html' } });
    t.equal(res.statusCode, 303, `${url} redirects`);
    t.equal(res.headers.location, `/login?next=${encodeURIComponent(url)}`);
  }
  const hx = await app.inject({ method: 'GET', url: '/vineyards', headers: { 'hx-request': 'true' } });
  t.equal(hx.statusCode, 401);
  t.equal(hx.headers['hx-redirect'], '/login');
  const a = agent(app);
  await a.get('/login');
  const post = await a.post('/vineyards', { name: 'anonymous' });
  t.equal(post.statusCode, 303, 'an anonymous form post (with a valid token) goes to sign in');
  t.match(String(post.headers.location), /^\/login/);
});

t.test('security headers on pages', async (t) => {
  const { app } = await buildTestApp(t);
  const res = await app.inject({ method: 'GET', url: '/login', headers: { accept: 'text/html' } });
  t.match(res.headers['content-security-policy'], /default-src 'self'/);
  t.equal(res.headers['x-frame-options'], 'SAMEORIGIN');
  t.equal(res.headers['x-content-type-options'], 'nosniff');
});
