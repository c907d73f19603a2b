/**
 * Security headers on every page (CSP, frame and referrer rules, nosniff …), from helmet. They are
 * the same on every response, so helmet runs once, at start-up, into a header set that each
 * request copies: @fastify/helmet rebuilt its middleware (CSP parsing included) per request, a
 * tenth of a cached page's cost. /api/v1 sets its own, JSON-minded headers.
 */
import fp from 'fastify-plugin';
import helmet, { type HelmetOptions } from 'helmet';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';

/** The headers helmet would set with these options, computed without a request. */
export function helmetHeaders(options: Readonly<HelmetOptions>): Record<string, string> {
  const headers: Record<string, string> = {};
  const res = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()];
    },
  };
  let failed: unknown;
  helmet(options)({} as IncomingMessage, res as unknown as ServerResponse, (err?: unknown) => {
    failed = err;
  });
  if (failed) throw failed;
  return headers;
}

export default fp(async function securityHeaders(app: FastifyInstance, options: HelmetOptions) {
  const headers = helmetHeaders(options);
  app.addHook('onRequest', (req, reply, done) => {
    if (!req.url.startsWith('/api/')) reply.headers(headers);
    done();
  });
});
