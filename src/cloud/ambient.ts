/** What the metadata services of a Tendril's own machine share: why one could not be reached, in a few words. */
import { seconds, type Ctx } from './context.js';
import type { CloudCheckError } from './errors.js';

const WORDS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'its host name does not resolve',
  EAI_AGAIN: 'its host name does not resolve',
  EHOSTUNREACH: 'no route to it',
  ENETUNREACH: 'no route to it',
  ECONNRESET: 'the connection was reset',
};

/** An `endpoint_unreachable` or `timeout` failure of a metadata call as "connection refused", "no answer within 10 s" … */
export function unreachableReason(err: CloudCheckError, ctx: Ctx): string {
  if (err.code === 'timeout') return `no answer within ${seconds(ctx.timeoutMs)}`;
  const code = (err.cause as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? (WORDS[code] ?? code) : 'unreachable';
}
