import t from 'tap';
import { buildTestApp } from '../helpers.js';

t.test('home page and health check', async (t) => {
  const { app } = await buildTestApp(t);
  const home = await app.inject({ method: 'GET', url: '/', headers: { accept: 'text/html' } });
  t.equal(home.statusCode, 200);
  t.match(home.headers['content-type'], /text\/html/);
  t.match(home.body, /Grow your infrastructure/);
  t.match(home.body, /<script src="\/vendor\/htmx\.min\.js"/, 'htmx is served locally');
  const health = await app.inject({ method: 'GET', url: '/healthz' });
  t.same(health.json(), { status: 'ok' });
  const htmx = await app.inject({ method: 'GET', url: '/vendor/htmx.min.js' });
  t.equal(htmx.statusCode, 200, 'htmx from node_modules');
  const alpine = await app.inject({ method: 'GET', url: '/vendor/cdn.min.js' });
  t.equal(alpine.statusCode, 200, 'Alpine from node_modules');
  const other = await app.inject({ method: 'GET', url: '/vendor/package.json' });
  t.equal(other.statusCode, 404, 'nothing else of node_modules is served');
});

t.test('unknown pages: 404 page for browsers, problem+json otherwise', async (t) => {
  const { app } = await buildTestApp(t);
  const page = await app.inject({ method: 'GET', url: '/nope', headers: { accept: 'text/html' } });
  t.equal(page.statusCode, 404);
  t.match(page.body, /404 · Not Found/);
  const api = await app.inject({ method: 'GET', url: '/api/v1/nope' });
  t.equal(api.statusCode, 404);
  t.match(api.headers['content-type'], /application\/problem\+json/);
  t.equal(api.json().status, 404);
});
