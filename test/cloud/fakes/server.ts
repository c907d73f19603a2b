/**
 * A local HTTP server for the fakes: 127.0.0.1 on a free port, every request recorded with its
 * body, answers delayed on demand, and a close that ends open connections and pending answers.
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  /** The raw path and query, as sent. */
  url: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
  /** What the fake made of it, e.g. "sts:AssumeRole" or "compute:networks.list"; set by the handler. */
  route?: string;
}

export interface FakeServer {
  url: string;
  requests: RecordedRequest[];
  /** Waits `ms` unless the server closes first (then never resolves, which is fine: nobody listens). */
  delay(ms: number): Promise<void>;
  close(): Promise<void>;
}

export type Handler = (req: RecordedRequest, res: ServerResponse) => void | Promise<void>;

export async function startServer(handler: Handler): Promise<FakeServer> {
  const requests: RecordedRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = req.url ?? '/';
      const parsed = new URL(url, 'http://fake');
      const rec: RecordedRequest = {
        method: req.method ?? 'GET',
        url,
        path: parsed.pathname,
        query: parsed.searchParams,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(rec);
      Promise.resolve(handler(rec, res)).catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`fake failed: ${String(err)}`);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    delay: (ms) =>
      new Promise((resolve) => {
        const t = setTimeout(() => {
          timers.delete(t);
          resolve();
        }, ms);
        timers.add(t);
      }),
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function send(res: ServerResponse, status: number, contentType: string, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

export function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(value), headers);
}

/** Counts down a route's remaining throttled answers; true while it should still be throttled. */
export function takeThrottle(throttle: Record<string, number> | undefined, route: string): boolean {
  const left = throttle?.[route] ?? 0;
  if (left <= 0) return false;
  throttle![route] = left - 1;
  return true;
}

/** An opaque page token: base64url of the next index. */
export const pageToken = {
  make: (i: number) => Buffer.from(JSON.stringify({ i })).toString('base64url'),
  read: (t: string | null | undefined): number | undefined => {
    if (!t) return 0;
    try {
      const v = JSON.parse(Buffer.from(t, 'base64url').toString('utf8')) as { i?: unknown };
      return typeof v.i === 'number' ? v.i : undefined;
    } catch {
      return undefined;
    }
  },
};
