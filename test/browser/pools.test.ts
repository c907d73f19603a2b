/**
 * Tendril pools in Chromium: create a pool with the form, make a token and see it once (htmx, no
 * reload; gone after one), a Tendril of the pool appearing on its own as it registers, revoke the
 * token, bind the sandbox from its identity row, add a GCP identity whose credentials come from
 * the pool (its key field hidden as the box is ticked), and the Deploy button disabled with its
 * reason.
 */
import t from 'tap';
import { SHOTS, newPage, noPageErrors, signUp, startBrowserApp } from './pages.js';

t.test('a pool: create, token once, its Tendril live, revoke, bind identities', { timeout: 180_000 }, async (t) => {
  const { url, browser, db } = await startBrowserApp(t, { tendril: false });
  const page = await newPage(browser);
  await page.setViewportSize({ width: 1280, height: 900 });
  await signUp(page, url);

  await page.click('nav.topnav a:has-text("Pools")');
  await page.waitForURL(`${url}/pools`);
  t.match(await page.locator('main').innerText(), 'No pools yet', 'the empty list');
  await page.fill('#new-pool input[name=name]', 'prod-eu');
  await page.fill('#new-pool textarea[name=description]', 'ECS in eu-west-1');
  await Promise.all([page.waitForURL(/\/pools\/[0-9a-f-]{36}$/), page.click('#new-pool button[type=submit]')]);
  const poolId = page.url().split('/').pop()!;
  t.match(await page.locator('.flash').innerText(), 'Pool “prod-eu” created.', 'created');
  t.ok(await page.locator('button[data-action=deploy]').isDisabled(), 'Deploy a Tendril is disabled');
  t.match(await page.locator('[data-deploy-unavailable]').innerText(), 'Deploying a Tendril into AWS from Vintner is not available yet', 'with its reason beside it');

  // A token, shown once, without a reload.
  await page.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));
  await page.fill('#new-token input[name=name]', 'ecs-service');
  await page.click('#new-token button[type=submit]');
  const shown = page.locator('[data-new-token]');
  await shown.waitFor();
  const token = (await shown.innerText()).trim();
  t.match(token, /^vtp_[A-Za-z0-9_-]{43}$/, 'the token is shown');
  t.match(await page.locator('.new-token pre[data-command=worker]').innerText(), `TRELLIS_URL=${url} TENDRIL_TOKEN=${token} npm run worker`, 'with the command that starts a Tendril');
  t.ok(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded), 'made without a reload');
  t.equal(await page.locator('tr[data-token="ecs-service"] .badge').innerText(), 'active', 'listed as active');
  await page.screenshot({ path: `${SHOTS}/pool-token.png`, fullPage: true });
  await page.reload();
  t.equal(await page.locator('[data-new-token]').count(), 0, 'after a reload it is gone');
  t.notOk((await page.content()).includes(token), 'nowhere on the page');
  t.match(await page.locator('tr[data-token="ecs-service"] code').innerText(), `${token.slice(0, 12)}…`, 'only its first characters');

  // A Tendril of the pool registers: the page shows it within a few seconds, on its own.
  await db.knex('tendrils').insert({ name: 'tendril-ecs-1', host: 'ip-10-0-1-5', pid: 1, version: '0.1.0', terraform_version: '1.9.8', concurrency: 2, pool_id: poolId, location: 'ecs:eu-west-1/prod-eu/3f2a' });
  const tendril = page.locator('tr[data-tendril="tendril-ecs-1"]');
  await tendril.waitFor({ timeout: 20_000 });
  t.match(await tendril.innerText(), 'ecs:eu-west-1/prod-eu/3f2a', 'with where it runs');
  t.match(await tendril.innerText(), 'RUNNING', 'and its status');

  // Revoke (the confirm is accepted).
  await page.locator('tr[data-token="ecs-service"] button[data-action=revoke]').click();
  await page.locator('tr[data-token="ecs-service"] [data-revoked]').waitFor();
  t.pass('revoked in place');
  t.ok((await db.knex('pool_tokens').where({ pool_id: poolId }).first('revoked_at')).revoked_at, 'and in the table');

  // Bind the sandbox from its identity row.
  await page.goto(`${url}/identities`);
  const sandbox = page.locator('tr[data-identity="sandbox"]');
  await sandbox.locator('summary[data-action=pool]').click();
  await sandbox.locator('form[action$="/pool"] select[name=pool_id]').selectOption({ label: 'pool prod-eu' });
  await Promise.all([page.waitForURL(`${url}/identities`), sandbox.locator('form[action$="/pool"] button[type=submit]').click()]);
  t.match(await page.locator('.flash').innerText(), 'Identity “sandbox” now runs its jobs only on the Tendrils of pool “prod-eu”.', 'bound');
  t.equal(await sandbox.locator('[data-pool]').getAttribute('data-pool'), 'prod-eu', 'the row names its pool');

  // A GCP identity on the pool's workload identity: the key field goes away as the box is ticked.
  await page.fill('#new-identity input[name=name]', 'gcp-prod');
  await page.selectOption('#new-identity select[name=provider]', 'gcp');
  const key = page.locator('#new-identity textarea[name="gcp.service_account_key"]');
  await key.waitFor({ state: 'visible' });
  const fromPool = page.locator('#new-identity input[name=credentials_from_pool]');
  t.notOk(await fromPool.isVisible(), 'no “credentials from the pool” before a pool is chosen');
  await page.selectOption('#new-identity select[name=pool_id]', { label: 'prod-eu' });
  await fromPool.check();
  await key.waitFor({ state: 'hidden' });
  t.pass('ticked: the key field is hidden');
  await page.fill('#new-identity input[name="gcp.project_id"]', 'shop-prod');
  await page.fill('#new-identity input[name="gcp.region"]', 'europe-west1');
  await Promise.all([page.waitForURL(`${url}/identities`), page.click('#new-identity button[type=submit]')]);
  t.match(await page.locator('.flash').innerText(), 'Identity “gcp-prod” added. Its jobs run only on the Tendrils of pool “prod-eu”.', 'added');
  await page.locator('tr[data-identity="gcp-prod"] [data-credentials-from-pool]').waitFor();
  t.pass('its row says its credentials come from the pool’s Tendrils');
  await page.screenshot({ path: `${SHOTS}/pool-identities.png`, fullPage: true });

  // The pool page lists both.
  await page.goto(`${url}/pools/${poolId}`);
  t.same(await page.locator('[data-identities] li').evaluateAll((els) => els.map((e) => e.getAttribute('data-identity'))), ['gcp-prod', 'sandbox'], 'the pool lists the identities using it');
  await page.goto(`${url}/pools`);
  t.match(await page.locator('tr[data-pool="prod-eu"]').innerText(), '1 online', 'the list counts its Tendril online');
  noPageErrors(t, page);
});
