/**
 * Real-browser harness: Debian's Chromium driven by playwright-core (no downloaded browser).
 * `npm test` installs Chromium first when it is missing (scripts/ensure-chromium.sh).
 *
 * Every page of a browser launched here is watched: an uncaught script error, a console error, a
 * request that fails or answers 400 or more fails the test that launched the browser, on every page
 * it visits, as it happens. A test that causes one on purpose says so first (`expectPageErrors`).
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { Test } from 'tap';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const problems = new WeakMap<Page, string[]>();
const expected = new WeakMap<Page, RegExp[]>();

/** Errors this page will show on purpose (a refused request the test provokes, a stream it cuts). */
export function expectPageErrors(page: Page, pattern: RegExp): void {
  expected.set(page, [...(expected.get(page) ?? []), pattern]);
}

/** Everything unexpected a watched page did wrong so far. */
export function pageProblems(page: Page): string[] {
  return problems.get(page) ?? [];
}

function watch(t: Test, page: Page): void {
  if (problems.has(page)) return;
  const seen: string[] = [];
  problems.set(page, seen);
  const report = (what: string) => {
    if ((expected.get(page) ?? []).some((re) => re.test(what))) return;
    seen.push(what);
    // After the test's end (the page closing with it) there is nothing left to fail.
    if (!t.ended) t.fail(`browser: ${what}`, { page: page.url() });
  };
  page.on('pageerror', (e) => report(`uncaught ${e.name}: ${e.message}`));
  page.on('crash', () => report('the page crashed'));
  // A failed request is reported with its URL; Chromium's console line for it ("Failed to load
  // resource") only when the request itself went unseen (the favicon's is never shown to Playwright).
  const failedUrls = new Set<string>();
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    const url = m.location().url;
    if (m.text().startsWith('Failed to load resource') && failedUrls.has(url)) return;
    report(`console error: ${m.text()}${url ? ` (${url})` : ''}`);
  });
  page.on('requestfailed', (r) => {
    const why = r.failure()?.errorText ?? 'failed';
    // Aborted: the browser gave up on it itself (the page navigated away, or a newer request replaced it).
    if (why === 'net::ERR_ABORTED') return;
    failedUrls.add(r.url());
    report(`request failed: ${r.method()} ${r.url()} ${why}`);
  });
  page.on('response', (r) => {
    if (r.status() < 400) return;
    failedUrls.add(r.url());
    report(`HTTP ${r.status()} for ${r.request().method()} ${r.url()}`);
  });
}

export async function launchBrowser(t: Test): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: install it with "apt-get install -y chromium" (npm test does this when run as root)`);
  }
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  t.teardown(() => browser.close());
  // Every context (browser.newPage() makes one too) watches each page it opens.
  const newContext = browser.newContext.bind(browser);
  browser.newContext = async (...args: Parameters<Browser['newContext']>): Promise<BrowserContext> => {
    const context = await newContext(...args);
    context.on('page', (page) => watch(t, page));
    for (const page of context.pages()) watch(t, page);
    return context;
  };
  return browser;
}
