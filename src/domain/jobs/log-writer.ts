/**
 * Stores a job's log lines in batches with a per-job monotonic `seq`, and NOTIFYs once per batch
 * (one round trip: the INSERT and the pg_notify share a statement). Only one writer exists per
 * job (the Tendril running it), so the counter lives here.
 */
import type { Knex } from 'knex';
import { CHANNEL } from './events.js';
import type { LogLevel, LogStream, StoredLogLine } from './schema.js';
import { LeaseLostError, type Lease } from './lease.js';
import { LEASE_HELD, leaseBindings } from './repository.js';
import { untilReachable } from '../../db/errors.js';

export type { LogLevel, LogStream, StoredLogLine };
export interface LogEntry {
  stream: LogStream;
  level: LogLevel;
  line: string;
}

export interface LogWriter {
  write(entry: LogEntry): void;
  system(line: string, level?: LogLevel): void;
  flush(): Promise<void>;
  close(): Promise<void>;
  /** Continue numbering after `seq` (a retried job whose earlier attempt left lines). */
  restartAt(seq: number): void;
  readonly lastSeq: number;
}

const MAX_LINE = 16 * 1024;

export async function nextSeq(knex: Knex | Knex.Transaction, jobId: string): Promise<number> {
  const row = await knex('provision_job_logs').where({ job_id: jobId }).max<{ max: number | null }>('seq as max').first();
  return row?.max ?? 0;
}

/** One line written by someone other than the job's Tendril (the reaper), after the last one. */
export async function appendSystemLine(db: Knex | Knex.Transaction, jobId: string, line: string, level: LogLevel = 'info'): Promise<void> {
  await db.raw(
    `WITH ins AS (
       INSERT INTO provision_job_logs (job_id, seq, stream, level, line)
       SELECT ?, coalesce(max(seq), 0) + 1, 'system', ?, ? FROM provision_job_logs WHERE job_id = ?
       RETURNING seq)
     SELECT pg_notify(?, ? || ':' || seq) FROM ins`,
    [jobId, level, line, jobId, CHANNEL.jobLogs, jobId],
  );
}

export interface LogWriterOptions {
  redact?: (s: string) => string;
  startSeq?: number;
  flushMs?: number;
  maxBatch?: number;
  onError?: (err: Error) => void;
  /** The lines of a run holding this lease: refused once the lease was taken away. */
  fence?: Lease;
  /** While the database is unreachable, batches wait and are sent again (in order, never twice) for this long. */
  retryForMs?: number;
}

/**
 * A job's log writer. Lines are numbered here and stored in batches; a batch the database could
 * not take (it was unreachable) is sent again, in order, until it is stored or `retryForMs`
 * passes — a line is stored once whatever happens (`ON CONFLICT DO NOTHING` on its seq). Lines of
 * a run that lost its lease are refused by the database and dropped.
 */
export function createLogWriter(knex: Knex, jobId: string, opts: LogWriterOptions = {}): LogWriter {
  const fence = opts.fence;
  return createBatchedLogWriter(jobId, { insert: (batch) => insertLogLines(knex, jobId, batch, fence), ...(fence ? { held: () => leaseHeld(knex, fence) } : {}) }, opts);
}

/** Where a writer's batches go: Vintner's database, or Trellis over HTTPS (a remote Tendril). */
export interface LogSink {
  /** Stores a batch; answers how many lines were new. Throws LeaseLostError once the lease is gone. */
  insert(batch: NumberedLine[]): Promise<number>;
  /** Whether the run still holds its lease (asked when a batch stored nothing). */
  held?(): Promise<boolean>;
}

/**
 * The writer itself: numbering, batching (one batch in flight, in order), and sending a batch
 * again while its sink is unreachable (`isConnectionError`) for up to `retryForMs`.
 */
export function createBatchedLogWriter(jobId: string, sink: LogSink, opts: Omit<LogWriterOptions, 'fence'> = {}): LogWriter {
  const redact = opts.redact ?? ((s: string) => s);
  const flushMs = opts.flushMs ?? 40;
  const maxBatch = opts.maxBatch ?? 2000;
  let seq = opts.startSeq ?? 0;
  let buffer: NumberedLine[] = [];
  let inFlight: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  let lost = false;

  const insert = (batch: NumberedLine[]): Promise<number> => sink.insert(batch);

  const lostLease = () => {
    lost = true;
    opts.onError?.(new LeaseLostError(`job ${jobId}: its lease was taken away; this run's log lines are no longer stored`));
  };

  const store = async (batch: NumberedLine[]) => {
    if (lost) return;
    try {
      const n = await untilReachable(() => insert(batch), { giveUpAfterMs: opts.retryForMs ?? 0 });
      // Nothing stored: either every line was stored before (a retry) or the lease is gone.
      if (n === 0 && sink.held && !(await sink.held())) lostLease();
    } catch (err) {
      if (err instanceof LeaseLostError) lostLease();
      else opts.onError?.(err as Error);
    }
  };

  const flush = (): Promise<void> => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (buffer.length === 0) return inFlight;
    const batch = buffer;
    buffer = [];
    inFlight = inFlight.then(() => store(batch));
    return inFlight;
  };

  const write = (entry: LogEntry) => {
    buffer.push({ seq: ++seq, stream: entry.stream, level: entry.level, line: cleanLine(redact(entry.line)) });
    if (buffer.length >= maxBatch) void flush();
    else timer ??= setTimeout(() => void flush(), flushMs);
  };

  return {
    write,
    system: (line, level = 'info') => write({ stream: 'system', level, line }),
    flush,
    async close() {
      await flush();
      await inFlight;
    },
    restartAt(n: number) {
      if (buffer.length === 0 && seq < n) seq = n;
    },
    get lastSeq() {
      return seq;
    },
  };
}

/** Postgres text cannot hold NUL; an endless line would bloat every page that shows it. */
export function cleanLine(line: string): string {
  const clean = line.replace(/\u0000/g, '');
  return clean.length > MAX_LINE ? clean.slice(0, MAX_LINE) + ' …[line truncated]' : clean;
}

/** A numbered line as stored (its `seq` given by the job's one writer). */
export interface NumberedLine {
  seq: number;
  stream: string;
  level: string;
  line: string;
}

/**
 * Stores numbered lines of a job and NOTIFYs once (one statement). A line whose seq is stored
 * already is skipped (`ON CONFLICT DO NOTHING`): sending a batch again never doubles a line. With
 * a fence, nothing is stored once that lease was taken away. Answers how many lines were new.
 */
export async function insertLogLines(knex: Knex | Knex.Transaction, jobId: string, batch: NumberedLine[], fence?: Lease): Promise<number> {
  if (!batch.length) return 0;
  const where = fence ? `WHERE ${LEASE_HELD}` : '';
  const { rows } = await knex.raw(
    `WITH ins AS (
       INSERT INTO provision_job_logs (job_id, seq, stream, level, line)
       SELECT ?, s, st, lv, ln FROM unnest(?::int[], ?::text[], ?::text[], ?::text[]) AS u(s, st, lv, ln) ${where}
       ON CONFLICT (job_id, seq) DO NOTHING
       RETURNING seq)
     SELECT count(*)::int AS n, pg_notify(?, ? || ':' || max(seq)) FROM ins`,
    [
      jobId, batch.map((b) => b.seq), batch.map((b) => b.stream), batch.map((b) => b.level), batch.map((b) => b.line),
      ...(fence ? leaseBindings(fence) : []),
      CHANNEL.jobLogs, jobId,
    ],
  );
  return (rows as Array<{ n: number }>)[0]?.n ?? 0;
}

/** Whether the run holding `fence` still holds it. */
export async function leaseHeld(knex: Knex | Knex.Transaction, fence: Lease): Promise<boolean> {
  const { rows } = await knex.raw(`SELECT ${LEASE_HELD} AS held`, leaseBindings(fence));
  return (rows as Array<{ held: boolean }>)[0]?.held === true;
}

/** Lines after `afterSeq`, in order, at most `limit`. */
export async function readLogs(knex: Knex, jobId: string, afterSeq = 0, limit = 1000): Promise<StoredLogLine[]> {
  return knex('provision_job_logs')
    .where({ job_id: jobId })
    .andWhere('seq', '>', afterSeq)
    .orderBy('seq')
    .limit(limit)
    .select('seq', 'stream', 'level', 'line', 'created_at');
}

/**
 * The last `limit` lines of a job's log, in order: what a page shows before its live stream
 * continues from the last one. The caller has checked that the user may see the job.
 */
export async function readLogTail(knex: Knex, jobId: string, limit: number): Promise<StoredLogLine[]> {
  const rows: StoredLogLine[] = await knex('provision_job_logs')
    .where({ job_id: jobId })
    .orderBy('seq', 'desc')
    .limit(limit)
    .select('seq', 'stream', 'level', 'line', 'created_at');
  return rows.reverse();
}
