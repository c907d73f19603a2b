/**
 * Malformed and hostile input on every JSON route: wrong types, huge strings, deep nesting,
 * unknown fields, prototype keys, SQL and HTML in names, broken JSON. The invariants: never a
 * 5xx; a refused request stores nothing (every table's row count unchanged); an accepted one
 * stores exactly what it answered. Seeded, so a failure names a reproducible case.
 */
import t from 'tap';
import { COMPONENT_KINDS } from '../../src/domain/components/catalogue.js';
import type { Knex } from 'knex';
import type { LightMyRequestResponse } from 'fastify';
import { apiApp, fullSpec, PASSWORD } from './helpers.js';
import { stateDoc, writeVersions } from '../state/helpers.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20261126);
const PER_ROUTE = Number(process.env.FUZZ_CASES ?? 60);

function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

const HOSTILE_STRINGS = [
  "Robert'); DROP TABLE vineyards;--",
  "' OR '1'='1",
  '1; SELECT pg_sleep(10)',
  '<img src=x onerror=alert(1)>',
  '<script>alert(1)</script>',
  '"><svg onload=alert(1)>',
  '\u0000nul',
  '\u202Eevil\u202C',
  '𝔘𝔫𝔦𝔠𝔬𝔡𝔢 🍇',
  '../../etc/passwd',
  '${jndi:ldap://x}',
  '%00%27',
  ' ',
  '',
];

function deep(depth: number, leaf: unknown = 1): unknown {
  let v: unknown = leaf;
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { a: v };
  return v;
}

function hostileValue(r: () => number): unknown {
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)]!;
  return pick<() => unknown>([
    () => pick(HOSTILE_STRINGS),
    () => 'x'.repeat(1 + Math.floor(r() * 200_000)),
    () => Math.floor(r() * 1e12) - 5e11,
    () => r() * 100,
    () => 1e308,
    () => -1,
    () => true,
    () => null,
    () => [],
    () => [pick(HOSTILE_STRINGS), 1, null],
    () => ({}),
    () => ({ nested: pick(HOSTILE_STRINGS) }),
    () => deep(50 + Math.floor(r() * 2000)),
    () => JSON.parse('{"__proto__": {"polluted": true}}'),
  ])();
}

/** A valid body bent out of shape: a field dropped, retyped, replaced, or joined by strangers. */
function mutate(valid: Record<string, unknown>, r: () => number): unknown {
  const body: Record<string, unknown> = structuredClone(valid);
  const keys = Object.keys(body);
  const n = 1 + Math.floor(r() * 3);
  for (let i = 0; i < n; i++) {
    const k = keys[Math.floor(r() * keys.length)]!;
    const roll = r();
    if (roll < 0.15) delete body[k];
    else if (roll < 0.75) body[k] = hostileValue(r);
    else if (roll < 0.9) body[`extra_${Math.floor(r() * 1000)}`] = hostileValue(r);
    else if (Array.isArray(body[k]) && (body[k] as unknown[]).length) (body[k] as unknown[])[0] = hostileValue(r);
    else body[k] = { ...(typeof body[k] === 'object' && body[k] ? (body[k] as object) : {}), [String(hostileValue(r)).slice(0, 40)]: hostileValue(r) };
  }
  return r() < 0.1 ? [body] : body;
}

/** Raw payloads that are not the JSON object a route wants. */
const RAW: Array<[string, string, string]> = [
  ['truncated JSON', '{"name": "x"', 'application/json'],
  ['not JSON', 'name=x', 'application/json'],
  ['top-level string', '"acme"', 'application/json'],
  ['top-level null', 'null', 'application/json'],
  ['empty', '', 'application/json'],
  ['very deep arrays', '['.repeat(200_000) + ']'.repeat(200_000), 'application/json'],
  ['very deep objects', '{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000), 'application/json'],
  ['prototype pollution', '{"__proto__": {"admin": true}, "name": "x"}', 'application/json'],
  ['constructor pollution', '{"constructor": {"prototype": {"admin": true}}, "name": "x"}', 'application/json'],
  ['over the body limit', JSON.stringify({ name: 'x'.repeat(1_100_000) }), 'application/json'],
  ['form encoded', 'name=acme&description=x', 'application/x-www-form-urlencoded'],
  ['plain text', 'acme', 'text/plain'],
  ['lone surrogate', '{"name": "\\ud800"}', 'application/json'],
];

const TABLES = ['users', 'api_tokens', 'vineyards', 'vines', 'cloud_identities', 'provision_jobs', 'tendril_pools', 'pool_tokens', ...COMPONENT_KINDS.map((k) => k.table)];
async function counts(knex: Knex): Promise<Record<string, number>> {
  const { rows } = await knex.raw(`SELECT ${TABLES.map((tb) => `(SELECT count(*)::int FROM ${tb}) AS ${tb}`).join(', ')}`);
  return rows[0];
}

t.test('fuzz every JSON route: no 5xx, nothing half-stored', { timeout: 600_000 }, async (t) => {
  const { app, alice, db } = await apiApp(t);
  const vy = (await alice.req('POST', '/api/v1/vineyards', { name: 'acme' })).json();
  const vine = (await alice.req('POST', `/api/v1/vineyards/${vy.id}/vines`, fullSpec())).json().vine;
  const pool = (await alice.req('POST', '/api/v1/pools', { name: 'edge' })).json();
  const sandbox = (await alice.req('GET', '/api/v1/identities/by-name/sandbox')).json();
  // A state history to inspect and restore (two versions: restoring the first is accepted).
  await writeVersions(app, vine.id, [stateDoc({ serial: 1, lineage: 'fuzz' }), stateDoc({ serial: 2, lineage: 'fuzz', databases: ['main', 'b'] })]);
  const r = rng(SEED);
  let ip = 0;

  const routes: Array<{ method: 'POST' | 'PUT' | 'PATCH'; url: string; valid: Record<string, unknown>; auth: boolean }> = [
    { method: 'POST', url: '/api/v1/signup', valid: { email: 'fuzz@example.com', password: PASSWORD }, auth: false },
    { method: 'POST', url: '/api/v1/tokens', valid: { email: alice.email, password: PASSWORD, name: 'fuzz' }, auth: false },
    { method: 'POST', url: '/api/v1/vineyards', valid: { name: 'fuzzed', description: 'd' }, auth: true },
    { method: 'PATCH', url: `/api/v1/vineyards/${vy.id}`, valid: { description: 'd' }, auth: true },
    { method: 'POST', url: `/api/v1/vineyards/${vy.id}/vines`, valid: fullSpec('fuzzed'), auth: true },
    { method: 'PUT', url: `/api/v1/vines/${vine.id}`, valid: fullSpec(), auth: true },
    { method: 'POST', url: `/api/v1/vines/${vine.id}/diff`, valid: fullSpec(), auth: true },
    { method: 'POST', url: `/api/v1/vines/${vine.id}/jobs`, valid: { type: 'PLAN' }, auth: true },
    { method: 'POST', url: '/api/v1/identities', valid: { name: 'fuzz-aws', provider: 'aws', region: 'eu-west-1', role_arn: 'arn:aws:iam::123456789012:role/x' }, auth: true },
    { method: 'POST', url: '/api/v1/identities', valid: { name: 'fuzz-gcp', provider: 'gcp', project_id: 'shop-prod', region: 'europe-west1', pool_id: pool.id, credentials_from_pool: true }, auth: true },
    { method: 'PATCH', url: `/api/v1/identities/${sandbox.id}`, valid: { pool_id: pool.id }, auth: true },
    { method: 'POST', url: '/api/v1/pools', valid: { name: 'fuzzed', description: 'd' }, auth: true },
    { method: 'PATCH', url: `/api/v1/pools/${pool.id}`, valid: { name: 'edge', description: 'd' }, auth: true },
    { method: 'POST', url: `/api/v1/pools/${pool.id}/tokens`, valid: { name: 'fuzz' }, auth: true },
    // Takes no body: whatever comes with it is ignored or refused, never a 5xx.
    { method: 'POST', url: `/api/v1/vines/${vine.id}/state/versions/1/restore`, valid: {}, auth: true },
  ];

  const problems: string[] = [];
  const check = async (what: string, send: () => Promise<LightMyRequestResponse>) => {
    const before = await counts(db.knex);
    const res = await send();
    const after = await counts(db.knex);
    if (res.statusCode >= 500) problems.push(`${what}: ${res.statusCode} ${res.body.slice(0, 200)}`);
    if (res.statusCode >= 400) {
      const changed = TABLES.filter((tb) => before[tb] !== after[tb]);
      if (changed.length) problems.push(`${what}: refused (${res.statusCode}) yet changed ${changed.join(', ')}`);
      if (!/application\/problem\+json/.test(String(res.headers['content-type']))) problems.push(`${what}: ${res.statusCode} without problem+json`);
    }
    return res;
  };

  for (const route of routes) {
    const headers = route.auth ? { authorization: `Bearer ${alice.token}` } : {};
    for (let i = 0; i < PER_ROUTE; i++) {
      const body = mutate(route.valid, r);
      const res = await check(`${route.method} ${route.url} case ${i} (seed ${SEED})`, () =>
        app.inject({ method: route.method, url: route.url, headers, payload: body as object, remoteAddress: `10.9.${Math.floor(++ip / 250)}.${ip % 250}` }),
      );
      // Accepted: what was answered is what is stored (read back through the API).
      if (res.statusCode === 201 && route.url === '/api/v1/vineyards') {
        const stored = await alice.req('GET', `/api/v1/vineyards/${res.json().id}`);
        if (stored.json().name !== res.json().name) problems.push(`vineyard ${res.json().id} stored differently from its answer`);
      }
    }
    for (const [what, payload, type] of RAW) {
      await check(`${route.method} ${route.url} ${what}`, () =>
        app.inject({ method: route.method, url: route.url, headers: { ...headers, 'content-type': type }, payload, remoteAddress: `10.8.${Math.floor(++ip / 250)}.${ip % 250}` }),
      );
    }
  }
  // Hostile path and query values on reads.
  for (const s of [...HOSTILE_STRINGS, 'x'.repeat(5000), '%', '..%2f..%2f']) {
    const enc = encodeURIComponent(s);
    for (const url of [`/api/v1/vineyards/${enc}`, `/api/v1/vineyards/by-name/${enc}`, `/api/v1/vines/${enc}`, `/api/v1/vines/by-name/${enc}/${enc}`, `/api/v1/jobs/${enc}/logs?after=${enc}`, `/api/v1/vines?vineyard=${enc}&limit=${enc}`, `/api/v1/identities/by-name/${enc}`, `/api/v1/tokens?cursor=${enc}`, `/api/v1/pools/${enc}`, `/api/v1/pools/by-name/${enc}`, `/api/v1/pools/${enc}/tokens`, `/api/v1/pools/${pool.id}/tokens/${enc}`, `/api/v1/vines/${enc}/state/versions`, `/api/v1/vines/${vine.id}/state/versions/${enc}`]) {
      await check(`GET ${url.slice(0, 80)}`, () => alice.req('GET', url));
    }
    for (const url of [`/api/v1/vines/${vine.id}/state/versions/${enc}/restore`, `/api/v1/vines/${enc}/state/versions/1/restore`]) {
      await check(`POST ${url.slice(0, 80)}`, () => alice.req('POST', url));
    }
  }
  // Query strings and cursors of every list and log route: numbers past 32 bits, non-numbers, and
  // cursors that decode (base64 of JSON) to the wrong shapes, impossible dates and hostile text.
  const job = (await alice.req('POST', `/api/v1/vines/${vine.id}/jobs`, { type: 'PLAN' })).json();
  const identity = (await alice.req('GET', '/api/v1/identities/by-name/sandbox')).json();
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const numbers = ['2147483648', '2147483647', '9007199254740993', '1e20', '-1', '0', '1.5', 'NaN', 'Infinity', '0x10', ' 1', ''];
  const cursors = [
    b64(['a', 'b']), b64([]), b64(['x']), b64([1, 2]), b64('x'), b64({}), b64([null, null]),
    b64(['2026-02-30 00:00:00+00', '00000000-0000-0000-0000-000000000000']),
    b64(['2026-11-29 18:56:56.123456+00', 'not-a-uuid']),
    b64(['9999-99-99 99:99:99+99', '00000000-0000-0000-0000-000000000000']),
    b64(["'; DROP TABLE provision_jobs;--", '00000000-0000-0000-0000-000000000000']),
    b64(['a'.repeat(300), 'b'.repeat(300)]), '!!!', '%00', 'e30', ...HOSTILE_STRINGS.map(encodeURIComponent),
  ];
  const lists = ['/api/v1/vineyards', '/api/v1/vines', `/api/v1/vineyards/${vy.id}/vines`, `/api/v1/vines/${vine.id}/jobs`, `/api/v1/identities/${identity.id}/jobs`, '/api/v1/identities', '/api/v1/tokens', '/api/v1/tendrils', '/api/v1/pools', `/api/v1/pools/${pool.id}/tokens`, `/api/v1/pools/${pool.id}/tendrils`, `/api/v1/vines/${vine.id}/state/versions`];
  for (const list of lists) {
    for (const c of cursors) await check(`GET ${list}?cursor=${c.slice(0, 40)}`, () => alice.req('GET', `${list}?cursor=${c}`));
    for (const n of numbers) await check(`GET ${list}?limit=${n}`, () => alice.req('GET', `${list}?limit=${encodeURIComponent(n)}`));
  }
  for (const n of numbers) {
    await check(`GET logs?after=${n}`, () => alice.req('GET', `/api/v1/jobs/${job.id}/logs?after=${encodeURIComponent(n)}`));
    await check(`GET logs?limit=${n}`, () => alice.req('GET', `/api/v1/jobs/${job.id}/logs?limit=${encodeURIComponent(n)}`));
  }
  t.same(problems, [], 'no 5xx, no half-stored object, problems always problem+json');
  t.ok(await db.knex.schema.hasTable('vineyards'), 'every table still there (SQL in names is only text)');
  const names: string[] = await db.knex('vineyards').pluck('name');
  t.ok(names.every((n) => n.trim() === n && n.length > 0), 'only valid names were stored');
  const vines = await db.knex('vines').select('id');
  for (const v of vines) {
    const detail = await alice.req('GET', `/api/v1/vines/${v.id}`);
    t.equal(detail.statusCode, 200, `vine ${v.id} reads back whole`);
  }
  t.notOk(({} as Record<string, unknown>).polluted ?? ({} as Record<string, unknown>).admin, 'no prototype was polluted');
});
