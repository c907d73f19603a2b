/**
 * Following a job's log over Server-Sent Events. Event ids are the lines' seq: after a dropped
 * connection Grape reconnects with `Last-Event-ID` set to the last line it printed, so nothing is
 * lost or repeated. It ends with the job (`end` event) and answers the job's final status.
 */
import { request } from 'undici';
import type { ApiClient } from './client.js';
import { networkError } from './client.js';
import { EXIT, GrapeError } from './errors.js';
import type { Json } from '../domain/schema.js';
import type { StoredLogLine } from '../domain/jobs/schema.js';
import type { JobStatus } from '../domain/jobs/status.js';

export type LogLineJson = Json<StoredLogLine>;

export interface FollowHandlers {
  onLine(line: LogLineJson): void;
  onStatus?(status: JobStatus): void;
  /** A reconnect is being tried (for a note on stderr). */
  onRetry?(reason: string, attempt: number): void;
}

export interface FollowOptions {
  afterSeq?: number;
  /** Give up after this long without a working connection. */
  giveUpMs?: number;
  /** The server sends a comment every 15 s: a silence this long means the connection is dead. */
  idleMs?: number;
  signal?: AbortSignal;
}

interface SseEvent {
  id?: string;
  event: string;
  data: string;
}

/** Parses an SSE byte stream into events (spec: fields up to a blank line; `:` lines are comments). */
async function* events(body: AsyncIterable<Buffer | string>): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder();
  let buffer = '';
  let current: { id?: string; event?: string; data: string[] } = { data: [] };
  for await (const chunk of body) {
    buffer += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = buffer.search(/\r?\n/)) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + (buffer[nl] === '\r' ? 2 : 1));
      if (line === '') {
        if (current.data.length || current.event) yield { ...(current.id !== undefined ? { id: current.id } : {}), event: current.event ?? 'message', data: current.data.join('\n') };
        current = { data: [] };
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'data') current.data.push(value);
      else if (field === 'event') current.event = value;
      else if (field === 'id') current.id = value;
    }
  }
}

export async function followJobLogs(api: ApiClient, jobId: string, handlers: FollowHandlers, opts: FollowOptions = {}): Promise<JobStatus> {
  let last = opts.afterSeq ?? 0;
  const giveUpMs = opts.giveUpMs ?? 120_000;
  const idleMs = opts.idleMs ?? 45_000;
  let failingSince: number | undefined;
  let attempt = 0;
  for (;;) {
    if (opts.signal?.aborted) throw new GrapeError('stopped', EXIT.INTERRUPTED);
    let reason: string;
    try {
      const res = await request(`${api.session.url}/api/v1/jobs/${jobId}/logs`, {
        method: 'GET',
        dispatcher: api.dispatcher,
        headers: api.headers({ accept: 'text/event-stream', ...(last > 0 ? { 'last-event-id': String(last) } : {}) }),
        bodyTimeout: idleMs,
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
      if (res.statusCode !== 200) throw api.failure(res.statusCode, await res.body.text(), true);
      failingSince = undefined;
      attempt = 0;
      for await (const ev of events(res.body)) {
        if (ev.event === 'line') {
          const line = JSON.parse(ev.data) as LogLineJson;
          if (line.seq <= last) continue; // never twice, whatever a server or proxy replays
          last = line.seq;
          handlers.onLine(line);
        } else if (ev.event === 'status') {
          handlers.onStatus?.((JSON.parse(ev.data) as { status: JobStatus }).status);
        } else if (ev.event === 'end') {
          res.body.destroy();
          return (JSON.parse(ev.data) as { status: JobStatus }).status;
        }
      }
      reason = 'the stream closed before the job finished';
    } catch (err) {
      if (err instanceof GrapeError) throw err;
      if (opts.signal?.aborted) throw new GrapeError('stopped', EXIT.INTERRUPTED);
      reason = networkError(err, api.session.url).message;
    }
    failingSince ??= Date.now();
    if (Date.now() - failingSince > giveUpMs) throw new GrapeError(`lost the log stream of job ${jobId}: ${reason}`, EXIT.UNREACHABLE);
    attempt++;
    handlers.onRetry?.(reason, attempt);
    await new Promise((r) => setTimeout(r, Math.min(250 * 2 ** Math.min(attempt - 1, 4), 4000)));
  }
}
