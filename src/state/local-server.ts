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

export async function startLocalStateServer(svc: StateService, onError: (err: Error) => void = () => {}): Promise<LocalStateServer> {
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
      const owner = ownerFromPath(url.pathname.replace(/^\/state/, ''));
      if (!owner) {
        res.writeHead(404).end();
        return;
      }
      handleStateRequest(svc, { method: req.method ?? 'GET', owner, authorization: req.headers.authorization, lockId: url.searchParams.get('ID') ?? undefined, body: Buffer.concat(chunks) })
        .then((a) => {
          res.writeHead(a.status, a.type ? { 'content-type': a.type } : {});
          res.end(a.body);
        })
        .catch((err: Error) => {
          onError(err);
          res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'the state store failed; see the Tendril’s log' }));
        });
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  server.unref();
  const port = (server.address() as AddressInfo).port;
  return {
    url: (owner) => `http://127.0.0.1:${port}/state${statePath(owner)}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
