/**
 * Follow a job's log: every stored line after `afterSeq`, in order, each exactly once, then the
 * job's final status. Notifications only wake the reader; lines are always read from the table,
 * so a missed NOTIFY (or a reconnect of the LISTEN connection) loses nothing.
 */
import type { Knex } from 'knex';
import type { NotifyHub } from '../../db/notify.js';
import { CHANNEL, parseJobStatusPayload } from './events.js';
import { readLogs, type StoredLogLine } from './log-writer.js';
import { JOB_TERMINAL, type JobStatus } from './status.js';

export interface LogSubscription {
  close(): void;
  /** Resolves with the job's final status once every line was delivered (or undefined if closed first). */
  done: Promise<JobStatus | undefined>;
}

export interface SubscribeHandlers {
  onLines(lines: StoredLogLine[]): void | Promise<void>;
  onStatus?(status: JobStatus): void | Promise<void>;
}

export async function subscribeJobLogs(knex: Knex, hub: NotifyHub, jobId: string, afterSeq: number, handlers: SubscribeHandlers): Promise<LogSubscription> {
  let last = afterSeq;
  let closed = false;
  let reading: Promise<void> | undefined;
  let again = false;
  let resolveDone!: (s: JobStatus | undefined) => void;
  const done = new Promise<JobStatus | undefined>((r) => (resolveDone = r));
  const cleanups: Array<() => void> = [];

  const close = (status?: JobStatus) => {
    if (closed) return;
    closed = true;
    cleanups.forEach((c) => c());
    resolveDone(status);
  };

  /** Reads until caught up; coalesces wake-ups that arrive while a read is running. */
  const pump = (): Promise<void> => {
    if (reading) {
      again = true;
      return reading;
    }
    reading = (async () => {
      do {
        again = false;
        for (;;) {
          if (closed) return;
          const job = await knex('provision_jobs').where({ id: jobId }).first('status');
          const lines = await readLogs(knex, jobId, last, 2000);
          if (lines.length) {
            last = lines[lines.length - 1]!.seq;
            await handlers.onLines(lines);
          }
          if (lines.length === 2000) continue;
          // The status was read before the lines: if it was terminal then, every line was stored.
          if (job && JOB_TERMINAL.includes(job.status)) {
            await handlers.onStatus?.(job.status);
            close(job.status);
            return;
          }
          break;
        }
      } while (again && !closed);
    })()
      .catch(() => {
        // A failed read (database restart, …): try again shortly; `last` makes it resume exactly.
        if (!closed) setTimeout(() => void pump(), 1000).unref();
      })
      .finally(() => {
        reading = undefined;
      });
    return reading;
  };

  cleanups.push(
    await hub.subscribe(CHANNEL.jobLogs, (p) => {
      if (p.startsWith(`${jobId}:`)) void pump();
    }),
  );
  cleanups.push(
    await hub.subscribe(CHANNEL.jobStatus, (p) => {
      const ev = parseJobStatusPayload(p);
      if (ev?.jobId !== jobId) return;
      if (!JOB_TERMINAL.includes(ev.status as JobStatus)) void Promise.resolve(handlers.onStatus?.(ev.status as JobStatus)).catch(() => {});
      void pump();
    }),
  );
  cleanups.push(hub.onReconnect(() => void pump()));
  await pump();
  return { close: () => close(), done };
}
