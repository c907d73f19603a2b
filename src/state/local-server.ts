/**
 * The state backend as an in-house Tendril's Terraform reaches it: the same protocol handler as
 * Trellis's /api/v1/state, on 127.0.0.1 in the Tendril's own process, on the same store. One path
 * for every Tendril — a remote one talks to Trellis, an in-house one to this — and no Trellis URL
 * for an in-house worker to know.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { StateOwner, StateService } from '../domain/state/service.js';
import { handleStateRequest } from './protocol.js';
import { ownerFromPath, statePath } from './paths.js';

export interface LocalStateServer {
  /** The address of one state (`http://127.0.0.1:<port>/state/vines/<id>`). */
  url(owner: StateOwner): string;
  close(): Promise<void>;
}

const MAX_STATE = 64 * 1024 * 1024;

/** What the server tells its Tendril's log: a failure of the store, and every refused request (what Terraform then reports is terse). */
export interface LocalStateLog {
  error(err: Error): void;
  refused(what: { method: string; path: string; status: number; body: string }): void;
}

/** One state request as Terraform sent it to a loopback server. */
export interface LoopbackStateRequest {
  method: string;
  /** The state's path below /state (`/vines/<id>`), already checked to name one state. */
  path: string;
  owner: StateOwner;
  url: URL;
  authorization: string | undefined;
  body: Buffer;
}

/**
 * A state backend for the Tendril's own Terraform on 127.0.0.1: reads the request (64 MiB at the
 * most), answers 404 for a path that names no state, logs every refused request and every failure
 * (whose answer is `failed`'s). Served by the store in-house, by a proxy to Trellis remotely.
 */
export async function serveStateOnLoopback(
  answer: (req: LoopbackStateRequest) => Promise<{ status: number; type?: string | undefined; body?: string | Buffer | undefined }>,
  failed: (err: Error) => { status: number; error: string },
  log: Partial<LocalStateLog> = {},
): Promise<LocalStateServer & { port: number; server: Server }> {
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_STATE) req.destroy();
      else chunks.push(c);
    });
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://local');
      const path = url.pathname.replace(/^\/state/, '');
      const owner = ownerFromPath(path);
      if (!owner) {
        res.writeHead(404).end();
        return;
      }
      const method = req.method ?? 'GET';
      answer({ method, path, owner, url, authorization: req.headers.authorization, body: Buffer.concat(chunks) })
        .then((a) => {
          if (a.status >= 400) log.refused?.({ method, path: url.pathname, status: a.status, body: String(a.body ?? '').slice(0, 300) });
          res.writeHead(a.status, a.type ? { 'content-type': a.type } : {});
          res.end(a.body);
        })
        .catch((err: Error) => {
          log.error?.(err);
          const f = failed(err);
          res.writeHead(f.status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: f.error }));
        });
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  server.unref();
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    server,
    url: (owner) => `http://127.0.0.1:${port}/state${statePath(owner)}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export async function startLocalStateServer(svc: StateService, log: Partial<LocalStateLog> = {}): Promise<LocalStateServer> {
  return serveStateOnLoopback(
    (r) => handleStateRequest(svc, { method: r.method, owner: r.owner, authorization: r.authorization, lockId: r.url.searchParams.get('ID') ?? undefined, body: r.body }),
    () => ({ status: 500, error: 'the state store failed; see the Tendril’s log' }),
    log,
  );
}
