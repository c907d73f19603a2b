/**
 * Server-Sent Events for pages and the API, and the one job-log streamer both use: event ids are
 * the lines' `seq`, so a reconnect with `Last-Event-ID` (or `?after=`) resumes with nothing lost
 * or repeated; the current state goes out on connect, a keep-alive comment every
 * SSE_KEEPALIVE_SECONDS, and the stream ends when the job does. Lines travel from Tendrils over
 * Postgres NOTIFY through the process's one hub.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { StoredLogLine } from '../domain/jobs/log-writer.js';
import type { StatusEvent } from '../domain/jobs/feed.js';
import { JOB_TERMINAL } from '../domain/jobs/status.js';

/** The streams each HTTP server has open, so that closing the server ends them (see endAllStreams). */
const openStreams = new WeakMap<object, Set<SseStream>>();

export interface SseStream {
  /** Sends one event; `data` may span lines. Returns false once the client is gone. */
  send(event: string, data: string, id?: string | number): boolean;
  /**
   * Sends events already formatted (`sseEvent`), e.g. shared by every stream of a job.
   * `flowControlled`: the writer waits for `drained()` before writing more, so what waits is
   * bounded by one write; it is not cut off for it.
   */
  write(events: string, flowControlled?: boolean): boolean;
  /** Whether what was written has not all gone out yet (wait with `drained()`). */
  readonly backedUp: boolean;
  comment(text: string): void;
  /** Resolves once what was written has gone out to the client (or the stream closed). */
  drained(): Promise<void>;
  end(): void;
  readonly closed: boolean;
  onClose(fn: () => void): void;
}

/** One event as the stream sends it; `data` may span lines. */
export const sseEvent = (event: string, data: string, id?: string | number) =>
  `${id !== undefined ? `id: ${id}\n` : ''}event: ${event}\n${data.includes('\n') ? data.split(/\r?\n/).map((l) => `data: ${l}`).join('\n') : `data: ${data}`}\n\n`;

/**
 * What a client that does not read may leave waiting in Trellis's memory. Log lines are written
 * only once the client took the last batch (the job's feed lets a slow one catch up at its own
 * pace), so at most one batch waits; anything else (statuses, the vine page's fragments) that
 * would be written past this is not: the stream is cut (the socket destroyed, what waited
 * dropped). The browser reconnects with the `Last-Event-ID` of the last whole event it got and
 * continues from the table (job logs), or gets the current state again (vine streams): a slow
 * client costs itself a reconnect, never Trellis unbounded memory.
 */
export const SSE_MAX_BUFFERED = 1024 * 1024;

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
export function openSse(req: FastifyRequest, reply: FastifyReply, maxBuffered = SSE_MAX_BUFFERED): SseStream {
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
  const keepAlive = setInterval(() => stream.comment('keep-alive'), req.server.deps.config.sseKeepAliveSeconds * 1000).unref();
  // Keyed by the HTTP server: `req.server` is the route's plugin context, not the root app.
  let streams = openStreams.get(req.server.server);
  if (!streams) openStreams.set(req.server.server, (streams = new Set()));
  req.raw.on('close', close);
  let draining: Promise<void> | undefined;
  let wake = () => {};
  res.on('drain', () => wake());
  closers.push(() => wake());
  /** Writes unless the client let more than SSE_MAX_BUFFERED wait: then it is cut off. */
  const write = (text: string, flowControlled = false): boolean => {
    if (closed) return false;
    if (!flowControlled && res.writableLength > maxBuffered) {
      req.log.info({ buffered: res.writableLength }, 'event stream: the client is not reading; cut off (it resumes from its last event)');
      res.destroy();
      close();
      return false;
    }
    res.write(text);
    return true;
  };
  const stream: SseStream = {
    send: (event, data, id) => write(sseEvent(event, data, id)),
    write,
    comment(text) {
      write(`: ${text}\n\n`);
    },
    drained() {
      if (closed || !res.writableNeedDrain) return Promise.resolve();
      return (draining ??= new Promise((resolve) => {
        wake = () => {
          draining = undefined;
          wake = () => {};
          resolve();
        };
      }));
    },
    end() {
      if (!closed) res.end();
      close();
    },
    get closed() {
      return closed;
    },
    get backedUp() {
      return !closed && res.writableNeedDrain;
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
  /** A line's data: the same function for every stream that renders lines alike (a batch is rendered once for all of them). */
  line(line: StoredLogLine): string;
  /** A status change's data; `event` is the same object for every stream of the job when the change was announced. */
  status(event: StatusEvent): string | Promise<string>;
}

export const JSON_RENDER: JobStreamRender = {
  line: (l) => JSON.stringify(l),
  status: (event) => JSON.stringify({ status: event.status }),
};

// A batch of lines as events, by the batch (shared by every stream following the job) and the
// line rendering: 500 streams of one job format each line once, and each writes a batch at once.
const rendered = new WeakMap<readonly StoredLogLine[], Map<JobStreamRender['line'], string>>();

function batchEvents(lines: readonly StoredLogLine[], line: JobStreamRender['line']): string {
  let byRender = rendered.get(lines);
  if (!byRender) rendered.set(lines, (byRender = new Map()));
  let text = byRender.get(line);
  if (text === undefined) {
    text = '';
    for (const l of lines) text += sseEvent('line', line(l), l.seq);
    byRender.set(line, text);
  }
  return text;
}

/**
 * Streams a job's log lines (after `afterSeq`) and its status; ends with the job. The caller has
 * already checked that the user may see the job, and read its status (`current`). The status on
 * connect, every change after, and the final one before `end` go out in the order they happened.
 * Lines come from the process's one feed of the job (src/domain/jobs/feed.ts).
 */
export async function streamJobLogs(req: FastifyRequest, reply: FastifyReply, jobId: string, afterSeq: number, current: StatusEvent, render: JobStreamRender = JSON_RENDER): Promise<void> {
  const sse = openSse(req, reply);
  let statuses = Promise.resolve();
  const sendStatus = (event: StatusEvent) => {
    statuses = statuses.then(async () => void sse.send('status', await render.status(event))).catch((err: Error) => req.log.warn({ err }, 'job stream: rendering a status failed'));
    return statuses;
  };
  if (!JOB_TERMINAL.includes(current.status)) void sendStatus(current);
  let unfollow: () => void;
  try {
    unfollow = await req.server.jobFeeds.follow(jobId, afterSeq, {
      // Nothing more is written to a client that has not taken this yet (the feed lets it catch up).
      lines: (lines) => (sse.write(batchEvents(lines, render.line), true) && sse.backedUp ? sse.drained() : undefined),
      status: (event) => void sendStatus(event),
      end: (event) =>
        void sendStatus(event).then(() => {
          sse.send('end', JSON.stringify({ status: event.status }));
          sse.end();
        }),
    });
  } catch (err) {
    req.log.warn({ err }, 'job log stream: could not start; the client retries');
    return sse.end();
  }
  sse.onClose(unfollow);
}
