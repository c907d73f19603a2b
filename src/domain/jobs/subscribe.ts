/**
 * Follow a job's log: every stored line after `afterSeq`, in order, each exactly once, then the
 * job's final status. Notifications only wake the reader; lines are always read from the table,
 * so a missed NOTIFY (or a reconnect of the LISTEN connection) loses nothing. A follower of its
 * own (tests, benchmarks); Trellis shares one feed per job between all its streams (feed.ts).
 */
import type { Knex } from 'knex';
import type { NotifyHub } from '../../db/notify.js';
import { createJobLogFeeds } from './feed.js';
import type { StoredLogLine } from './log-writer.js';
import type { JobStatus } from './status.js';

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
  const feeds = await createJobLogFeeds(knex, hub);
  let resolveDone!: (s: JobStatus | undefined) => void;
  const done = new Promise<JobStatus | undefined>((r) => (resolveDone = r));
  let unfollow = () => {};
  const close = (status?: JobStatus) => {
    unfollow();
    feeds.close();
    resolveDone(status);
  };
  unfollow = await feeds.follow(jobId, afterSeq, {
    lines: (lines) => handlers.onLines([...lines]),
    status: (event) => void Promise.resolve(handlers.onStatus?.(event.status)).catch(() => {}),
    end: ({ status }) => void Promise.resolve(handlers.onStatus?.(status)).catch(() => {}).then(() => close(status)),
  });
  return { close: () => close(), done };
}
