/**
 * Server-Sent Events for pages and the API. A job's log stream: event ids are the lines' `seq`,
 * so a reconnect with `Last-Event-ID` (or `?after=`) resumes with nothing lost or repeated; the
 * current state goes out on connect, a keep-alive comment every 15 s, and the stream ends when
 * the job does. Lines travel from Tendrils over Postgres NOTIFY through the process's one hub.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { StoredLogLine } from '../domain/jobs/log-writer.js';
import { subscribeJobLogs } from '../domain/jobs/subscribe.js';
import type { JobStatus } from '../domain/jobs/status.js';

/** The streams each HTTP server has open, so that closing the server ends them (see endAllStreams). */
const openStreams = new WeakMap<object, Set<SseStream>>();

export interface SseStream {
  /** Sends one event; `data` may span lines. Returns false once the client is gone. */
  send(event: string, data: string, id?: string | number): boolean;
  comment(text: string): void;
  end(): void;
  readonly closed: boolean;
  onClose(fn: () => void): void;
}

/**
 * Ends every stream the server has open: a hijacked response would otherwise hold `close()` up
 * until its client left. Clients reconnect (`retry:`) to whichever process serves them next.
 */
export function endAllStreams(app: Pick<FastifyInstance, 'server'>): void {
  for (const s of [...(openStreams.get(app.server) ?? [])]) s.end();
}

/**
 * Takes over the response and opens an event stream: a keep-alive comment every
 * SSE_KEEPALIVE_SECONDS (15 by default) while it is open.
 */
export function openSse(req: FastifyRequest, reply: FastifyReply): SseStream {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no', // nginx: do not buffer the stream
  });
  res.write('retry: 2000\n\n');
  let closed = false;
  const closers: Array<() => void> = [];
  const close = () => {
    if (closed) return;
    closed = true;
    clearInterval(keepAlive);
    closers.forEach((fn) => fn());
  };
  // Unref'd: the open socket keeps the process alive, not this timer.
  const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), req.server.deps.config.sseKeepAliveSeconds * 1000).unref();
  // Keyed by the HTTP server: `req.server` is the route's plugin context, not the root app.
  let streams = openStreams.get(req.server.server);
  if (!streams) openStreams.set(req.server.server, (streams = new Set()));
  req.raw.on('close', close);
  const stream: SseStream = {
    send(event, data, id) {
      if (closed) return false;
      const lines = data.split(/\r?\n/).map((l) => `data: ${l}`).join('\n');
      res.write(`${id !== undefined ? `id: ${id}\n` : ''}event: ${event}\n${lines}\n\n`);
      return true;
    },
    comment(text) {
      if (!closed) res.write(`: ${text}\n\n`);
    },
    end() {
      if (!closed) res.end();
      close();
    },
    get closed() {
      return closed;
    },
    onClose(fn) {
      if (closed) fn();
      else closers.push(fn);
    },
  };
  streams.add(stream);
  closers.push(() => streams.delete(stream));
  // The client may have gone while the route was still reading: 'close' has fired already.
  if (res.socket === null || res.socket.destroyed) close();
  return stream;
}

/** Where a (re)connecting client resumes: `Last-Event-ID` wins over `?after=`. */
export function resumeSeq(req: FastifyRequest): number {
  const raw = (req.headers['last-event-id'] as string | undefined) ?? (req.query as { after?: string } | undefined)?.after;
  const n = Number(raw);
  return Number.isInteger(n) && n > 0 ? n : 0;
}

export interface JobStreamRender {
  /** One event per line by default (`line`, JSON); pages may render HTML fragments instead. */
  lines?(lines: StoredLogLine[], sse: SseStream): void;
  status?(status: JobStatus, sse: SseStream): void;
}

/**
 * Streams a job's log lines (after `afterSeq`) and its status; ends with the job. The caller has
 * already checked that the user may see the job.
 */
export async function streamJobLogs(req: FastifyRequest, reply: FastifyReply, jobId: string, afterSeq: number, render: JobStreamRender = {}): Promise<void> {
  const { knex } = req.server.deps;
  const sse = openSse(req, reply);
  const sendLines = render.lines ?? ((lines, s) => lines.forEach((l) => s.send('line', JSON.stringify(l), l.seq)));
  const sendStatus = render.status ?? ((status, s) => s.send('status', JSON.stringify({ status })));
  const current = await knex('provision_jobs').where({ id: jobId }).first('status');
  if (current) sendStatus(current.status, sse);
  const sub = await subscribeJobLogs(knex, req.server.hub, jobId, afterSeq, {
    onLines: (lines) => void sendLines(lines, sse),
    onStatus: (status) => void sendStatus(status, sse),
  });
  sse.onClose(() => sub.close());
  void sub.done.then((status) => {
    if (status) sse.send('end', JSON.stringify({ status }));
    sse.end();
  });
}
