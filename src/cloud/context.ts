/**
 * What every call of a check shares: the caller's signal, the per-call timeout, the retry policy,
 * the log, and the secrets that must never reach a log line or an error message.
 */
import { CloudCheckError, providerCause } from './errors.js';
import type { CheckOptions } from './types.js';

export const DEFAULT_TIMEOUT_MS = 10_000;
export const DEFAULT_MAX_RESOURCES = 5000;
const DEFAULT_RETRY = { attempts: 5, baseDelayMs: 500, maxDelayMs: 8000 };
/** A Retry-After longer than this ends the retries: a job should not hang for minutes. */
const LONGEST_RETRY_AFTER_MS = 60_000;

export interface Ctx {
  signal: AbortSignal | undefined;
  timeoutMs: number;
  maxResources: number;
  retry: { attempts: number; baseDelayMs: number; maxDelayMs: number };
  /** Logs one line, with every known secret replaced. */
  log(line: string): void;
  /** Remembers a value (a key, a token) that must never be shown. */
  addSecret(value: string | undefined): void;
  scrub(text: string): string;
}

export function createContext(opts: CheckOptions = {}): Ctx {
  const secrets = new Set<string>();
  const scrub = (text: string): string => {
    let out = text;
    for (const s of secrets) if (out.includes(s)) out = out.split(s).join('[redacted]');
    return out;
  };
  const positive = (n: number | undefined, fallback: number) => (n !== undefined && Number.isFinite(n) && n > 0 ? n : fallback);
  return {
    signal: opts.signal,
    timeoutMs: positive(opts.timeoutMs, DEFAULT_TIMEOUT_MS),
    maxResources: Math.floor(positive(opts.maxResources, DEFAULT_MAX_RESOURCES)),
    retry: {
      attempts: Math.floor(positive(opts.retry?.attempts, DEFAULT_RETRY.attempts)),
      baseDelayMs: positive(opts.retry?.baseDelayMs, DEFAULT_RETRY.baseDelayMs),
      maxDelayMs: positive(opts.retry?.maxDelayMs, DEFAULT_RETRY.maxDelayMs),
    },
    log: (line) => opts.log?.(scrub(line)),
    addSecret(value) {
      // Short values would scrub ordinary words; no real secret is this short.
      if (value && value.length >= 8) secrets.add(value);
    },
    scrub,
  };
}

/** `AKIAIOSFODNN7EXAMPLE` → `AKIA…MPLE`; short values show nothing of themselves. */
export function maskId(id: string): string {
  return id.length >= 12 ? `${id.slice(0, 4)}…${id.slice(-4)}` : '…';
}

export function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}

/** A wait, for log lines: "250 ms", "1.5 s". */
function waitFor(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : seconds(ms);
}

/** The service a call goes to, named in messages: "AWS STS" at "https://sts.eu-west-1.amazonaws.com". */
export interface Target {
  service: string;
  url: string;
}

export function cancelledError(target: Target): CloudCheckError {
  return new CloudCheckError('cancelled', `The check was cancelled while waiting for ${target.service}: nothing to fix, run it again when needed.`);
}

export function throwIfCancelled(ctx: Ctx, target: Target): void {
  if (ctx.signal?.aborted) throw cancelledError(target);
}

/**
 * Runs one HTTP call under the caller's signal and the per-call timeout. A rejection after either
 * fired becomes `cancelled` or `timeout`; any other rejection is the caller's to map.
 */
export async function attempt<T>(ctx: Ctx, target: Target, call: (signal: AbortSignal) => Promise<T>): Promise<T> {
  throwIfCancelled(ctx, target);
  const timer = new AbortController();
  const timeout = setTimeout(() => timer.abort(new Error('timeout')), ctx.timeoutMs);
  const signal = ctx.signal ? AbortSignal.any([ctx.signal, timer.signal]) : timer.signal;
  try {
    return await raceSignal(call(signal), signal);
  } catch (err) {
    if (ctx.signal?.aborted) throw cancelledError(target);
    if (timer.signal.aborted) {
      throw new CloudCheckError(
        'timeout',
        `${target.service} at ${target.url} did not answer within ${seconds(ctx.timeoutMs)}: check the Tendril's network path to it (proxy, firewall), or try again later.`,
      );
    }
    throw err;
  } finally {
    clearTimeout(timeout);
  }
}

/** Settles when the promise does or as soon as the signal fires, whichever is first. */
export function raceSignal<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => {});
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      promise.catch(() => {});
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

/** Thrown by one try that may succeed later (throttled, unavailable); `final` is what a user sees when the tries run out. */
export class Retryable extends Error {
  constructor(
    readonly final: CloudCheckError,
    readonly reason: string,
    readonly retryAfterMs?: number,
  ) {
    super(final.message);
  }
}

/** Calls `fn` until it returns, throws something other than `Retryable`, or the tries run out. */
export async function withRetries<T>(ctx: Ctx, target: Target, what: string, fn: () => Promise<T>): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await fn();
    } catch (err) {
      if (!(err instanceof Retryable)) throw err;
      if (n >= ctx.retry.attempts) throw err.final;
      let delay: number;
      if (err.retryAfterMs !== undefined) {
        if (err.retryAfterMs > Math.max(ctx.retry.maxDelayMs, LONGEST_RETRY_AFTER_MS)) throw err.final;
        delay = err.retryAfterMs;
      } else {
        const step = Math.min(ctx.retry.maxDelayMs, ctx.retry.baseDelayMs * 2 ** (n - 1));
        delay = Math.round(step / 2 + (Math.random() * step) / 2);
      }
      ctx.log(`${target.service} ${what}: ${err.reason}; try ${n + 1} of ${ctx.retry.attempts} in ${waitFor(delay)}`);
      await sleep(delay, ctx, target);
    }
  }
}

function sleep(ms: number, ctx: Ctx, target: Target): Promise<void> {
  throwIfCancelled(ctx, target);
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(cancelledError(target));
    };
    const timer = setTimeout(() => {
      ctx.signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    ctx.signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Seconds (or an HTTP date) of a Retry-After header, in ms. */
export function retryAfterMs(value: string | string[] | undefined): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return undefined;
  if (/^\d+(\.\d+)?$/.test(v.trim())) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

const TLS_CODE = /^(CERT_|ERR_TLS_|ERR_SSL_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_|EPROTO$)/;
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'EPIPE',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
]);

function errorCodes(err: unknown, depth = 0): string[] {
  if (!err || typeof err !== 'object' || depth > 5) return [];
  const e = err as { code?: unknown; cause?: unknown; errors?: unknown };
  const own = typeof e.code === 'string' ? [e.code] : [];
  const nested = Array.isArray(e.errors) ? e.errors.flatMap((x) => errorCodes(x, depth + 1)) : [];
  return [...own, ...errorCodes(e.cause, depth + 1), ...nested];
}

/** A connection-level failure (refused, DNS, TLS, reset) as `endpoint_unreachable`, naming the URL; undefined for anything else. */
export function networkFailure(err: unknown, target: Target, customEndpoint: boolean): CloudCheckError | undefined {
  const codes = errorCodes(err);
  const code = codes.find((c) => NETWORK_CODES.has(c) || TLS_CODE.test(c));
  if (!code) return undefined;
  const fix = customEndpoint
    ? "check the identity's endpoint URL and that the service there is running"
    : "check the Tendril's network access to it (DNS, proxy, firewall)";
  const cause =
    code === 'ECONNREFUSED'
      ? `nothing accepts connections at ${target.url} (connection refused)`
      : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
        ? `the host of ${target.url} does not resolve (${code})`
        : TLS_CODE.test(code)
          ? `the TLS certificate of ${target.url} is not trusted (${code})`
          : `${target.url} could not be reached (${code})`;
  return new CloudCheckError('endpoint_unreachable', `${target.service} cannot be reached: ${cause}; ${fix}.`, {
    cause: providerCause(code, `${target.service} at ${target.url}`),
  });
}
