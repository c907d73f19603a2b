/**
 * With JavaScript off, the forms still do the work: sign up, create a vineyard, add and remove
 * component rows, see validation errors beside the fields with the typed values kept, change the
 * stage (defaults follow on the server), plant, harvest, sign out.
 */
import t from 'tap';
import { SHOTS, expectPageErrors, newPage, noPageErrors, startBrowserApp } from './pages.js';

t.test('the basic forms work with JavaScript disabled', { timeout: 90_000 }, async (t) => {
  const { url, browser, db } = await startBrowserApp(t, { tendril: false });
  const context = await browser.newContext({ javaScriptEnabled: false });
  t.teardown(() => context.close());
  const page = await newPage(context);

  await page.goto(`${url}/signup`);
  await page.fill('input[name=email]', 'nojs@example.com');
  await page.fill('input[name=password]', 'correct horse battery');
  await page.fill('input[name=password_confirm]', 'correct horse battery');
  await Promise.all([page.waitForURL(`${url}/vineyards`), page.click('button:has-text("Create account")')]);
  t.ok(await page.locator('.flash').isVisible(), 'signed up, with a welcome message');

  await page.fill('#new-vineyard input[name=name]', 'Plain HTML');
  await Promise.all([page.waitForURL(/\/vineyards\/[0-9a-f-]{36}$/), page.click('#new-vineyard button[type=submit]')]);
  const vineyardUrl = page.url();
  await page.click('a:has-text("Plant a vine")');

  await page.fill('input[name=name]', 'classic');
  await page.click('button[data-add-row="databases"]');
  t.equal(await page.locator('input[name="databases.0.name"]').inputValue(), 'database-1', '“Add a database” answered the form with a new row');
  t.equal(await page.inputValue('input[name=name]'), 'classic', 'what was typed survives the round trip');
  await page.click('button[data-add-row="caches"]');
  await page.click('button[data-add-row="caches"]');
  t.equal(await page.locator('.rows[data-rows="caches"] [data-row]').count(), 2, 'two caches');
  await page.click('button[name=_remove][value="caches.0"]');
  t.same(await page.locator('.rows[data-rows="caches"] input[name$=".name"]').evaluateAll((ins) => ins.map((i) => (i as HTMLInputElement).value)), ['cache-2'], 'the removed row is gone, the other kept');

  await page.fill('input[name="network.cidr_block"]', '10.0.0.0/8');
  await page.check('input[name=stage][value=production]');
  // The form comes back with its errors as a 422, on purpose.
  expectPageErrors(page, /^HTTP 422 for POST .*\/vineyards\/[0-9a-f-]{36}\/plant$/);
  await page.click('button[data-submit]');
  t.match(await page.locator('.field.has-error', { has: page.locator('input[name="network.cidr_block"]') }).innerText(), /CIDR/, 'the CIDR error is next to its field');
  t.equal(await page.inputValue('input[name="network.cidr_block"]'), '10.0.0.0/8', 'the bad value is kept as typed');
  t.equal(await page.inputValue('select[name="databases.0.size"]'), 'large', 'untouched sizes followed the new stage on the server');
  await page.screenshot({ path: `${SHOTS}/plant-form-errors.png`, fullPage: true });

  await page.fill('input[name="network.cidr_block"]', '10.20.0.0/16');
  await Promise.all([page.waitForURL(/\/vines\/[0-9a-f-]{36}$/), page.click('button[data-submit]')]);
  const vineId = page.url().split('/').pop()!;
  const vine = await db.knex('vines').where({ id: vineId }).first('stage', 'status');
  t.same(vine, { stage: 'production', status: 'DRAFT' }, 'planted as a production DRAFT');
  t.equal(await page.locator('[data-component]').count(), 3, 'network, one database, one cache');

  await page.click('button[data-action=harvest]');
  await page.waitForURL(`${url}/vines/${vineId}`);
  t.match(await page.locator('.flash').innerText(), /Harvest queued/, 'harvest queued by a plain form post');
  t.equal(await page.locator(`#vine-${vineId}-status .badge-lg`).innerText(), 'QUEUED', 'the vine is QUEUED');

  await page.goto(vineyardUrl);
  await Promise.all([page.waitForURL(`${url}/login`), page.click('button:has-text("Sign out")')]);
  const again = await page.goto(`${url}/vineyards`);
  t.match(again?.url() ?? '', /\/login\?next=%2Fvineyards$/, 'signed out: pages send you to the sign-in page');
  noPageErrors(t, page);
});
