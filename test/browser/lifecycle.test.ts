/**
 * The whole vine lifecycle in Chromium against a real Tendril and terraform/local: sign up,
 * vineyard, plant every component kind, Plan (summary and cost), Harvest this plan while the log
 * streams and every component turns ACTIVE without a reload, Destroy → DESTROYED.
 */
import t from 'tap';
import { COMPONENT_KINDS, MULTI_KINDS, SINGLETON_KINDS } from '../../src/domain/components/catalogue.js';
import { SHOTS, badgeOf, createVineyard, newPage, noPageErrors, plantVine, signUp, startBrowserApp } from './pages.js';

t.test('plant, plan, harvest this plan, destroy — live, without reloading', { timeout: 240_000 }, async (t) => {
  const { url, browser, db } = await startBrowserApp(t);
  const page = await newPage(browser);
  await page.setViewportSize({ width: 1280, height: 900 });

  await page.goto(url + '/');
  await page.screenshot({ path: `${SHOTS}/home.png`, fullPage: true });
  await page.goto(`${url}/signup`);
  await page.screenshot({ path: `${SHOTS}/signup.png`, fullPage: true });
  await signUp(page, url);
  await page.screenshot({ path: `${SHOTS}/vineyards-empty.png`, fullPage: true });
  const vineyardId = await createVineyard(page, url, 'Acme Shop');
  await page.screenshot({ path: `${SHOTS}/vineyard-empty.png`, fullPage: true });

  const vineId = await plantVine(page, url, vineyardId, 'storefront', async (p) => {
    // Stage defaults follow the stage: production sizes databases large, development small.
    await p.click('[data-add-row="databases"]');
    const size = p.locator('select[name="databases.0.size"]');
    t.equal(await size.inputValue(), 'small', 'development default size pre-filled');
    await p.check('input[name=stage][value=production]');
    t.equal(await size.inputValue(), 'large', 'production default replaces it at once');
    t.equal(await p.locator('input[name="network.az_count"]').inputValue(), '3', 'network zones follow the stage too');
    await p.check('input[name=stage][value=development]');
    t.equal(await size.inputValue(), 'small', 'and back');
    for (const k of SINGLETON_KINDS) await p.check(`input[name="${k.kind}.enabled"]`);
    for (const k of MULTI_KINDS) if (k.kind !== 'databases') await p.click(`[data-add-row="${k.kind}"]`);
    t.equal(await p.locator('[data-row]').count(), MULTI_KINDS.length, 'one row of every multi-instance kind');
    await p.fill('input[name="topics.0.subscribe_queues"]', 'queue-1');
    await p.screenshot({ path: `${SHOTS}/plant-form.png`, fullPage: true });
  });
  const components = page.locator(`#vine-${vineId}-components [data-component]`);
  t.equal(await components.count(), COMPONENT_KINDS.length, 'every kind planted');
  t.equal(await badgeOf(page, vineId).innerText(), 'DRAFT', 'a new vine is DRAFT');
  await page.screenshot({ path: `${SHOTS}/vine-draft.png`, fullPage: true });

  // Plan: the job page shows the change summary and the cost when Terraform is done.
  await Promise.all([page.waitForURL(/\/jobs\/[0-9a-f-]{36}$/), page.click('button[data-action=plan]')]);
  const planUrl = page.url();
  await page.locator('table.plan-summary').waitFor({ timeout: 90_000 });
  t.equal(await page.locator('table.plan-summary tbody tr').count(), COMPONENT_KINDS.length, 'a summary row per component');
  t.match(await page.locator('[data-cost-total]').innerText(), /\$\d/, 'monthly cost shown');
  t.match(await page.locator(`#job-${planUrl.split('/').pop()}-status .badge`).innerText(), 'SUCCESS', 'the plan succeeded, shown live');
  t.ok(await page.locator('[data-log] .ln').count() > 5, 'the plan log streamed into the page');
  await page.screenshot({ path: `${SHOTS}/job-plan.png`, fullPage: true });

  // Harvest this plan: back on the vine page, which follows the job live.
  await Promise.all([page.waitForURL(`${url}/vines/${vineId}`), page.click('button[data-action=harvest_plan]')]);
  await page.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));
  const log = page.locator('[data-log] .ln');
  await page.waitForFunction(() => document.querySelectorAll('[data-log] .ln').length > 3, undefined, { timeout: 60_000 });
  t.ok((await log.count()) > 3, 'log lines stream into the vine page');
  await page.waitForFunction(
    (n) => Array.from(document.querySelectorAll('[data-component] .badge')).filter((b) => b.textContent === 'ACTIVE').length === n,
    COMPONENT_KINDS.length,
    { timeout: 90_000 },
  );
  t.pass('every component badge turned ACTIVE');
  await page.locator(`#vine-${vineId}-status .badge-lg`, { hasText: 'ACTIVE' }).waitFor({ timeout: 30_000 });
  t.ok(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded), 'without a reload');
  const vine = await db.knex('vines').where({ id: vineId }).first('status');
  t.equal(vine.status, 'ACTIVE', 'the vine is ACTIVE in the database too');
  await page.locator(`#vine-${vineId}-components .outputs code`).first().waitFor();
  await page.screenshot({ path: `${SHOTS}/vine-active.png`, fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: `${SHOTS}/vine-active-phone.png`, fullPage: true });
  await page.setViewportSize({ width: 1280, height: 900 });

  // Destroy (the confirm dialog is accepted) → DESTROYED, again live.
  await page.click('button[data-action=destroy]');
  await page.locator(`#vine-${vineId}-status .badge-lg`, { hasText: 'DESTROYED' }).waitFor({ timeout: 90_000 });
  await page.waitForFunction(() => Array.from(document.querySelectorAll('[data-component] .badge')).every((b) => b.textContent === 'DESTROYED'));
  t.pass('vine and components DESTROYED');
  t.equal(await page.locator('button[data-action=harvest_plan]').count(), 0, 'the plan made before the destroy is no longer offered');
  t.ok(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded), 'still without a reload');
  await page.screenshot({ path: `${SHOTS}/vine-destroyed.png`, fullPage: true });

  // Editing shows, as the user types, which components the change touches (vines.diff over htmx).
  await page.goto(`${url}/vines/${vineId}/edit`);
  await page.fill('input[name="databases.0.storage_gb"]', '64');
  await page.locator('[data-rows="caches"] [data-row] [data-remove-row]').first().click();
  await page.locator('#vine-diff-body [data-diff="databases/database-1"] .action-update').waitFor();
  await page.locator('#vine-diff-body [data-diff="caches/cache-1"] .action-delete').waitFor();
  t.pass('the diff lists the updated database and the removed cache, live');
  await page.screenshot({ path: `${SHOTS}/vine-edit.png`, fullPage: true });

  for (const [name, path] of [['vineyards', '/vineyards'], ['vineyard', `/vineyards/${vineyardId}`], ['jobs', '/jobs'], ['identities', '/identities'], ['tendrils', '/tendrils']] as const) {
    await page.goto(url + path);
    await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
  }
  noPageErrors(t, page);
});
