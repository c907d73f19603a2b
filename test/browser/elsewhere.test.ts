/**
 * The vine page open in a browser while a harvest is started somewhere else (Grape, another tab):
 * the page picks it up on its own — the new job, its live log, the badges — with no reload.
 */
import t from 'tap';
import { SHOTS, badgeOf, createVineyard, newPage, noPageErrors, plantVine, signUp, startBrowserApp } from './pages.js';

t.test('a harvest started elsewhere shows up on an open vine page', { timeout: 120_000 }, async (t) => {
  const { url, browser, db, app } = await startBrowserApp(t);
  const page = await newPage(browser);
  const email = await signUp(page, url);
  const vineyardId = await createVineyard(page, url, 'elsewhere');
  const vineId = await plantVine(page, url, vineyardId, 'watched');
  await page.goto(`${url}/vines/${vineId}`);
  await page.locator(`#vine-${vineId}-panel.is-live`).waitFor();
  t.pass('the idle page is connected to its live stream');
  const navigations: string[] = [];
  page.on('framenavigated', (f) => f === page.mainFrame() && navigations.push(f.url()));

  const { id: userId } = await db.knex('users').where({ email }).first('id');
  const job = await app.services.jobs.create({ userId, type: 'DEPLOY', vineId }); // as `grape harvest` does
  await page.locator(`#vine-${vineId}-current-job[data-job-id="${job.id}"]`).waitFor();
  t.pass('the new job appears');
  await badgeOf(page, vineId).filter({ hasText: 'ACTIVE' }).waitFor({ timeout: 60_000 });
  t.pass('the vine turns ACTIVE');
  await page.locator('[data-component="network/network"] .badge', { hasText: 'ACTIVE' }).waitFor();
  t.match(await page.locator(`#vine-${vineId}-current-job [data-log]`).innerText(), /Apply complete!/, 'the log streamed in');
  t.same(navigations, [], 'all without a reload');
  // "… ago" stays current on an open page: make one time two minutes old and watch it follow.
  await page.evaluate(() => document.querySelector('time[data-ago]')!.setAttribute('datetime', new Date(Date.now() - 120_000).toISOString()));
  await page.waitForFunction(() => /^2 min 0\d s ago$/.test(document.querySelector('time[data-ago]')!.textContent ?? ''), undefined, { timeout: 10_000 });
  t.pass('relative times are kept current in the page');
  await page.screenshot({ path: `${SHOTS}/vine-harvested-elsewhere.png`, fullPage: true });
  noPageErrors(t, page);
});
