/**
 * The State tab in Chromium against a real Tendril and terraform/local: harvest a sandbox vine, add a
 * queue and harvest again, open the State tab, inspect the first harvest's version (no queue in it),
 * restore it through the confirmation page, see the new version listed as current — and the Plan the
 * page asks for finds the queue to create again: the restore changed Terraform's record, not the cloud.
 */
import t from 'tap';
import { randomBytes } from 'node:crypto';
import { SHOTS, badgeOf, createVineyard, newPage, noPageErrors, plantVine, signUp, startBrowserApp } from './pages.js';
import { waitFor } from '../tendril/harness.js';

t.test('state history: inspect a version, restore it, plan', { timeout: 240_000 }, async (t) => {
  const env = { VINTNER_SECRET_KEY: randomBytes(32).toString('base64') };
  const { url, browser, db } = await startBrowserApp(t, { env });
  const { knex } = db;
  const page = await newPage(browser);
  await page.setViewportSize({ width: 1280, height: 900 });
  await signUp(page, url);
  const vineyardId = await createVineyard(page, url, 'Acme');
  const vineId = await plantVine(page, url, vineyardId, 'shop', async (p) => {
    await p.check('input[name="network.enabled"]');
    await p.click('[data-add-row="databases"]');
  });

  const harvested = async (n: number) => {
    await waitFor(`harvest ${n} to succeed`, async () => (await knex('provision_jobs').where({ vine_id: vineId, type: 'DEPLOY', status: 'SUCCESS' })).length === n, 90_000);
    await badgeOf(page, vineId).filter({ hasText: 'ACTIVE' }).waitFor({ timeout: 30_000 });
  };
  await page.click('button[data-action=harvest]');
  await harvested(1);
  const [first] = await knex('provision_jobs').where({ vine_id: vineId, type: 'DEPLOY' }).pluck('id');

  // A change: one queue more, harvested.
  await page.goto(`${url}/vines/${vineId}/edit`);
  await page.click('[data-add-row="queues"]');
  await Promise.all([page.waitForURL(`${url}/vines/${vineId}`), page.click('button[data-submit]')]);
  await page.click('button[data-action=harvest]');
  await harvested(2);

  // The State tab: every version, newest first, with the job that wrote it.
  await Promise.all([page.waitForURL(`${url}/vines/${vineId}/state`), page.click('a[data-tab=state]')]);
  const rows = page.locator('[data-state-versions] tbody tr');
  const versions = (await rows.evaluateAll((trs) => trs.map((tr) => Number(tr.getAttribute('data-version')))));
  t.ok(versions.length >= 2, `the harvests wrote ${versions.length} versions`);
  t.same(versions, [...versions].sort((a, b) => b - a), 'newest first');
  t.equal(await rows.first().locator('[data-current]').count(), 1, 'the newest is marked current');
  // The first harvest's last version: the state as it ended.
  const ofFirst = await page.locator(`[data-state-versions] tbody tr:has(a[href="/jobs/${first}"])`).evaluateAll((trs) => trs.map((tr) => Number(tr.getAttribute('data-version'))));
  t.ok(ofFirst.length >= 1, 'versions written by the first harvest, linked to its job');
  const target = Math.max(...ofFirst);
  await page.screenshot({ path: `${SHOTS}/vine-state.png`, fullPage: true });

  // Inspect it: addresses, no queue yet; the current version has one.
  await Promise.all([page.waitForURL(`${url}/vines/${vineId}/state/${target}`), page.click(`tr[data-version="${target}"] a[data-inspect]`)]);
  const addresses = await page.locator('[data-addresses] code').allInnerTexts();
  t.ok(addresses.some((a) => a.startsWith('terraform_data.databases[')), `the database is in version ${target}`);
  t.notOk(addresses.some((a) => a.startsWith('terraform_data.queues[')), 'no queue in it');
  t.ok(await page.locator('[data-outputs] code').count() > 0, 'its outputs, by name');
  await page.screenshot({ path: `${SHOTS}/vine-state-version.png`, fullPage: true });
  await page.goto(`${url}/vines/${vineId}/state/${versions[0]}`);
  t.ok((await page.locator('[data-addresses] code').allInnerTexts()).some((a) => a.startsWith('terraform_data.queues[')), 'while the current version has the queue');

  // Restore it: a confirmation first.
  await page.goto(`${url}/vines/${vineId}/state/${target}`);
  await Promise.all([page.waitForURL(`${url}/vines/${vineId}/state/${target}/restore`), page.click('a[data-action=restore]')]);
  t.match(await page.locator('[data-restore-confirm]').innerText(), /changes Terraform’s record of what exists — not the cloud/, 'the confirmation says what a restore does');
  await page.screenshot({ path: `${SHOTS}/vine-state-restore.png`, fullPage: true });
  await Promise.all([page.waitForURL(`${url}/vines/${vineId}/state`), page.click('button[data-action=confirm-restore]')]);
  t.match(await page.locator('.flash').innerText(), `Version ${target} restored`, 'the flash says so');
  const newest = rows.first();
  t.equal(Number(await newest.getAttribute('data-version')), versions[0]! + 1, 'a new version is listed first');
  t.equal(await newest.locator('[data-current]').count(), 1, 'as the current one');
  t.match(await newest.locator('[data-origin=restore]').innerText(), `restored from version ${target}`, 'restored from the inspected one');
  t.match(await page.locator('[data-restored-note]').innerText(), /run a plan/i, 'the page asks for a plan');
  await page.screenshot({ path: `${SHOTS}/vine-state-restored.png`, fullPage: true });

  // The plan it asks for: the record forgot the queue, so Terraform would create it again.
  await Promise.all([page.waitForURL(/\/jobs\/[0-9a-f-]{36}$/), page.click('[data-restored-note] button[data-action=plan]')]);
  await page.locator('table.plan-summary').waitFor({ timeout: 90_000 });
  const queueRow = page.locator('table.plan-summary tbody tr', { hasText: 'queue-1' });
  t.equal(await queueRow.locator('.action').textContent(), 'create', 'the plan after the restore creates the queue again');
  noPageErrors(t, page);
});
