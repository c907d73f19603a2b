/** The shared pieces of src/cloud without a server: the collector's limits, retries, secrets, network errors. */
import t from 'tap';
import { MAX_PAGES_PER_LISTING, ResourceCollector } from '../../src/cloud/collect.js';
import { createContext, maskId, networkFailure, Retryable, retryAfterMs, withRetries } from '../../src/cloud/context.js';
import { CloudCheckError } from '../../src/cloud/errors.js';
import type { DiscoveredResource } from '../../src/cloud/types.js';
import { elapsed } from './helpers.js';

const net = (i: number): DiscoveredResource => ({ kind: 'network', external_id: `n-${i}`, name: null, region: null, data: {} });
const target = { service: 'Test API', url: 'https://api.example.test/v1' };

t.test('collector: a listing ending exactly at the limit is complete; one more is truncated', async (t) => {
  const exact = new ResourceCollector(createContext({ maxResources: 4 }));
  await exact.list('networks', 'nets', async (token) => (token ? { items: [net(2), net(3)], next: undefined } : { items: [net(0), net(1)], next: 'p2' }));
  await exact.list('DNS zones', 'zones', async (_token, size) => {
    t.equal(size, 1, 'a full collector still peeks with a page of one');
    return { items: [], next: undefined };
  });
  t.same(exact.result(), { resources: [net(0), net(1), net(2), net(3)], truncated: false });

  const over = new ResourceCollector(createContext({ maxResources: 3 }));
  await over.list('networks', 'nets', async () => ({ items: [net(0), net(1), net(2), net(3)], next: undefined }));
  await over.list('subnets', 'subs', async () => t.fail('not listed past the limit') as never);
  await over.list('DNS zones', 'zones', async () => t.fail('not listed past the limit') as never);
  const r = over.result();
  t.equal(r.truncated, true);
  t.equal(r.resources.length, 3);
  t.equal(r.message, 'Showing the first 3 resources (3 networks) of more: there are more networks, and subnets and DNS zones were not listed; raise the resource limit (now 3) to see them all.');
});

t.test(`collector: an API that never stops paging is cut at ${MAX_PAGES_PER_LISTING} pages`, async (t) => {
  const c = new ResourceCollector(createContext({}));
  let calls = 0;
  await c.list('subnets', 'subs', async () => {
    calls++;
    return { items: [], next: 'again' };
  });
  t.equal(calls, MAX_PAGES_PER_LISTING);
  const r = c.result();
  t.equal(r.truncated, true);
  t.equal(r.message, `Showing 0 resources (0 subnets): the subnets listing still had more after ${MAX_PAGES_PER_LISTING} pages; try again, and report it if it persists.`);
});

t.test('retries: backoff grows, Retry-After is obeyed, a long one ends the retries, a cancel stops the wait', async (t) => {
  const final = new CloudCheckError('throttled', 'still throttled');
  const lines: string[] = [];
  let n = 0;
  const ctx = createContext({ log: (l) => lines.push(l), retry: { attempts: 4, baseDelayMs: 40, maxDelayMs: 100 } });
  const [value, ms] = await elapsed(() =>
    withRetries(ctx, target, 'list', async () => {
      if (++n < 4) throw new Retryable(final, 'throttled');
      return 'ok';
    }),
  );
  t.equal(value, 'ok');
  t.equal(n, 4, '3 retries');
  const waits = lines.map((l) => Number(/in (\d+) ms$/.exec(l)?.[1]));
  t.ok(waits[0]! >= 20 && waits[0]! <= 40, `first wait ${waits[0]} within [base/2, base]`);
  t.ok(waits[1]! >= 40 && waits[1]! <= 80, `second wait ${waits[1]} within [base, 2 base]`);
  t.ok(waits[2]! >= 50 && waits[2]! <= 100, `third wait ${waits[2]} capped at maxDelayMs`);
  t.ok(ms >= waits.reduce((a, b) => a + b, 0) - 5, 'the waits were waited');

  n = 0;
  await t.rejects(
    withRetries(createContext({}), target, 'list', async () => {
      n++;
      throw new Retryable(final, 'throttled', 120_000);
    }),
    final,
    'a Retry-After of two minutes is not waited',
  );
  t.equal(n, 1);

  const ac = new AbortController();
  setTimeout(() => ac.abort(), 50);
  const [err, waited] = await elapsed(() =>
    withRetries(createContext({ signal: ac.signal, retry: { baseDelayMs: 10_000 } }), target, 'list', async () => {
      throw new Retryable(final, 'throttled');
    }).catch((e: unknown) => e),
  );
  t.equal((err as CloudCheckError).code, 'cancelled');
  t.ok(waited < 1000, `the backoff wait ended at the cancel (${Math.round(waited)} ms)`);
});

t.test('Retry-After: seconds or an HTTP date', async (t) => {
  t.equal(retryAfterMs('2'), 2000);
  t.equal(retryAfterMs(['0.5']), 500);
  const at = retryAfterMs(new Date(Date.now() + 3000).toUTCString())!;
  t.ok(at > 1000 && at <= 3000, `date form: ${at} ms`);
  t.equal(retryAfterMs('soon'), undefined);
  t.equal(retryAfterMs(undefined), undefined);
});

t.test('secrets: scrubbed from log lines; short values are not secrets', async (t) => {
  const lines: string[] = [];
  const ctx = createContext({ log: (l) => lines.push(l) });
  ctx.addSecret('s3cr3t-value-123');
  ctx.addSecret('short');
  ctx.log('token s3cr3t-value-123 and a short word');
  t.same(lines, ['token [redacted] and a short word']);
  t.equal(maskId('AKIAIOSFODNN7EXAMPLE'), 'AKIA…MPLE');
  t.equal(maskId('AKIA123'), '…', 'a short id shows nothing of itself');
});

t.test('network failures: DNS and TLS name the URL and the fix', async (t) => {
  const dns = networkFailure(Object.assign(new Error('getaddrinfo ENOTFOUND api.example.test'), { code: 'ENOTFOUND' }), target, false);
  t.equal(dns?.code, 'endpoint_unreachable');
  t.equal(dns?.message, "Test API cannot be reached: the host of https://api.example.test/v1 does not resolve (ENOTFOUND); check the Tendril's network access to it (DNS, proxy, firewall).");
  const tls = networkFailure(new Error('fetch failed', { cause: Object.assign(new Error('certificate has expired'), { code: 'CERT_HAS_EXPIRED' }) }), target, true);
  t.equal(tls?.message, "Test API cannot be reached: the TLS certificate of https://api.example.test/v1 is not trusted (CERT_HAS_EXPIRED); check the identity's endpoint URL and that the service there is running.");
  const multi = networkFailure(new AggregateError([Object.assign(new Error('x'), { code: 'ECONNREFUSED' })]), target, true);
  t.equal(multi?.code, 'endpoint_unreachable', 'found inside an AggregateError (happy eyeballs)');
  t.equal(networkFailure(new Error('something else'), target, true), undefined);
});

t.test('AWS errors the fakes do not reach first: EC2 RequestExpired with skew, a clock ahead, a server error', async (t) => {
  const { awsFailure } = await import('../../src/cloud/aws/errors.js');
  const call = { service: 'AWS EC2', url: 'https://ec2.eu-west-1.amazonaws.com', iamPrefix: 'ec2' as const, action: 'DescribeVpcs' };
  const who = { keyLabel: 'access key AKIA…MPLE', ambient: false, customEndpoint: false };
  const ctx = createContext({});
  const sdk = (name: string, message: string, status: number, extra: object = {}) => Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status, ...extra } });
  const ahead = awsFailure(sdk('RequestExpired', 'Request has expired.', 400, { clockSkewCorrected: true }), call, who, ctx, -20 * 60_000);
  t.equal(ahead.message, "The Tendril's clock is 20 minutes ahead of AWS's, and AWS refuses requests signed more than 5 minutes off (RequestExpired): sync the clock (NTP) on the machine running the Tendril.");
  const internal = awsFailure(sdk('InternalError', 'An internal error has occurred', 500), call, who, ctx, 0);
  t.equal(internal.message, 'AWS EC2 DescribeVpcs failed on AWS\'s side (InternalError, HTTP 500): try again in a few minutes.');
  t.ok(awsFailure(sdk('ServiceUnavailable', 'Service unavailable', 503), call, who, ctx, 0) instanceof Retryable, '503 is retried');
  const auth = awsFailure(sdk('AuthFailure', 'AWS was not able to validate the provided access credentials', 401), call, who, ctx, 0);
  t.equal((auth as CloudCheckError).code, 'unknown_key', 'EC2 AuthFailure without skew: the key');
});
