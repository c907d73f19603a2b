import t from 'tap';
import { Validator } from '@seriousme/openapi-schema-validator';
import type { FastifyInstance } from 'fastify';
import { buildTestApp } from '../helpers.js';

/** Every method and path the app serves, read from Fastify's own route tree (not from our hook). */
function servedRoutes(app: FastifyInstance): string[] {
  const out: string[] = [];
  const stack: Array<{ col: number; path: string }> = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const m = /^([\s│├└─]*)(\S+) \(([A-Z, ]+)\)$/.exec(line);
    if (!m) continue;
    const col = m[1]!.length;
    while (stack.length && stack[stack.length - 1]!.col >= col) stack.pop();
    const path = `${stack[stack.length - 1]?.path ?? ''}${m[2]}`;
    stack.push({ col, path });
    for (const method of m[3]!.split(', ')) if (method !== 'HEAD') out.push(`${method} ${path}`);
  }
  return out;
}

t.test('the OpenAPI document validates and names every /api route', async (t) => {
  const { app } = await buildTestApp(t);
  const res = await app.inject({ method: 'GET', url: '/api/v1/openapi.json' });
  t.equal(res.statusCode, 200, 'served without a token');
  const doc = res.json();
  t.equal(doc.openapi, '3.1.0');
  const result = await new Validator().validate(doc);
  t.ok(result.valid, `valid OpenAPI 3.1 ${result.valid ? '' : JSON.stringify(result.errors).slice(0, 2000)}`);
  const { info: _info, ...broken } = doc;
  t.notOk((await new Validator().validate(broken)).valid, 'while a document without info is refused (the validator does check)');

  const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) =>
    Object.entries(ops).flatMap(([m, op]) => (m === 'x-methods' ? (op as string[]) : [m.toUpperCase()])).map((m) => `${m} ${path.replace(/\{(\w+)\}/g, ':$1')}`),
  );
  const served = servedRoutes(app).filter((r) => r.split(' ')[1]!.startsWith('/api/'));
  t.ok(served.length >= 30, `the route tree was read (${served.length} API routes)`);
  t.same(served.filter((r) => !documented.includes(r)), [], 'every API route the app serves is in the document');
  t.same(documented.filter((r) => !served.includes(r)), [], 'and the document names no route the app lacks');

  t.same(doc.paths['/api/v1/state/vines/{id}']['x-methods'], ['LOCK', 'UNLOCK'], 'Terraform’s LOCK and UNLOCK are named on the state path');
  for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, any>>)) {
    for (const [method, op] of Object.entries(ops)) {
      if (method === 'x-methods') continue;
      t.ok(op.summary, `${method} ${path} has a summary`);
      const codes = Object.keys(op.responses);
      t.ok(codes.some((c) => c.startsWith('2')), `${method} ${path} documents its success`);
      if (op.security.length) t.ok(codes.includes('401'), `${method} ${path} documents 401`);
      if (op.requestBody) t.ok(codes.includes('400'), `${method} ${path} documents 400`);
    }
  }
  t.ok(doc.components.schemas.VineSpec, 'the vine spec is a named schema');
  t.ok(doc.components.schemas.StateVersion && doc.components.schemas.StateVersionDetail, 'state versions are named schemas');
  t.ok(doc.paths['/api/v1/vines/{id}/state/versions/{version}/restore'].post.responses['409'], 'a restore documents its refusal (409)');
  t.ok(doc.components.schemas.Problem.properties.errors, 'problems document per-field errors');
  t.same(doc.paths['/api/v1/vineyards/{id}/vines'].post.requestBody.content['application/json'].schema, { $ref: '#/components/schemas/VineSpec' }, 'planting takes a VineSpec');
  t.ok(doc.paths['/api/v1/jobs/{id}/logs'].get.responses['200'].content['text/event-stream'], 'the log route documents SSE');
});

/** Every property name anywhere in the document's schemas, with where it was found. */
function propertyNames(node: unknown, at: string, out: Array<[string, string]> = []): Array<[string, string]> {
  if (Array.isArray(node)) node.forEach((n, i) => propertyNames(n, `${at}[${i}]`, out));
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === 'properties' && v && typeof v === 'object') for (const name of Object.keys(v)) out.push([name, at]);
      if (k === 'parameters' && Array.isArray(v)) for (const p of v as Array<{ name?: string }>) if (p.name) out.push([p.name, at]);
      propertyNames(v, `${at}.${k}`, out);
    }
  }
  return out;
}

t.test('one JSON casing: every property and parameter name in the document is snake_case', async (t) => {
  const { app } = await buildTestApp(t);
  const doc = (await app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
  const names = propertyNames(doc, 'doc');
  t.ok(names.length > 150, `the document's names were read (${names.length})`);
  const camel = names.filter(([n]) => /[A-Z]/.test(n) && !/^[A-Z_]+$/.test(n));
  t.same(camel, [], 'no camelCase name (status names such as ACTIVE are values, not names)');
});

t.test('the reference page lists every route, readable and escaped', async (t) => {
  const { app } = await buildTestApp(t);
  const doc = (await app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
  const page = await app.inject({ method: 'GET', url: '/api/v1/docs' });
  t.equal(page.statusCode, 200);
  t.match(page.headers['content-type'], /text\/html/);
  for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, unknown>>)) {
    for (const method of Object.keys(ops).filter((m) => !m.startsWith('x-'))) t.ok(page.body.includes(`id="${method}_`) && page.body.includes(path), `${method.toUpperCase()} ${path} is on the page`);
  }
  t.match(page.body, /<h3>VineSpec<\/h3>/, 'schemas have their own sections');
  t.match(page.body, /databases/, 'the spec’s fields are shown');
  t.notMatch(page.body, /<script/, 'no script needed');
});
