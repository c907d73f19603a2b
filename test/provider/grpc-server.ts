/**
 * Unary gRPC over node:http2, enough for go-plugin and Terraform: a request is one
 * length-prefixed message, the answer one message and `grpc-status` trailers. Any other method
 * (go-plugin's broker and stdio streams, RPCs the provider does not implement) gets a
 * trailers-only UNIMPLEMENTED, which go-plugin and Terraform accept for those.
 *
 * Why not @grpc/grpc-js: loading it costs a plugin process more time than all its work.
 */
import { createSecureServer, createServer, constants, type Http2Server, type Http2SecureServer, type ServerHttp2Stream } from 'node:http2';

export type UnaryHandler = (request: Buffer) => Buffer | Promise<Buffer>;

const { HTTP2_HEADER_STATUS, HTTP2_HEADER_CONTENT_TYPE } = constants;

export const GRPC_UNIMPLEMENTED = 12;
export const GRPC_INTERNAL = 13;

function frame(message: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt32BE(message.length, 1);
  return Buffer.concat([head, message]);
}

function unframe(body: Buffer): Buffer {
  if (body.length < 5) return Buffer.alloc(0);
  if (body[0] !== 0) throw new Error('compressed gRPC messages are not supported');
  return body.subarray(5, 5 + body.readUInt32BE(1));
}

function trailersOnly(stream: ServerHttp2Stream, status: number, message: string): void {
  if (stream.destroyed || stream.headersSent) return;
  stream.respond(
    {
      [HTTP2_HEADER_STATUS]: 200,
      [HTTP2_HEADER_CONTENT_TYPE]: 'application/grpc',
      'grpc-status': String(status),
      'grpc-message': encodeURIComponent(message),
    },
    { endStream: true },
  );
}

export interface GrpcServerOptions {
  /** PEM; with `clientCa`, mutual TLS */
  key?: string;
  cert?: string;
  /** the only client certificate accepted (PEM) */
  clientCa?: string;
}

export function createGrpcServer(handlers: Map<string, UnaryHandler>, opts: GrpcServerOptions = {}): Http2Server | Http2SecureServer {
  const server =
    opts.key && opts.cert
      ? createSecureServer({
          key: opts.key,
          cert: opts.cert,
          ca: opts.clientCa ? [opts.clientCa] : undefined,
          requestCert: !!opts.clientCa,
          rejectUnauthorized: !!opts.clientCa,
          minVersion: 'TLSv1.2',
          ALPNProtocols: ['h2'],
        })
      : createServer();
  server.on('stream', (stream, headers) => {
    stream.on('error', () => {}); // a client going away mid-call is not our problem
    const path = String(headers[':path'] ?? '');
    const handler = handlers.get(path);
    if (!handler) {
      stream.resume();
      trailersOnly(stream, GRPC_UNIMPLEMENTED, `${path} is not implemented by the test provider`);
      return;
    }
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      void (async () => {
        let reply: Buffer;
        try {
          reply = await handler(unframe(Buffer.concat(chunks)));
        } catch (err) {
          trailersOnly(stream, GRPC_INTERNAL, (err as Error).message);
          return;
        }
        if (stream.destroyed) return;
        stream.respond({ [HTTP2_HEADER_STATUS]: 200, [HTTP2_HEADER_CONTENT_TYPE]: 'application/grpc' }, { waitForTrailers: true });
        stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0', 'grpc-message': '' }));
        stream.end(frame(reply));
      })();
    });
  });
  server.on('sessionError', () => {});
  return server;
}
