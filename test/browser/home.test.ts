import t from 'tap';
import { mkdirSync } from 'node:fs';
import { buildTestApp } from '../helpers.js';
import { launchBrowser } from '../browser.js';

t.test('the home page loads in Chromium', async (t) => {
  const { app } = await buildTestApp(t);
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  const browser = await launchBrowser(t);
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const res = await page.goto(url + '/');
  t.equal(res?.status(), 200);
  t.equal(await page.title(), 'Vintner');
  t.equal(await page.locator('h1').innerText(), 'Grow your infrastructure, one vine at a time.');
  t.ok(await page.evaluate(() => typeof (window as unknown as { htmx?: unknown }).htmx === 'object'), 'htmx loaded');
  t.ok(await page.evaluate(() => typeof (window as unknown as { Alpine?: unknown }).Alpine === 'object'), 'Alpine loaded');
  t.same(errors, [], 'no script errors');
  mkdirSync('test/screenshots', { recursive: true });
  await page.screenshot({ path: 'test/screenshots/home.png', fullPage: true });
});
