/**
 * Errors that mean the database could not be reached or dropped the connection — as opposed to a
 * query it refused. Callers that must not lose their write (a Tendril recording a job's end) retry
 * these until the database is back; anything else is a real error. A remote Tendril's store is
 * Trellis over HTTPS: its dropped connections and timeouts (undici's codes) and a Trellis that
 * answered 502/503/504 (`TRELLIS_UNREACHABLE`, src/tendril/agent-client.ts) are the same kind.
 */
const CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN',
  // PostgreSQL: admin_shutdown, crash_shutdown, cannot_connect_now, connection_exception and kin, too_many_connections
  '57P01', '57P02', '57P03', '08000', '08001', '08003', '08004', '08006', '53300',
  // HTTP to Trellis (undici)
  'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH', 'TRELLIS_UNREACHABLE',
]);
const MESSAGES = /Connection terminated|connection error and is not queryable|Timeout acquiring a connection|terminating connection|the database system is (starting up|shutting down)|Client was closed|connect ECONNREFUSED/i;

export function isConnectionError(err: unknown): boolean {
  for (let e = err as { code?: unknown; message?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 4; e = e.cause as typeof e, depth++) {
    if (typeof e.code === 'string' && CODES.has(e.code)) return true;
    if (typeof e.message === 'string' && MESSAGES.test(e.message)) return true;
    const nested = (e as { errors?: unknown[] }).errors; // AggregateError of a multi-address connect
    if (Array.isArray(nested) && nested.some(isConnectionError)) return true;
  }
  return false;
}

/**
 * Runs `fn`, again and again while it fails for want of the database (backing off from 250 ms to
 * 5 s), until it succeeds, fails otherwise, `giveUpAfterMs` passes, or `signal` aborts.
 */
export async function untilReachable<T>(fn: () => Promise<T>, opts: { giveUpAfterMs?: number; signal?: AbortSignal; onRetry?: (err: unknown, attempt: number) => void } = {}): Promise<T> {
  const until = Date.now() + (opts.giveUpAfterMs ?? 15 * 60_000);
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (!isConnectionError(err) || Date.now() >= until || opts.signal?.aborted) throw err;
      opts.onRetry?.(err, attempt);
      await new Promise((r) => setTimeout(r, Math.min(250 * 2 ** Math.min(attempt - 1, 5), 5000)));
    }
  }
}
