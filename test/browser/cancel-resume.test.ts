/**
 * Live paths that need time: cancelling a harvest slowed down by the sandbox's apply delay, from
 * the vine page; and a log stream dropped mid-job that resumes (Last-Event-ID) with every line
 * exactly once. Real Tendril, real terraform/local.
 */
import t from 'tap';
import type { Socket } from 'node:net';
import { SHOTS, badgeOf, createVineyard, expectPageErrors, newPage, noPageErrors, plantVine, signUp, startBrowserApp } from './pages.js';

t.test('cancel a delayed harvest from the vine page', { timeout: 120_000 }, async (t) => {
  const { url, browser, db } = await startBrowserApp(t);
  const page = await newPage(browser);
  await signUp(page, url);
  const vineyardId = await createVineyard(page, url, 'slow');
  const vineId = await plantVine(page, url, vineyardId, 'patience', async (p) => {
    await p.click('.knobs summary');
    await p.fill('input[name="options.apply_delay_seconds"]', '60');
  });
  await page.click('button[data-action=harvest]');
  await page.locator('[data-component="network/network"] .badge', { hasText: 'CREATING' }).waitFor({ timeout: 60_000 });
  t.equal(await badgeOf(page, vineId).innerText(), 'PROVISIONING', 'the vine is PROVISIONING while Terraform works');
  await page.screenshot({ path: `${SHOTS}/vine-provisioning.png`, fullPage: true });
  const started = Date.now();
  await page.click('button[data-action=cancel]');
  await page.locator(`#vine-${vineId}-status .badge-lg`, { hasText: 'FAILED' }).waitFor({ timeout: 60_000 });
  t.ok(Date.now() - started < 45_000, 'cancelled long before the 60 s apply would have ended');
  const job = await db.knex('provision_jobs').where({ vine_id: vineId, type: 'DEPLOY' }).first('id', 'status', 'error');
  t.equal(job.status, 'CANCELLED', 'the job is CANCELLED');
  await page.locator(`#job-${job.id}-status .badge`, { hasText: 'CANCELLED' }).waitFor();
  t.pass('the page shows the job CANCELLED without a reload');
  t.equal(await page.locator('button[data-action=retry]').isEnabled(), true, 'Retry is offered');
  t.notOk(await page.locator('button[data-action=cancel]').count(), 'no Cancel once nothing runs');
  await page.screenshot({ path: `${SHOTS}/vine-cancelled.png`, fullPage: true });
  noPageErrors(t, page);
});

t.test('a log stream dropped mid-job resumes with no line lost or doubled', { timeout: 120_000 }, async (t) => {
  const sockets = new Set<Socket>();
  // Every connection to the job's log stream, with where it asked to resume: the Last-Event-ID
  // header (a line arrived over the stream before the drop) or the page's ?after= (none had).
  const streams: Array<{ at: number; from: number }> = [];
  const { url, browser, db } = await startBrowserApp(t, {
    beforeListen: (app) => {
      app.server.on('connection', (s: Socket) => {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
      });
      app.addHook('onRequest', async (req) => {
        if (!/^\/jobs\/[^/]+\/events/.test(req.url)) return;
        const from = Number(req.headers['last-event-id'] ?? new URL(req.url, 'http://x').searchParams.get('after') ?? 0);
        streams.push({ at: Date.now(), from });
      });
    },
  });
  const page = await newPage(browser);
  await signUp(page, url);
  const vineyardId = await createVineyard(page, url, 'flaky-net');
  const vineId = await plantVine(page, url, vineyardId, 'stream', async (p) => {
    await p.click('[data-add-row="queues"]');
    await p.click('[data-add-row="queues"]');
    await p.click('.knobs summary');
    await p.fill('input[name="options.apply_delay_seconds"]', '6');
  });
  await Promise.all([page.waitForURL(/\/jobs\//), page.click('button[data-action=plan]')]);
  await page.locator('table.plan-summary').waitFor({ timeout: 60_000 });
  await Promise.all([page.waitForURL(`${url}/vines/${vineId}`), page.click('button[data-action=harvest_plan]')]);
  const job = await db.knex('provision_jobs').where({ vine_id: vineId, type: 'DEPLOY' }).first('id');
  await Promise.all([page.waitForURL(`${url}/jobs/${job.id}`), page.click(`a[href="/jobs/${job.id}"]`)]);
  await page.locator('[data-component], [data-log] .ln').first().waitFor({ timeout: 30_000 });
  await page.waitForFunction(() => document.querySelector('[data-log-box]')?.classList.contains('is-live'));
  // Wait until Terraform is inside the slow applies, then cut every connection to the server.
  await page.waitForFunction(() => /Creating\.\.\./.test(document.querySelector('[data-log]')?.textContent ?? ''), undefined, { timeout: 60_000 });
  const before = await page.locator('[data-log] .ln').count();
  const droppedAt = Date.now();
  // The cut stream fails in the browser: that is the point.
  expectPageErrors(page, new RegExp(`^request failed: GET .*/jobs/${job.id}/events\\S* net::ERR_`));
  for (const s of sockets) s.destroy();
  t.ok(before > 0, `lines before the drop (${before})`);
  await page.locator(`#job-${job.id}-status .badge`, { hasText: 'SUCCESS' }).waitFor({ timeout: 90_000 });
  await page.waitForFunction(() => document.querySelector('[data-live-state]')?.textContent === 'finished');
  const shown = await page.$$eval('[data-log] .ln', (ls) => ls.map((l) => Number((l as HTMLElement).dataset.seq)));
  const stored: number[] = await db.knex('provision_job_logs').where({ job_id: job.id }).orderBy('seq').pluck('seq');
  const resumes = streams.filter((s) => s.at >= droppedAt).map((s) => s.from);
  t.ok(resumes.length >= 1 && resumes[0]! > 0, `the stream reconnected, resuming after line ${resumes.join(', ')}`);
  t.ok(shown.length > before, 'lines kept arriving after the reconnect');
  t.same(shown, stored, 'every stored line is on the page exactly once, in order');
  noPageErrors(t, page);
});
