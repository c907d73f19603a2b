/**
 * The watch every browser test gets (test/browser.ts): each kind of trouble on a page is reported,
 * except what the test said to expect. Run against a page made to go wrong in every way, with a
 * stand-in for the test so the reports are collected instead of failing this one.
 */
import t, { type Test } from 'tap';
import { createServer } from 'node:http';
import { expectPageErrors, launchBrowser, pageProblems } from '../browser.js';

const page = (closedPort: number) => `<!doctype html><html><head><title>trouble</title><link rel="icon" href="data:,"></head><body>
<img src="/missing.png" alt="">
<script>console.error('logged on purpose')</script>
<script>fetch('http://127.0.0.1:${closedPort}/refused').catch(() => {})</script>
<script>setTimeout(() => { throw new Error('thrown on purpose') })</script>
</body></html>`;

/** A port nothing listens on (any more). */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as { port: number };
  await new Promise((r) => s.close(r));
  return port;
}

t.test('script errors, console errors and failed requests are reported, expected ones are not', async (t) => {
  const html = page(await closedPort());
  const server = createServer((req, res) => {
    if (req.url === '/') res.writeHead(200, { 'content-type': 'text/html' }).end(html);
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => server.close());
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;

  const failures: string[] = [];
  const standIn = { ended: false, fail: (m: string) => failures.push(m), teardown: (fn: () => unknown) => t.teardown(fn) } as unknown as Test;
  const browser = await launchBrowser(standIn);
  const troubled = await browser.newPage();
  await troubled.goto(url);
  await troubled.waitForTimeout(500);
  const problems = pageProblems(troubled);
  t.ok(problems.some((p) => /^HTTP 404 for GET .*\/missing\.png$/.test(p)), 'a resource answering 404');
  t.ok(problems.some((p) => /^console error: logged on purpose/.test(p)), 'a console error');
  t.ok(problems.some((p) => /^request failed: GET http:\/\/127\.0\.0\.1:\d+\/refused net::ERR_CONNECTION_REFUSED$/.test(p)), 'a request that failed');
  t.ok(problems.some((p) => /^uncaught Error: thrown on purpose$/.test(p)), 'an uncaught error');
  t.same(failures, problems.map((p) => `browser: ${p}`), 'each one failed the test, as it happened');

  const calm = await browser.newPage();
  expectPageErrors(calm, /missing\.png|logged on purpose|refused|thrown on purpose/);
  await calm.goto(url);
  await calm.waitForTimeout(500);
  t.same(pageProblems(calm), [], 'what a test expects is let through');
});
