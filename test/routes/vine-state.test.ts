/**
 * The vine page's State tab without JavaScript: the versions table, a version's addresses and output
 * names (never a value), the restore confirmation page and its POST (CSRF), refusals in place with
 * the reason (409), and after a restore the note that asks for a Plan.
 */
import t from 'tap';
import { randomUUID } from 'node:crypto';
import { buildTestApp } from '../helpers.js';
import { signedIn } from './agent.js';
import { CANARY, docAddresses, stateDoc, writeVersions } from '../state/helpers.js';

t.test('the State tab: list, inspect, confirm, restore, refusals', async (t) => {
  const { app } = await buildTestApp(t);
  const { knex } = app.deps;
  const { a } = await signedIn(app);
  const vy = String((await a.post('/vineyards', { name: 'Acme' })).headers.location);
  await a.get(`${vy}/plant`);
  const vine = String((await a.post(`${vy}/plant`, { name: 'shop', stage: 'development', identity: 'sandbox', 'network.enabled': 'on' })).headers.location).split('/').pop()!;

  let page = await a.get(`/vines/${vine}`);
  t.match(page.body, `<a href="/vines/${vine}/state" data-tab="state">State</a>`, 'the vine page links its State tab');
  page = await a.get(`/vines/${vine}/state`);
  t.equal(page.statusCode, 200, 'the State tab');
  t.match(page.body, 'data-state-empty', 'says there is no state yet');
  t.match(page.body, 'aria-current="page">State</a>', 'with its tab marked');

  const lineage = randomUUID();
  const jobId = await writeVersions(app, vine, [stateDoc({ serial: 1, lineage, databases: ['main'] }), stateDoc({ serial: 2, lineage, databases: ['main', 'reports'] })]);
  page = await a.get(`/vines/${vine}/state`);
  const rows = [...page.body.matchAll(/<tr data-version="(\d+)">/g)].map((m) => Number(m[1]));
  t.same(rows, [2, 1], 'the versions, newest first');
  t.match(page.body, `<a href="/jobs/${jobId}" data-origin="job">DEPLOY</a>`, 'each with the job that wrote it');
  t.match(page.body, `href="/vines/${vine}/state/1/restore" data-restore`, 'an older version can be restored');
  t.notOk(page.body.includes(`/state/2/restore`), 'the current one cannot');
  t.notOk(page.body.includes(CANARY), 'no value of the state');

  page = await a.get(`/vines/${vine}/state/2`);
  t.equal(page.statusCode, 200, 'a version’s page');
  for (const addr of docAddresses(['main', 'reports'])) t.match(page.body, `<code>${addr.replace(/"/g, '&quot;')}</code>`, `lists ${addr}`);
  t.match(page.body, '<code>databases</code>', 'and the outputs’ names');
  t.notOk(page.body.includes(CANARY), 'never a value');
  t.equal((await a.get(`/vines/${vine}/state/9`)).statusCode, 404, 'a version that is not there: 404');

  page = await a.get(`/vines/${vine}/state/1/restore`);
  t.equal(page.statusCode, 200, 'the confirmation page');
  t.match(page.body, 'changes <strong>Terraform’s record</strong>', 'says what a restore does');
  t.match(page.body, /data-action="confirm-restore">Restore version 1</, 'and asks to confirm');
  t.notOk(/data-action="confirm-restore" disabled/.test(page.body), 'enabled: nothing in the way');

  // Refused while a job of the vine is queued: in place, with the reason.
  const planned = await a.post(`/vines/${vine}/plan`);
  const planId = String(planned.headers.location).split('/').pop();
  page = await a.get(`/vines/${vine}/state/1/restore`);
  t.match(page.body, `Not now: a PLAN job of this vine is QUEUED (job ${planId})`, 'the confirmation page says why not');
  t.match(page.body, /data-action="confirm-restore" disabled/, 'its button disabled');
  page = await a.post(`/vines/${vine}/state/1/restore`);
  t.equal(page.statusCode, 409, 'posted anyway: 409');
  t.match(page.body, /data-restore-refused>A PLAN job of this vine is QUEUED/, 'with the reason in place');
  await a.get(`/vines/${vine}`);
  await a.post(`/jobs/${planId}/cancel`, { return_to: `/vines/${vine}` });

  const noCsrf = await a.post(`/vines/${vine}/state/1/restore`, { _csrf: 'forged' });
  t.equal(noCsrf.statusCode, 403, 'a forged CSRF token: refused');
  t.equal((await knex('terraform_states').where({ vine_id: vine })).length, 2, 'nothing restored by the refusals');

  await a.get(`/vines/${vine}/state/1/restore`);
  const done = await a.post(`/vines/${vine}/state/1/restore`);
  t.equal(done.statusCode, 303, 'restored: back to the State tab');
  t.equal(done.headers.location, `/vines/${vine}/state`);
  page = await a.get(`/vines/${vine}/state`);
  t.match(page.body, 'Version 1 restored: it is the current state again, as version 3.', 'the flash says what happened');
  t.match(page.body, 'run a Plan to see what a harvest would change', 'and what to do next');
  t.match(page.body, /data-restored-note>[\s\S]*restored from version 1[\s\S]*data-action="plan"/, 'a note with a Plan button stays while the current state is a restore');
  t.match(page.body, /<tr data-version="3">[\s\S]*?data-origin="restore">restored from <a href="\/vines\/[^"]+\/state\/1">version 1<\/a>/, 'the new version says where it came from');
  page = await a.get(`/vines/${vine}/state/3/restore`);
  t.match(page.body, 'is the current state already', 'the current version: nothing to restore');
});
