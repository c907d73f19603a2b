/**
 * A remote Tendril's state backend for its own Terraform: on 127.0.0.1 in the Tendril's process,
 * like an in-house Tendril's local server (local-server.ts), but forwarding each request to
 * Trellis's /api/v1/state/… over HTTPS, with the job's own credential that Terraform sends.
 *
 * Why a proxy rather than Terraform talking to Trellis itself:
 * - the same story as in-house when the Tendril dies (kill -9): the proxy dies with it, Terraform
 *   (SIGINT by the watchdog) cannot save and writes errored.tfstate at once, which the next
 *   Tendril on the machine salvages — with TF_HTTP_RETRY_MAX=0 as in-house, since Terraform's
 *   own backoff (up to a minute) would outlast every grace;
 * - yet a connection to Trellis dropped in the middle of a state write does not cost an
 *   errored.tfstate: the proxy sends the request again (every state request is idempotent: the
 *   same state stored twice is one version, a lock taken again with its id is the same lock) for
 *   up to `retryForMs` — kept under the time between a self-stop's SIGINT and its SIGKILL, so a
 *   Terraform stopping because Trellis is away still gets its answer (a 502) in time to write
 *   errored.tfstate;
 * - Terraform never needs Trellis's CA or proxy settings: Node does the TLS.
 */
import { Agent, request, type Dispatcher } from 'undici';
import { isConnectionError } from '../db/errors.js';
import { serveStateOnLoopback, type LocalStateLog, type LocalStateServer } from './local-server.js';

const UNAVAILABLE = new Set([502, 503, 504]);

/** The job a state request is about: Terraform's basic auth user is the job's id. */
function basicUser(authorization: string | undefined): string | undefined {
  const m = /^Basic ([A-Za-z0-9+/=]+)$/i.exec(authorization ?? '');
  if (!m) return undefined;
  const text = Buffer.from(m[1]!, 'base64').toString('utf8');
  const i = text.indexOf(':');
  return i < 0 ? undefined : text.slice(0, i);
}

export interface StateProxyOptions {
  /** Trellis's address (TRELLIS_URL). */
  trellisUrl: string;
  /** How long a request that could not reach Trellis is sent again before Terraform gets a 502. */
  retryForMs: number;
  /**
   * Whether the job's run is being stopped because its lease could not be renewed (or was taken
   * away): then Trellis is known to be out of reach (or the run over), and Terraform — saving its
   * state after the SIGINT, within the SIGKILL grace — must hear so at once to write
   * errored.tfstate: no retry, and an attempt that hangs is given up after half a second.
   */
  failFast?: (jobId: string) => boolean;
  log?: Partial<LocalStateLog> & { retried?(what: { method: string; path: string; attempts: number }): void };
}

export async function startStateProxy(opts: StateProxyOptions): Promise<LocalStateServer> {
  const base = opts.trellisUrl.replace(/\/+$/, '');
  const dispatcher: Dispatcher = new Agent({ connect: { timeout: 5_000 }, keepAliveTimeout: 4_000 });

  async function forward(method: string, path: string, search: string, authorization: string | undefined, body: Buffer) {
    const until = Date.now() + opts.retryForMs;
    const jobId = basicUser(authorization);
    const failFast = () => (jobId && opts.failFast?.(jobId)) === true;
    for (let attempt = 1; ; attempt++) {
      // An attempt hanging while the run is being stopped for want of Trellis is given up quickly.
      const abort = new AbortController();
      let doomedAt: number | undefined;
      const watch = setInterval(() => {
        if (!failFast()) return;
        doomedAt ??= Date.now();
        if (Date.now() - doomedAt >= 500) abort.abort(Object.assign(new Error('Trellis out of reach while the run stops'), { code: 'TRELLIS_UNREACHABLE' }));
      }, 100);
      try {
        const res = await request(`${base}/api/v1/state${path}${search}`, {
          method: method as Dispatcher.HttpMethod,
          dispatcher,
          signal: abort.signal,
          headers: { ...(authorization ? { authorization } : {}), 'content-type': 'application/json' },
          ...(body.length || method === 'POST' || method === 'LOCK' || method === 'UNLOCK' ? { body } : {}),
          headersTimeout: Math.max(opts.retryForMs, 5_000),
          bodyTimeout: Math.max(opts.retryForMs, 5_000),
        });
        const answer = Buffer.from(await res.body.arrayBuffer());
        if (UNAVAILABLE.has(res.statusCode) && Date.now() < until && !failFast()) throw Object.assign(new Error(`Trellis answered ${res.statusCode}`), { code: 'TRELLIS_UNREACHABLE' });
        if (attempt > 1) opts.log?.retried?.({ method, path, attempts: attempt });
        return { status: res.statusCode, type: res.headers['content-type'] as string | undefined, body: answer };
      } catch (err) {
        const reason = abort.signal.aborted ? abort.signal.reason : err;
        if (!isConnectionError(reason) || Date.now() >= until || failFast()) throw reason;
        await new Promise((r) => setTimeout(r, Math.min(100 * 2 ** Math.min(attempt - 1, 4), 1000)));
      } finally {
        clearInterval(watch);
      }
    }
  }

  const loop = await serveStateOnLoopback(
    (r) => forward(r.method, r.path, r.url.search, r.authorization, r.body),
    (err) => ({ status: 502, error: `Trellis could not be reached: ${err.message}` }),
    opts.log,
  );
  return {
    url: loop.url,
    close: async () => {
      await loop.close();
      await dispatcher.close();
    },
  };
}
