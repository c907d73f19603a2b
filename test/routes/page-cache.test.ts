/**
 * Two Trellis processes on one database (two apps, each with its own LISTEN hub): what one keeps
 * in memory (sessions, rendered vine pages) never outlives a change made through the other, or
 * by a Tendril.
 */
import t, { type Test } from 'tap';
import { buildApp } from '../../src/app.js';
import { createLogger } from '../../src/logger.js';
import { CHANNEL, notify } from '../../src/domain/jobs/events.js';
import { buildTestApp, eventually as waitFor } from '../helpers.js';
import { agent, signedIn } from './agent.js';

async function twoProcesses(t: Test, env: Record<string, string> = {}) {
  const a = await buildTestApp(t, env);
  const b = await buildApp({ config: a.config, knex: a.db.knex, databaseUrl: a.db.url, logger: createLogger(a.config, 'test-b') });
  t.teardown(() => b.close());
  const user = await signedIn(a.app);
  const vy = await a.app.services.vineyards.create(user.userId, { name: 'Acme' });
  const { vine, components } = await a.app.services.vines.create(user.userId, vy.id, { name: 'shop', stage: 'development', identity: 'sandbox', network: {}, databases: [{ name: 'main' }] });
  return { A: a.app, B: b, knex: a.db.knex, ...user, vy, vine, components };
}

/**
 * A NOTIFY crosses processes in milliseconds; 3 s is well inside the page cache's 5 s life, so a
 * change can only show through an eviction, never through an entry lapsing.
 */
const eventually = async (t: Test, what: string, test: () => Promise<boolean>) => {
  await waitFor(what, test, 3000);
  t.pass(what);
};

const tokenOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1];

t.test('a signed-out session ends in every process at once', async (t) => {
  const { A, B, a } = await twoProcesses(t);
  const inB = agent(B, a.cookie);
  t.equal((await inB.get('/vineyards')).statusCode, 200, 'the session works in the other process (and is now remembered there)');
  t.equal((await a.post('/logout')).statusCode, 303);
  await eventually(t, 'the other process refuses it', async () => (await inB.get('/vineyards')).statusCode === 303);
  t.equal((await A.inject({ url: '/vineyards', headers: { cookie: a.cookie, accept: 'text/html' } })).statusCode, 303, 'and so does this one');
});

t.test('the vine page is kept, with a fresh CSRF token on every visit', async (t) => {
  const { A, a, vine } = await twoProcesses(t);
  const first = await a.get(`/vines/${vine.id}`);
  t.equal(first.statusCode, 200);
  t.equal(A.pageCache.size, 1, 'the page was kept');
  const second = await a.get(`/vines/${vine.id}`);
  t.match(second.headers['content-type'], 'text/html; charset=utf-8');
  t.match(second.headers['content-security-policy'], /default-src 'self'/, 'a kept page has the security headers too');
  const [t1, t2] = [tokenOf(first.body), tokenOf(second.body)];
  t.ok(t1 && t2 && t1 !== t2, 'each visit gets its own token');
  t.notOk(second.body.includes(A.pageCache.csrfSlot), 'no placeholder is left in the page');
  t.equal(second.body.replaceAll(t2!, 'TOKEN'), first.body.replaceAll(t1!, 'TOKEN'), 'the same page otherwise');
  const upper = await a.get(`/vines/${vine.id.toUpperCase()}`);
  t.equal(upper.statusCode, 200, 'the id in capitals finds the same vine');
  const planned = await a.post(`/vines/${vine.id}/plan`, { _csrf: t2! });
  t.equal(planned.statusCode, 303, 'the token of a kept page is accepted');
  t.equal(A.pageCache.size, 0, 'the write cleared the cache before answering');
  const live = await a.get(`/vines/${vine.id}`);
  t.match(live.body, /data-sse-src=/, 'the page follows the new job');
  t.equal(A.pageCache.size, 0, 'a page with an open job is not kept');
});

t.test('another user never gets a kept page', async (t) => {
  const { A, a, vine } = await twoProcesses(t);
  await a.get(`/vines/${vine.id}`);
  t.equal(A.pageCache.size, 1);
  const other = await signedIn(A);
  const res = await other.a.get(`/vines/${vine.id}`);
  t.equal(res.statusCode, 404);
  t.notMatch(res.body, /shop/, 'nothing of the vine is shown');
});

t.test('changes through the other process or by a Tendril show on the next visit', async (t) => {
  const { A, B, a, knex, vine, vy, components, userId } = await twoProcesses(t);
  const page = async () => (await a.get(`/vines/${vine.id}`)).body;
  t.match(await page(), /Acme/);
  // A rename through the other process's form.
  const inB = agent(B, a.cookie);
  await inB.get(`/vineyards/${vy.id}`);
  t.equal((await inB.post(`/vineyards/${vy.id}/rename`, { name: 'Acme Two', description: '' })).statusCode, 303);
  await eventually(t, 'a vineyard renamed in the other process', async () => /Acme Two/.test(await page()));
  // A component's status as a Tendril records it: an UPDATE and a NOTIFY, no HTTP request.
  const db = components.find((c) => c.kind === 'databases')!;
  t.match(await page(), new RegExp(`id="component-${db.id}"[\\s\\S]*?PENDING`));
  await knex('vine_databases').where({ id: db.id }).update({ status: 'FAILED', error: 'quota exceeded' });
  await notify(knex, CHANNEL.vineStatus, vine.id);
  await eventually(t, 'a component status recorded by a Tendril', async () => /quota exceeded/.test(await page()));
  // A job started in the other process (its form or API): the page follows it at once.
  await B.services.jobs.create({ userId, type: 'PLAN', vineId: vine.id });
  await eventually(t, 'a job started in the other process', async () => /Latest job · PLAN/.test(await page()));
  t.equal(A.pageCache.size, 0, 'and the page is not kept while the job is open');
});

t.test('PAGE_CACHE_MS=0 keeps nothing', async (t) => {
  const { A, a, vine } = await twoProcesses(t, { PAGE_CACHE_MS: '0' });
  t.equal((await a.get(`/vines/${vine.id}`)).statusCode, 200);
  t.equal((await a.get(`/vines/${vine.id}`)).statusCode, 200);
  t.equal(A.pageCache.size, 0);
});

t.test('a page with a flash message is shown once and not kept', async (t) => {
  const { A, a, vine } = await twoProcesses(t);
  const res = await a.post(`/vines/${vine.id}/edit`, { name: 'shop', stage: 'development', identity: 'sandbox', 'network.enabled': 'on', 'databases.0.name': 'main', 'databases.0.storage_gb': '40' });
  t.equal(res.statusCode, 303);
  const flashed = await a.get(`/vines/${vine.id}`);
  t.match(flashed.body, /class="flash"/);
  t.equal(A.pageCache.size, 0, 'the page with the flash was not kept');
  const after = await a.get(`/vines/${vine.id}`);
  t.notMatch(after.body, /class="flash"/, 'the next visit has no flash');
  t.equal(A.pageCache.size, 1);
});

t.test('with nothing kept, visits at the same time share a read; a visit after a change sees it', async (t) => {
  const { A, a, knex, vine } = await twoProcesses(t, { PAGE_CACHE_MS: '0' });
  let reads = 0;
  const count = (q: { sql: string }) => {
    if (q.sql.startsWith('WITH v AS')) reads++;
  };
  knex.on('query', count);
  t.teardown(() => knex.off('query', count));
  const visit = () => A.inject({ url: `/vines/${vine.id}`, headers: { cookie: a.cookie, accept: 'text/html' } });
  const pages = await Promise.all(Array.from({ length: 20 }, visit));
  t.ok(pages.every((p) => p.statusCode === 200 && p.body.includes('<h1>shop')), 'every visit gets the page');
  t.ok(reads >= 1 && reads <= 3, `20 visits at once, ${reads} reads of the vine`);
  const tokens = pages.map((p) => tokenOf(p.body));
  t.ok(tokens.every((tk) => tk && !tk.startsWith('csrf-slot-')), 'each with a token, never the placeholder');
  t.equal(new Set(tokens).size, 20, 'each its own token');
  // A change, then visits at once again: none sees the page from before it.
  await knex('vines').where({ id: vine.id }).update({ name: 'renamed' });
  const after = await Promise.all(Array.from({ length: 10 }, visit));
  t.ok(after.every((p) => p.statusCode === 200 && p.body.includes('<h1>renamed')), 'every visit after the change shows it');
  const foreign = await signedIn(A);
  t.equal((await A.inject({ url: `/vines/${vine.id}`, headers: { cookie: foreign.a.cookie, accept: 'text/html' } })).statusCode, 404, "another user's visit is not served the page");
});
