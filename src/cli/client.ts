/**
 * Grape's HTTP client for /api/v1 (undici): timeouts on connecting and answering, and every
 * failure turned into one clear line with the right exit code — the server unreachable, the token
 * refused ("run grape login"), a validation error with its fields, what was not found.
 */
import { Agent, request, type Dispatcher } from 'undici';
import { EXIT, GrapeError } from './errors.js';
import type { Session } from './config.js';

export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  errors?: Array<{ field: string; message: string }>;
}

export interface Timeouts {
  connectMs: number;
  answerMs: number;
}

const DEFAULT_TIMEOUTS: Timeouts = { connectMs: 10_000, answerMs: 60_000 };
const NETWORK_CODES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'no such host',
  EAI_AGAIN: 'the host name could not be resolved',
  ECONNRESET: 'the connection was reset',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  UND_ERR_CONNECT_TIMEOUT: 'timed out connecting',
  UND_ERR_SOCKET: 'the connection was closed',
  EPIPE: 'the connection was closed',
};

/** One line for a failure to talk to the server at all. */
export function networkError(err: unknown, url: string, timeouts: Timeouts = DEFAULT_TIMEOUTS): GrapeError {
  const e = err as { code?: string; cause?: { code?: string }; message?: string };
  const code = e.code ?? e.cause?.code ?? '';
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
    return new GrapeError(`Vintner at ${url} did not answer within ${Math.round(timeouts.answerMs / 1000)} s`, EXIT.UNREACHABLE);
  }
  const why = NETWORK_CODES[code] ?? e.message ?? 'unknown error';
  return new GrapeError(`cannot reach Vintner at ${url}: ${why} (is it running? set the address with --url or VINTNER_URL)`, EXIT.UNREACHABLE);
}

export class ApiClient {
  readonly dispatcher: Agent;

  constructor(
    readonly session: Session,
    readonly timeouts: Timeouts = DEFAULT_TIMEOUTS,
  ) {
    this.dispatcher = new Agent({ connect: { timeout: timeouts.connectMs }, headersTimeout: timeouts.answerMs, bodyTimeout: timeouts.answerMs });
  }

  requireToken(): string {
    if (!this.session.token) throw new GrapeError('not logged in: run grape login (or set VINTNER_TOKEN)', EXIT.AUTH);
    return this.session.token;
  }

  headers(extra: Record<string, string> = {}, auth = true): Record<string, string> {
    return { accept: 'application/json', 'user-agent': 'grape', ...(auth ? { authorization: `Bearer ${this.requireToken()}` } : {}), ...extra };
  }

  /** Sends a request; answers the parsed JSON body of a 2xx, or throws a GrapeError. */
  async call<T = unknown>(method: Dispatcher.HttpMethod, path: string, body?: unknown, opts: { auth?: boolean } = {}): Promise<T> {
    const auth = opts.auth ?? true;
    const headers = this.headers(body !== undefined ? { 'content-type': 'application/json' } : {}, auth);
    let res: Dispatcher.ResponseData;
    try {
      res = await request(`${this.session.url}/api/v1${path}`, {
        method,
        dispatcher: this.dispatcher,
        headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
    } catch (err) {
      throw networkError(err, this.session.url, this.timeouts);
    }
    let text: string;
    try {
      text = await res.body.text();
    } catch (err) {
      throw networkError(err, this.session.url, this.timeouts);
    }
    if (res.statusCode >= 200 && res.statusCode < 300) return (text ? JSON.parse(text) : undefined) as T;
    throw this.failure(res.statusCode, text, auth);
  }

  /** The error for a non-2xx answer. */
  failure(status: number, text: string, authed: boolean): GrapeError {
    let p: Problem = {};
    try {
      p = JSON.parse(text) as Problem;
    } catch {
      // not a problem document (a proxy's error page): fall back to the status
    }
    const detail = p.detail ?? `HTTP ${status}`;
    const fields = (p.errors ?? []).map((e) => `  ${e.field}: ${e.message}`);
    if (status === 401) {
      if (!authed) return new GrapeError(detail, EXIT.AUTH);
      const from = this.session.tokenFrom === 'VINTNER_TOKEN' ? 'the token in VINTNER_TOKEN' : 'your token';
      return new GrapeError(`${from} was refused (expired or revoked): run grape login`, EXIT.AUTH);
    }
    if (status === 400) return new GrapeError(detail.replace(/: .*$/, '') || 'invalid input', EXIT.USAGE, fields.length ? fields : [`  ${detail}`]);
    if (status === 404) return new GrapeError(`not found: ${detail}`, EXIT.NOT_FOUND);
    if (status === 403) return new GrapeError(detail, EXIT.AUTH);
    if (status === 429) return new GrapeError('too many attempts: wait a minute and try again', EXIT.FAILED);
    if (status >= 500) return new GrapeError(`Vintner failed to answer (${status}): ${detail}`, EXIT.FAILED);
    return new GrapeError(detail, EXIT.FAILED);
  }

  async close(): Promise<void> {
    await this.dispatcher.close().catch(() => {});
  }
}
