/**
 * Server-Sent Events for pages and the API, and the one job-log streamer both use: event ids are
 * the lines' `seq`, so a reconnect with `Last-Event-ID` (or `?after=`) resumes with nothing lost
 * or repeated; the current state goes out on connect, a keep-alive comment every
 * SSE_KEEPALIVE_SECONDS, and the stream ends when the job does. Lines travel from Tendrils over
 * Postgres NOTIFY through the process's one hub.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { StoredLogLine } from '../domain/jobs/log-writer.js';
import { subscribeJobLogs } from '../domain/jobs/subscribe.js';
import { JOB_TERMINAL, type JobStatus } from '../domain/jobs/status.js';
import { createJobRepository } from '../domain/jobs/repository.js';

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

export const SEQ_MAX = 2147483647;

/** Where a (re)connecting client resumes: `Last-Event-ID` wins over `?after=`. */
export function resumeSeq(req: FastifyRequest): number {
  const raw = (req.headers['last-event-id'] as string | undefined) ?? (req.query as { after?: string } | undefined)?.after;
  const n = Number(raw);
  // seq is a 32-bit integer: nothing was ever stored after its largest value.
  return Number.isInteger(n) && n > 0 ? Math.min(n, SEQ_MAX) : 0;
}

/**
 * How a job's log stream renders its three events, the same names for the pages and the API:
 * `line` (one per stored line; its id is the line's seq), `status` (when the job's status
 * changes), `end` (the job is over: its final status; the stream closes). The API sends JSON;
 * the pages send HTML (a line's row, the fragments a status change replaces).
 */
export interface JobStreamRender {
  line(line: StoredLogLine): string;
  status(status: JobStatus): string | Promise<string>;
}

export const JSON_RENDER: JobStreamRender = {
  line: (l) => JSON.stringify(l),
  status: (status) => JSON.stringify({ status }),
};

/**
 * Streams a job's log lines (after `afterSeq`) and its status; ends with the job. The caller has
 * already checked that the user may see the job. The status on connect, every change after, and
 * the final one before `end` go out in the order they happened.
 */
export async function streamJobLogs(req: FastifyRequest, reply: FastifyReply, jobId: string, afterSeq: number, render: JobStreamRender = JSON_RENDER): Promise<void> {
  const { knex } = req.server.deps;
  const sse = openSse(req, reply);
  let statuses = Promise.resolve();
  const sendStatus = (status: JobStatus) => {
    statuses = statuses.then(async () => void sse.send('status', await render.status(status))).catch((err: Error) => req.log.warn({ err }, 'job stream: rendering a status failed'));
    return statuses;
  };
  let sub: Awaited<ReturnType<typeof subscribeJobLogs>>;
  try {
    const current = await createJobRepository(knex).statusOf(jobId);
    if (current && !JOB_TERMINAL.includes(current)) void sendStatus(current);
    sub = await subscribeJobLogs(knex, req.server.hub, jobId, afterSeq, {
      onLines: (lines) => lines.forEach((l) => sse.send('line', render.line(l), l.seq)),
      onStatus: (status) => void sendStatus(status),
    });
  } catch (err) {
    req.log.warn({ err }, 'job log stream: could not start; the client retries');
    return sse.end();
  }
  sse.onClose(() => sub.close());
  void sub.done.then(async (status) => {
    if (status) {
      await sendStatus(status);
      sse.send('end', JSON.stringify({ status }));
    }
    sse.end();
  });
}
