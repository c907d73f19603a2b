/** What the cloud tests share: a log collector, the error assertion, the no-secret sweep and the network guard. */
import { inspect } from 'node:util';
import type { Test } from 'tap';
import { CloudCheckError, type CloudCheckErrorCode } from '../../src/cloud/index.js';
import { guardNetwork, type NetworkGuard } from './fakes/network-guard.js';

/** Everything the checks showed: log lines, error messages (with their causes) and reports. */
export class Seen {
  readonly lines: string[] = [];
  readonly shown: string[] = [];
  readonly log = (line: string) => {
    this.lines.push(line);
    this.shown.push(line);
  };
  keep(value: unknown): void {
    this.shown.push(typeof value === 'string' ? value : `${JSON.stringify(value)}\n${inspect(value, { depth: null, showHidden: true })}`);
  }
}

/** Awaits a check that must fail with `code`; returns the error. */
export async function failsWith(t: Test, seen: Seen, run: Promise<unknown>, code: CloudCheckErrorCode, message?: string | RegExp): Promise<CloudCheckError> {
  const err = await run.then(
    (value) => {
      t.fail(`expected ${code}, got ${JSON.stringify(value).slice(0, 300)}`);
      return undefined;
    },
    (e: unknown) => e,
  );
  t.ok(err instanceof CloudCheckError, `a CloudCheckError (${String(err)})`);
  if (!(err instanceof CloudCheckError)) throw err;
  seen.keep(err.message);
  seen.keep(err);
  t.equal(err.code, code, `code ${code}: ${err.message}`);
  if (typeof message === 'string') t.equal(err.message, message, 'the sentence a user sees');
  else if (message) t.match(err.message, message, 'the sentence a user sees');
  t.notMatch(err.message, /\n/, 'one line');
  return err;
}

/** No secret in anything the checks showed. */
export function assertNoSecrets(t: Test, seen: Seen, secrets: Array<string | undefined>): void {
  const haystack = seen.shown.join('\n');
  const list = secrets.filter((s): s is string => Boolean(s));
  t.ok(list.length > 0, 'secrets to look for');
  for (const s of list) t.notOk(haystack.includes(s), `secret ${s.slice(0, 6)}… appears nowhere (${seen.shown.length} items, ${seen.lines.length} log lines)`);
}

/**
 * Every connection a test file attempts must stay on loopback: refused and recorded otherwise.
 * The file ends with `t.test('no connection left the machine', () => assertLoopbackOnly(t, guard))`.
 */
export function guardFile(t: Test): NetworkGuard {
  const guard = guardNetwork();
  t.teardown(() => guard.release());
  return guard;
}

export function assertLoopbackOnly(t: Test, guard: NetworkGuard): void {
  t.same(guard.refused, [], 'every connection went to 127.0.0.1');
}

export async function elapsed<T>(run: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const value = await run();
  return [value, performance.now() - start];
}
