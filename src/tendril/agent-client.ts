/**
 * A remote Tendril's HTTP client of Trellis's agent API (/api/v1/agent): the pool token on every
 * request, keep-alive connections, and — since every agent request may be sent twice and does
 * nothing twice — requests that failed for want of Trellis (a dropped connection, a timeout, a
 * 502/503/504 from a proxy in front of it) sent again with backoff for as long as the caller
 * allows. Giving up throws a TrellisUnreachableError, which `isConnectionError` (src/db/errors.ts)
 * counts as "unreachable", so the runner's own waits (a job's end) go on waiting.
 */
import { Agent, request, type Dispatcher } from 'undici';
import { isConnectionError, untilReachable } from '../db/errors.js';
import { LeaseLostError } from '../domain/jobs/lease.js';
import { ConflictError, InvalidTransitionError, NotFoundError, UnauthorizedError, ValidationError } from '../domain/errors.js';

export class TrellisUnreachableError extends Error {
  override name = 'TrellisUnreachableError';
  readonly code = 'TRELLIS_UNREACHABLE';
}

/** An answer ≥ 400 that was not about reaching Trellis: its problem document's type and detail. */
export class AgentRefusedError extends Error {
  override name = 'AgentRefusedError';
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

export interface CallOptions {
  body?: unknown;
  headers?: Record<string, string>;
  /** Send again while Trellis cannot be reached, for this long (0: once). */
  retryForMs?: number;
  /** How long one attempt may wait for the answer. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface AgentClient {
  readonly url: string;
  call<T = unknown>(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, opts?: CallOptions): Promise<{ status: number; body: T }>;
  close(): Promise<void>;
}

const UNAVAILABLE = new Set([502, 503, 504]);

/** The domain error a problem answer stands for, so the runner treats a remote refusal as it treats a local one. */
function refusal(status: number, text: string): Error {
  let problem: { type?: string; detail?: string; title?: string } = {};
  try {
    problem = JSON.parse(text) as typeof problem;
  } catch {
    // not a problem document (a proxy's page): the status says enough
  }
  const type = (problem.type ?? '').split('/').pop() ?? '';
  const detail = problem.detail ?? problem.title ?? `Trellis answered ${status}`;
  if (type === 'leaselost') return new LeaseLostError(detail);
  if (type === 'invalidtransition') return new InvalidTransitionError('component', '?', '?', detail);
  if (status === 404) return new NotFoundError(detail);
  if (status === 401) return new UnauthorizedError(detail);
  if (status === 409) return new ConflictError(detail);
  if (status === 400) return new ValidationError(detail);
  return new AgentRefusedError(status, type, `Trellis answered ${status}: ${detail}`);
}

export function createAgentClient(opts: { url: string; token: string; userAgent?: string }): AgentClient {
  const base = new URL(opts.url.endsWith('/') ? opts.url : `${opts.url}/`);
  const dispatcher: Dispatcher = new Agent({ connect: { timeout: 10_000 }, keepAliveTimeout: 4_000, keepAliveMaxTimeout: 30_000 });
  const headers = { authorization: `Bearer ${opts.token}`, 'user-agent': opts.userAgent ?? 'vintner-tendril', accept: 'application/json' };

  return {
    url: opts.url,
    async call<T>(method: string, path: string, o: CallOptions = {}) {
      const target = new URL(path.replace(/^\//, ''), base);
      const body = o.body === undefined ? undefined : JSON.stringify(o.body);
      const once = async () => {
        const res = await request(target, {
          method: method as Dispatcher.HttpMethod,
          dispatcher,
          headers: { ...headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...o.headers },
          ...(body !== undefined ? { body } : {}),
          headersTimeout: o.timeoutMs ?? 30_000,
          bodyTimeout: o.timeoutMs ?? 30_000,
          ...(o.signal ? { signal: o.signal } : {}),
        });
        const text = await res.body.text();
        if (UNAVAILABLE.has(res.statusCode)) throw new TrellisUnreachableError(`Trellis at ${opts.url} answered ${res.statusCode}`);
        if (res.statusCode >= 400) throw refusal(res.statusCode, text);
        return { status: res.statusCode, body: (text ? JSON.parse(text) : undefined) as T };
      };
      try {
        // Sent again while Trellis is out of reach, for up to retryForMs (0: once).
        return await untilReachable(once, { giveUpAfterMs: o.retryForMs ?? 0, ...(o.signal ? { signal: o.signal } : {}) });
      } catch (err) {
        if (err instanceof TrellisUnreachableError || !isConnectionError(err) || o.signal?.aborted) throw err;
        throw new TrellisUnreachableError(`cannot reach Trellis at ${opts.url}: ${(err as Error).message}`, { cause: err });
      }
    },
    close: () => dispatcher.close(),
  } as AgentClient;
}
