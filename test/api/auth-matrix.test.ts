/**
 * Every route the OpenAPI document marks as needing a token: refused (401 problem+json) without
 * one, with a malformed one, and with a revoked one — before any validation or lookup.
 */
import t from 'tap';
import { apiApp, isProblem } from './helpers.js';

t.test('no token, a bogus token, a revoked token: 401 on every protected route', async (t) => {
  const { app, alice } = await apiApp(t);
  const doc = (await app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
  await alice.req('DELETE', `/api/v1/tokens/${alice.tokenId}`);
  const someId = '00000000-0000-4000-8000-000000000000';
  let checked = 0;
  const seen: string[] = [];
  for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, { security: unknown[] }>>)) {
    for (const [method, op] of Object.entries(ops)) {
      if (method.startsWith('x-') || op.security.length === 0) continue;
      const url = path.replace(/\{[^}]+\}/g, (m) => (m === '{id}' ? someId : 'acme'));
      const m = method.toUpperCase() as 'GET';
      const payload = ['POST', 'PUT', 'PATCH'].includes(m) ? { not: 'checked before auth' } : undefined;
      for (const [what, headers] of [
        ['no token', {}],
        ['a bogus token', { authorization: 'Bearer nope' }],
        ['a revoked token', { authorization: `Bearer ${alice.token}` }],
        ['a session-less cookie', { cookie: 'vintner.sid=forged' }],
      ] as const) {
        isProblem(t, await app.inject({ method: m, url, headers, ...(payload ? { payload } : {}) }), 401, `${m} ${path} with ${what}`);
      }
      checked++;
      seen.push(`${m} ${path}`);
    }
  }
  t.ok(checked >= 30, `${checked} protected routes checked`);
  for (const r of ['GET /api/v1/vines/{id}/state/versions', 'GET /api/v1/vines/{id}/state/versions/{version}', 'POST /api/v1/vines/{id}/state/versions/{version}/restore']) t.ok(seen.includes(r), `${r} among them`);
});
