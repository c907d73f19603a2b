/** A failed htmx request shows what went wrong where the user clicked, never a blank or nothing. */
import t from 'tap';
import { createVineyard, expectPageErrors, newPage, noPageErrors, plantVine, signUp, startBrowserApp } from './pages.js';

t.test('htmx errors are shown in place', { timeout: 60_000 }, async (t) => {
  const { url, browser } = await startBrowserApp(t, { tendril: false });
  const page = await newPage(browser);
  await signUp(page, url);
  const vineyardId = await createVineyard(page, url, 'errors');
  const vineId = await plantVine(page, url, vineyardId, 'fragile');
  // The session's CSRF token no longer matches the page's: the harvest is refused with a 403.
  await page.evaluate(() => {
    document.body.setAttribute('hx-headers', '{"x-csrf-token": "stale"}');
    document.querySelectorAll('input[name=_csrf]').forEach((i) => ((i as HTMLInputElement).value = 'stale'));
  });
  // The refusal, and htmx's console line about it, are what this test is about.
  expectPageErrors(page, /^HTTP 403 for POST .*\/vines\/[0-9a-f-]{36}\/harvest$|Response Status Error Code 403 from \/vines\/[0-9a-f-]{36}\/harvest/);
  await page.click('button[data-action=harvest]');
  const box = page.locator(`#vine-${vineId}-status .htmx-error`);
  await box.waitFor();
  t.match(await box.innerText(), /page expired .* reload it/, 'the reason and what to do, in the card that was clicked');
  t.equal(await page.locator(`#vine-${vineId}-status .badge-lg`).innerText(), 'DRAFT', 'the panel is still there, unchanged');
  await page.reload();
  await page.click('button[data-action=harvest]');
  await page.locator(`#vine-${vineId}-status .badge-lg`, { hasText: 'QUEUED' }).waitFor();
  t.equal(await page.locator('.htmx-error').count(), 0, 'after a reload it works, and the error is gone');
  noPageErrors(t, page);
});
