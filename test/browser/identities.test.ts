/**
 * Cloud identities in Chromium against a real Tendril and the AWS fake: add an AWS identity with
 * the form (its endpoint at the fake), test it with a wrong secret and read the failure sentence
 * on the page, fix it (delete, add the right one), test it to SUCCESS, then plant a vine that
 * adopts a discovered network chosen in the select.
 */
import { randomBytes } from 'node:crypto';
import t from 'tap';
import type { Page } from 'playwright-core';
import { SHOTS, createVineyard, newPage, noPageErrors, plantVine, signUp, startBrowserApp } from './pages.js';
import { awsTestUser, startAwsFake } from '../cloud/fakes/aws.js';

t.test('add, test (FAILED, then SUCCESS), adopt a discovered network', { timeout: 240_000 }, async (t) => {
  const { url, browser, db, app } = await startBrowserApp(t, { env: { VINTNER_SECRET_KEY: randomBytes(32).toString('base64') } });
  const user = awsTestUser();
  const fake = await startAwsFake({
    users: [user],
    vpcs: [{ id: 'vpc-0shop', cidr: '10.20.0.0/16', name: 'shop' }, { id: 'vpc-0data', cidr: '10.30.0.0/16', name: 'data' }],
    subnets: [{ id: 'subnet-0a', vpcId: 'vpc-0shop', cidr: '10.20.1.0/24', az: 'eu-west-1a', name: 'shop-a' }],
    zones: [{ id: 'Z0PUB', name: 'shop.example.com' }],
  });
  t.teardown(() => fake.close());
  const page = await newPage(browser);
  await page.setViewportSize({ width: 1280, height: 900 });
  await signUp(page, url);

  const addAws = async (p: Page, name: string, secret: string) => {
    await p.goto(`${url}/identities`);
    await p.fill('#new-identity input[name=name]', name);
    await p.selectOption('#new-identity select[name=provider]', 'aws');
    await p.locator('#new-identity input[name="aws.region"]').waitFor({ state: 'visible' });
    await p.fill('#new-identity input[name="aws.region"]', 'eu-west-1');
    await p.fill('#new-identity input[name="aws.access_key_id"]', user.accessKeyId);
    await p.fill('#new-identity input[name="aws.secret_access_key"]', secret);
    await p.fill('#new-identity input[name="aws.endpoint"]', fake.url);
    await Promise.all([p.waitForURL(`${url}/identities`), p.click('#new-identity button[type=submit]')]);
    t.match(await p.locator('.flash').innerText(), `Identity “${name}” added. Test it to check that its credentials work.`, 'added, and told to test it');
  };
  const row = (name: string) => page.locator(`tr[data-identity="${name}"]`);

  // A wrong secret: the test fails and the row shows the sentence, without a reload.
  await addAws(page, 'prod', `${user.secretAccessKey}-typo`);
  await page.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));
  await row('prod').locator('button[data-action=test]').click();
  await row('prod').locator('td[data-test-status="FAILED"]').waitFor({ timeout: 60_000 });
  const sentence = `AWS rejected the signature made with the access key ${user.accessKeyId.slice(0, 4)}…${user.accessKeyId.slice(-4)}: the secret access key is wrong; paste the secret that belongs to this key id, or create a new access key in IAM.`;
  t.equal(await row('prod').locator('[data-test-message]').innerText(), sentence, 'the failure sentence, in full, on the page');
  t.equal(await row('prod').locator('.badge').first().innerText(), 'FAILED');
  t.ok(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded), 'the row followed the job without a reload');
  await page.screenshot({ path: `${SHOTS}/identity-failed.png`, fullPage: true });

  // Fix it: delete, add it again with the right secret, test: SUCCESS, and the discovery.
  await Promise.all([page.waitForURL(`${url}/identities`), row('prod').locator('form[data-confirm] button').click()]);
  t.equal(await row('prod').count(), 0, 'deleted');
  await addAws(page, 'prod', user.secretAccessKey);
  await row('prod').locator('button[data-action=test]').click();
  await row('prod').locator('td[data-test-status="SUCCESS"]').waitFor({ timeout: 60_000 });
  t.equal(await row('prod').locator('[data-test-message]').innerText(), `Connected to AWS account 111122223333 as ${user.arn}; region eu-west-1 is available.`, 'SUCCESS with the account');
  await row('prod').locator('td.identity-resources a', { hasText: '2 networks · 1 subnet · 1 DNS zone' }).waitFor();
  t.pass('the discovery that followed is counted');
  await page.screenshot({ path: `${SHOTS}/identity-success.png`, fullPage: true });
  await row('prod').locator('td.identity-resources a').click();
  await page.locator('table[data-kind=network] td', { hasText: '10.20.0.0/16' }).waitFor();
  t.pass('the Resources page lists the networks with their CIDR');

  // Plant a vine that adopts a discovered network.
  const vineyardId = await createVineyard(page, url, 'Acme');
  const vineId = await plantVine(page, url, vineyardId, 'shop', async (p) => {
    t.equal(await p.locator('#adopt-network').getAttribute('data-adopt-state'), 'local', 'the sandbox first: nothing to adopt');
    await p.selectOption('select[name=identity]', 'prod');
    await p.locator('#adopt-network[data-adopt-state=listed]').waitFor();
    const options = await p.locator('select[name="network.existing_network_id__pick"] option').allInnerTexts();
    t.same(options, ['none: create a new one', 'data — 10.30.0.0/16 — eu-west-1 (vpc-0data)', 'shop — 10.20.0.0/16 — eu-west-1 (vpc-0shop)', 'another id: type it below'], 'the discovered networks, with name, CIDR and region');
    t.notOk(await p.locator('#adopt-network [data-adopt-typed]').isVisible(), 'the typed id stays hidden until asked for');
    await p.selectOption('select[name="network.existing_network_id__pick"]', 'vpc-0shop');
    await p.screenshot({ path: `${SHOTS}/plant-adopt.png`, fullPage: true });
  });
  const userId = (await db.knex('users').first('id')).id as string;
  const detail = await app.services.vines.get(userId, vineId);
  t.equal(detail.spec.network?.existing_network_id, 'vpc-0shop', "existing_network_id is in the vine's spec");
  t.equal(detail.vine.identity_name, 'prod');
  await page.goto(`${url}/vines/${vineId}/edit`);
  t.equal(await page.locator('select[name="network.existing_network_id__pick"]').inputValue(), 'vpc-0shop', 'and the edit form shows it chosen');
  noPageErrors(t, page);
});
