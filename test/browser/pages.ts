/**
 * Shared steps of the page tests in Chromium: an app with a real in-process Tendril on a fresh
 * database, listening on a free port; signing up; planting a vine through the form.
 */
import { mkdirSync } from 'node:fs';
import type { Test } from 'tap';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import { buildTestApp, type TestApp } from '../helpers.js';
import { launchBrowser, pageProblems } from '../browser.js';
import { startTestTendril } from '../tendril/harness.js';

export const SHOTS = 'test/screenshots';

export interface BrowserApp extends TestApp {
  url: string;
  browser: Browser;
}

/** `env`: configuration for both the app and its Tendril (e.g. one VINTNER_SECRET_KEY, so the Tendril opens what the app sealed). */
export async function startBrowserApp(t: Test, opts: { tendril?: boolean; beforeListen?: (app: FastifyInstance) => void; env?: Record<string, string> } = {}): Promise<BrowserApp> {
  const test = await buildTestApp(t, opts.env);
  if (opts.tendril !== false) await startTestTendril(t, test.db, opts.env);
  opts.beforeListen?.(test.app);
  const url = await test.app.listen({ port: 0, host: '127.0.0.1' });
  const browser = await launchBrowser(t);
  mkdirSync(SHOTS, { recursive: true });
  return { ...test, url, browser };
}

/**
 * A page with the tests' defaults. Like every page of a browser from launchBrowser, it fails the
 * test on a script error, a console error or a failed request (test/browser.ts).
 */
export async function newPage(context: BrowserContext | Browser): Promise<Page> {
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  page.on('dialog', (d) => void d.accept());
  return page;
}

export { expectPageErrors } from '../browser.js';

/** Restates, at the end of a test, that the page had nothing unexpected (`expected`: more to let pass). */
export function noPageErrors(t: Test, page: Page, expected?: RegExp): void {
  t.same(pageProblems(page).filter((e) => !expected?.test(e)), [], 'no script errors, console errors or failed requests in the page');
}

let users = 0;
export async function signUp(page: Page, url: string): Promise<string> {
  const email = `grower${++users}-${process.pid}@example.com`;
  await page.goto(`${url}/signup`);
  await page.fill('input[name=email]', email);
  await page.fill('input[name=password]', 'correct horse battery');
  await page.fill('input[name=password_confirm]', 'correct horse battery');
  await Promise.all([page.waitForURL(`${url}/vineyards`), page.click('button[type=submit]:has-text("Create account")')]);
  return email;
}

export async function createVineyard(page: Page, url: string, name: string): Promise<string> {
  await page.goto(`${url}/vineyards`);
  await page.fill('#new-vineyard input[name=name]', name);
  await Promise.all([page.waitForURL(/\/vineyards\/[0-9a-f-]{36}$/), page.click('#new-vineyard button[type=submit]')]);
  return page.url().split('/').pop()!;
}

/** Fills the plant form's basics; components and knobs are up to the caller. Returns after submit. */
export async function plantVine(page: Page, url: string, vineyardId: string, name: string, fill: (page: Page) => Promise<void> = async () => {}): Promise<string> {
  await page.goto(`${url}/vineyards/${vineyardId}/plant`);
  await page.fill('input[name=name]', name);
  await fill(page);
  await Promise.all([page.waitForURL(/\/vines\/[0-9a-f-]{36}$/), page.click('button[data-submit]')]);
  return page.url().split('/').pop()!;
}

export const badgeOf = (page: Page, vineId: string) => page.locator(`#vine-${vineId}-status .badge-lg`);
