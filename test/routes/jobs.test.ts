import t, { type Test } from 'tap';
import { buildTestApp } from '../helpers.js';
import { seedVine } from '../fixtures.js';
import { signedIn } from './agent.js';
import { createLogWriter } from '../../src/domain/jobs/log-writer.js';
import { CHANNEL, notify } from '../../src/domain/jobs/events.js';

async function setup(t: Test, env: Record<string, string> = {}) {
  const { app } = await buildTestApp(t, env);
  const user = await signedIn(app);
  const identity = await app.deps.knex('cloud_identities').where({ user_id: user.userId }).first('id');
  const v = await seedVine(app.deps.knex, { user: { userId: user.userId, identityId: identity.id }, allKinds: true });
  return { app, ...user, vineId: v.vineId, knex: app.deps.knex };
}

const PLAN_RESULT = {
  summary: {
    add: 3, change: 1, destroy: 0,
    components: [
      { kind: 'network', name: 'network', action: 'create', resources: { create: 2, update: 0, delete: 0, replace: 0 } },
      { kind: 'databases', name: 'main', action: 'update', resources: { create: 1, update: 1, delete: 0, replace: 0 } },
    ],
  },
  cost: { source: 'estimate', label: 'estimate (built-in price table, on-demand list prices)', currency: 'USD', total: 93, components: [{ kind: 'network', name: 'network', monthly: 33 }, { kind: 'databases', name: 'main', monthly: 60 }] },
};

t.test('lifecycle actions: queued, refused with the reason, cancelled', async (t) => {
  const { a, vineId, knex } = await setup(t);
  await a.get(`/vines/${vineId}`);
  const plan = await a.post(`/vines/${vineId}/plan`);
  t.equal(plan.statusCode, 303);
  t.match(plan.headers.location, /^\/jobs\/[0-9a-f-]{36}$/, 'Plan goes to its job page');
  const planPage = await a.get(String(plan.headers.location));
  t.match(planPage.body, /<h1>PLAN job<\/h1>/);
  t.match(planPage.body, /badge s-QUEUED">QUEUED/);
  t.match(planPage.body, /waiting for a Tendril/);
  t.match(planPage.body, /the change summary and the cost estimate appear here/);
  t.match(planPage.body, /data-sse-src="\/jobs\/[0-9a-f-]{36}\/events\?after=0"/, 'the log follows live');
  t.match(planPage.body, /data-action="cancel">Cancel job/);

  const harvest = await a.post(`/vines/${vineId}/harvest`);
  t.equal(harvest.statusCode, 303);
  t.equal(harvest.headers.location, `/vines/${vineId}`);
  const page = await a.get(`/vines/${vineId}`);
  t.match(page.body, /Harvest queued/);
  t.match(page.body, /badge s-QUEUED badge-lg">QUEUED/);
  t.match(page.body, /data-action="cancel">Cancel DEPLOY/, 'Cancel offered for the open job');
  t.match(page.body, /data-action="harvest" disabled title="a DEPLOY job is QUEUED: wait for it or cancel it"/, 'Harvest disabled with the reason');
  t.match(page.body, new RegExp(`data-sse-src="/vines/${vineId}/events\\?job=`), 'the panel follows the vine live');

  const again = await a.post(`/vines/${vineId}/harvest`);
  t.equal(again.statusCode, 409, 'a second harvest is refused');
  t.match(again.body, /Vine is QUEUED: DEPLOY job [0-9a-f-]{36} must finish \(or be cancelled\) before a DEPLOY can start/, 'with the reason, on the vine page');
  const hx = await a.post(`/vines/${vineId}/destroy`, {}, { 'hx-request': 'true', 'hx-target': `vine-${vineId}-panel` });
  t.equal(hx.statusCode, 409, 'htmx: refused (and htmx swaps 409 answers in place)');
  t.match(hx.body, new RegExp(`^<div id="vine-${vineId}-panel"`), 'the panel alone');
  t.match(hx.body, /class="alert alert-error" role="alert">Vine is QUEUED/);

  const deploy = await knex('provision_jobs').where({ vine_id: vineId, type: 'DEPLOY' }).first('id');
  const cancel = await a.post(`/jobs/${deploy.id}/cancel`, { return_to: `/vines/${vineId}` }, { 'hx-request': 'true', 'hx-target': `vine-${vineId}-panel` });
  t.equal(cancel.statusCode, 200, 'cancelled in place');
  t.match(cancel.body, /badge s-DRAFT badge-lg">DRAFT/, 'the vine is back to DRAFT');
  t.match(cancel.body, /badge s-CANCELLED">CANCELLED/);
  const twice = await a.post(`/jobs/${deploy.id}/cancel`, { return_to: `/vines/${vineId}` });
  t.equal(twice.statusCode, 409);
  t.match(twice.body, /Job is already CANCELLED/);
  const fromJobPage = await a.post(`/jobs/${deploy.id}/cancel`, { return_to: `/jobs/${deploy.id}` });
  t.equal(fromJobPage.statusCode, 409);
  t.match(fromJobPage.body, /<h1>DEPLOY job<\/h1>[\s\S]*Job is already CANCELLED/, 'on the job page when cancelled from there');
  const destroyDraft = await a.post(`/vines/${vineId}/destroy`);
  t.equal(destroyDraft.statusCode, 409);
  t.match(destroyDraft.body, /Vine is DRAFT: a DESTROY cannot start now/);

  const garbage = await a.post(`/vines/${vineId}/harvest`, { plan_job_id: 'not-a-plan' });
  t.equal(garbage.statusCode, 422);
  t.match(garbage.body, /not a plan of this vine/);
});

t.test('the job page: who, when, where, the plan table with cost, and Harvest this plan', async (t) => {
  const { a, vineId, knex, email } = await setup(t);
  const vine = await knex('vines').where({ id: vineId }).first('config_version');
  const [tendril] = await knex('tendrils').insert({ name: 'tendril-7', host: 'worker-a', pid: 42, version: '0.1.0', terraform_version: 'Terraform v1.9.0', concurrency: 4 }).returning('id');
  const userId = (await knex('users').where({ email }).first('id')).id;
  const [job] = await knex('provision_jobs')
    .insert({ vine_id: vineId, created_by: userId, type: 'PLAN', status: 'SUCCESS', config_version: vine.config_version, tendril_id: tendril.id, result: JSON.stringify(PLAN_RESULT), claimed_at: knex.fn.now(), processing_at: knex.fn.now(), finished_at: knex.fn.now() })
    .returning('id');
  const writer = createLogWriter(knex, job.id);
  writer.system('plan: 3 to add');
  writer.write({ stream: 'stdout', level: 'info', line: '\u001b[31mError\u001b[0m: <b>not bold</b> & fine' });
  await writer.close();

  const page = await a.get(`/jobs/${job.id}`);
  t.equal(page.statusCode, 200);
  t.match(page.body, /Plan: 3 to add, 1 to change, 0 to destroy/);
  t.match(page.body, /<td class="num">\$33\.00<\/td>/, 'cost per component');
  t.match(page.body, /Monthly cost<\/span> <strong>\$93\.00/, 'the total');
  t.match(page.body, /estimate \(built-in price table/, 'labelled an estimate');
  t.match(page.body, /action-update">update/);
  t.match(page.body, new RegExp(`name="plan_job_id" value="${job.id}"`), 'Harvest this plan applies this plan');
  t.notMatch(page.body, /data-action="harvest_plan" disabled/, 'and is enabled');
  t.match(page.body, `<dd>${email.replace('@', '<wbr>@')}</dd>`, 'who started it (a line may break at the @)');
  t.match(page.body, /tendril-7<\/a> <span class="muted small">\(worker-a\)/, 'the Tendril that ran it');
  t.match(page.body, /<span class="a-red">Error<\/span>: &lt;b&gt;not bold&lt;\/b&gt; &amp; fine/, 'ANSI colours rendered, markup escaped');
  t.notMatch(page.body, /data-sse-src="\/jobs/, 'a finished job does not stream');
  t.notMatch(page.body, /data-action="cancel"/, 'nor offer Cancel');
  const vinePage = (await a.get(`/vines/${vineId}`)).body;
  t.match(vinePage, /data-action="harvest_plan">Harvest this plan/, 'the vine page offers the plan too');
  t.match(vinePage, /Latest job · PLAN/, 'and shows it as the latest job');
  t.match(vinePage, new RegExp(`hx-get="/jobs/${job.id}/log" hx-trigger="toggle once"`), 'its log is fetched when opened');
  t.notMatch(vinePage, /not bold/, 'not before');
  const lazy = await a.get(`/jobs/${job.id}/log`, { 'hx-request': 'true' });
  t.match(lazy.body, new RegExp(`^<div class="log-box" data-log-box>[\\s\\S]*id="job-${job.id}-logs"`), 'the log fragment');
  t.match(lazy.body, /&lt;b&gt;not bold/);
  const noJs = await a.get(`/jobs/${job.id}/log`);
  t.equal(noJs.statusCode, 303, 'without htmx: the job page');
  t.equal(noJs.headers.location, `/jobs/${job.id}#log`);
  const fragment = await a.get(`/jobs/${job.id}`, { 'hx-request': 'true' });
  t.match(fragment.body, new RegExp(`^<div id="job-${job.id}" class="job-page">`), 'htmx gets the job fragment');
  t.match((await a.get('/jobs')).body, new RegExp(`href="/jobs/${job.id}">PLAN`), 'listed on the jobs page');

  await knex('vines').where({ id: vineId }).update({ config_version: vine.config_version + 1 });
  const stale = await a.get(`/jobs/${job.id}`);
  t.match(stale.body, /data-action="harvest_plan" disabled title="the configuration changed since this plan: run a new plan"/, 'a stale plan cannot be harvested');
  const refused = await a.post(`/vines/${vineId}/harvest`, { plan_job_id: job.id });
  t.equal(refused.statusCode, 409);
  t.match(refused.body, /is stale: the vine&#39;s configuration changed since it was planned/);
});

t.test('the log stream: lines with their seq as event id, resume after Last-Event-ID, end with the job', async (t) => {
  const { a, vineId, knex, app } = await setup(t);
  const [job] = await knex('provision_jobs').insert({ vine_id: vineId, type: 'PLAN', status: 'SUCCESS', finished_at: knex.fn.now() }).returning('id');
  const writer = createLogWriter(knex, job.id);
  for (let i = 1; i <= 5; i++) writer.write({ stream: 'stdout', level: 'info', line: `line ${i}` });
  await writer.close();
  const all = await app.inject({ method: 'GET', url: `/jobs/${job.id}/events`, headers: { cookie: a.cookie } });
  t.match(all.headers['content-type'], /text\/event-stream/);
  t.match(all.body, /^retry: 2000/, 'a reconnect delay');
  t.notMatch(all.body, /event: swap/, 'the same event names as the API: line, status, end');
  t.equal(all.body.match(/event: line/g)?.length, 5, 'every line');
  t.match(all.body, /id: 3\nevent: line\ndata: <div class="ln ln-stdout ln-info" data-seq="3">/, 'ids are seqs');
  const status = all.body.split('\n\n').find((e) => e.startsWith('event: status'));
  t.match(status, new RegExp(`^event: status\\ndata: <div id="job-${job.id}-status"`), 'the final status, as the fragments the page swaps');
  t.match(status, new RegExp(`data: <section id="job-${job.id}-result"`), 'with the result');
  t.ok(all.body.indexOf('event: status') > all.body.lastIndexOf('event: line'), 'after every line');
  t.match(all.body, /event: end\ndata: \{"status":"SUCCESS"\}\n\n$/, 'then the end');
  const resumed = await app.inject({ method: 'GET', url: `/jobs/${job.id}/events`, headers: { cookie: a.cookie, 'last-event-id': '3' } });
  t.same([...resumed.body.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1])), [4, 5], 'Last-Event-ID: only what came after');
  const after = await app.inject({ method: 'GET', url: `/jobs/${job.id}/events?after=4`, headers: { cookie: a.cookie } });
  t.same([...after.body.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1])), [5], '?after= for the first connection');
  const beyond = await app.inject({ method: 'GET', url: `/jobs/${job.id}/events`, headers: { cookie: a.cookie, 'last-event-id': '2147483648' } });
  t.match(beyond.body, /event: end\ndata: \{"status":"SUCCESS"\}\n\n$/, 'a Last-Event-ID past the largest seq: nothing to send, and the stream of a finished job ends');
  t.notMatch(beyond.body, /event: line/);
});

/** Reads an event stream from a listening app until `until` matches (or 10 s pass). */
async function readStream(url: string, cookie: string, until: RegExp, opts: { toTheEnd?: boolean } = {}) {
  const res = await fetch(url, { headers: { cookie } });
  const reader = res.body!.getReader();
  let text = '';
  let ended = false;
  const deadline = Date.now() + 10_000;
  while ((opts.toTheEnd || !until.test(text)) && Date.now() < deadline) {
    const { value, done } = await reader.read();
    if (done) {
      ended = true;
      break;
    }
    text += Buffer.from(value).toString();
  }
  return { text, ended, close: () => reader.cancel() };
}

t.test('the vine stream stays open while no job runs, and follows a job started elsewhere', async (t) => {
  const { a, vineId, app, knex } = await setup(t);
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  const idle = readStream(`${url}/vines/${vineId}/events`, a.cookie, /vine-[0-9a-f-]+-status[\s\S]*id="job-[0-9a-f-]+-logs"/);
  // The page's own stream names what the page shows: nothing is sent until that changes.
  const src = /data-sse-src="([^"]+)"/.exec((await a.get(`/vines/${vineId}`)).body)![1]!.replaceAll('&amp;', '&');
  t.match(src, /\?job=&stamp=[\w-]{16}$/, 'the page hands its stamp to the stream');
  const fromPage = readStream(`${url}${src}`, a.cookie, /id="job-[0-9a-f-]+-logs"/);
  await new Promise((r) => setTimeout(r, 300));
  // A job started by someone else (Grape, another tab): this page did not start it.
  const job = await app.services.jobs.create({ userId: (await knex('users').first('id')).id, type: 'PLAN', vineId });
  const s = await idle;
  t.match(s.text, new RegExp(`event: swap\\ndata: <section id="vine-${vineId}-status"`), 'the current state on connect');
  t.match(s.text, new RegExp(`id="job-${job.id}-logs"`), 'then the new job, with its live log');
  t.notMatch(s.text, /event: end/, 'no end while the vine is there');
  t.notOk(s.ended, 'the stream is still open');
  const p = await fromPage;
  t.match(p.text, new RegExp(`id="job-${job.id}-logs"`), 'the page\'s stream got the job too');
  const firstSwap = p.text.split('\n\n').find((e) => e.startsWith('event: swap'));
  t.match(firstSwap, new RegExp(`job-${job.id}`), 'and nothing before it: not the state the page already showed');
  await p.close();
  // Closing the server ends open streams instead of waiting for their clients.
  const closing = Date.now();
  await app.close();
  t.ok(Date.now() - closing < 5000, 'the server closed without waiting for the stream');
  await s.close().catch(() => {});
});

t.test('a vine stream sends keep-alive comments and ends when the vine is deleted', async (t) => {
  const { a, vineId, app } = await setup(t, { SSE_KEEPALIVE_SECONDS: '1' });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  const started = Date.now();
  const s = await readStream(`${url}/vines/${vineId}/events`, a.cookie, /: keep-alive\n\n/);
  t.match(s.text, /: keep-alive\n\n/, 'a keep-alive comment');
  t.ok(Date.now() - started >= 900, 'after the interval, not at once');
  await s.close();
  const gone = readStream(`${url}/vines/${vineId}/events`, a.cookie, /event: end/, { toTheEnd: true });
  await new Promise((r) => setTimeout(r, 300));
  await a.get(`/vines/${vineId}`);
  t.equal((await a.post(`/vines/${vineId}/delete`)).statusCode, 303);
  const d = await gone;
  t.match(d.text, /event: end\ndata: \{"reason":"deleted","message":"this vine was deleted"\}/, 'the stream ends with its reason: the vine is gone');
  t.ok(d.ended, 'and ends');
});

t.test('live: lines and statuses reach a connected browser through the one LISTEN connection', async (t) => {
  const { a, vineId, knex, app } = await setup(t);
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  const job = await app.services.jobs.create({ userId: (await knex('users').first('id')).id, type: 'DEPLOY', vineId });
  const read = async (path: string, until: RegExp) => {
    const res = await fetch(url + path, { headers: { cookie: a.cookie } });
    const reader = res.body!.getReader();
    let text = '';
    const deadline = Date.now() + 10_000;
    while (!until.test(text) && Date.now() < deadline) {
      const { value, done } = await reader.read();
      if (done) break;
      text += Buffer.from(value).toString();
    }
    return { text, close: () => reader.cancel() };
  };
  const vineStream = read(`/vines/${vineId}/events?job=${job.id}`, /badge s-PROVISIONING[\s\S]*badge s-ACTIVE/);
  const logStream = read(`/jobs/${job.id}/events`, /event: end/);
  await new Promise((r) => setTimeout(r, 300));
  await knex('provision_jobs').where({ id: job.id }).update({ status: 'PROCESSING', processing_at: knex.fn.now() });
  await knex('vines').where({ id: vineId }).update({ status: 'PROVISIONING' });
  await notify(knex, CHANNEL.jobStatus, `${job.id}:${vineId}:PROCESSING`);
  await notify(knex, CHANNEL.vineStatus, vineId);
  const writer = createLogWriter(knex, job.id);
  writer.write({ stream: 'stdout', level: 'info', line: 'terraform apply' });
  await writer.close();
  await new Promise((r) => setTimeout(r, 300));
  await knex('provision_jobs').where({ id: job.id }).update({ status: 'SUCCESS', finished_at: knex.fn.now() });
  await knex('vines').where({ id: vineId }).update({ status: 'ACTIVE' });
  await notify(knex, CHANNEL.jobStatus, `${job.id}:${vineId}:SUCCESS`);
  await notify(knex, CHANNEL.vineStatus, vineId);
  const [v, l] = await Promise.all([vineStream, logStream]);
  t.match(l.text, /badge s-PROCESSING/, 'the job page saw PROCESSING');
  t.match(l.text, /id: 1\nevent: line\ndata: .*terraform apply/, 'the line arrived live');
  t.match(l.text, /event: end\ndata: \{"status":"SUCCESS"\}/, 'the log stream ended with the job');
  t.match(v.text, /badge s-PROVISIONING badge-lg/, 'the vine page saw PROVISIONING');
  t.match(v.text, /badge s-ACTIVE badge-lg/, 'then ACTIVE');
  t.notMatch(v.text, /event: end/, 'and the vine stream stays open for the next job');
  await Promise.all([v.close(), l.close()]);
});
