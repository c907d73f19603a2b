/**
 * Job log feeds: one per running job per process, however many follow it (issue 14: 500 browsers
 * watching one harvest). A feed reads each new batch of lines once — woken by NOTIFY, read from
 * the table, so a missed notification loses nothing — and hands the same batch to every follower
 * that is caught up; it keeps the last few hundred lines, so a follower that joins (a page just
 * rendered, a reconnect with Last-Event-ID) continues from memory. A follower further behind — or
 * whose consumer is slow (`lines` returned a promise) — reads its own way up from the kept lines
 * or the table at the pace its consumer takes, then joins the feed again.
 *
 * Every follower gets every stored line after its starting point, in order, each once; then, once
 * the job is over and its last line delivered, the final status (`end`). Statuses that are not
 * final go out as they are announced.
 */
import type { Knex } from 'knex';
import type { NotifyHub } from '../../db/notify.js';
import { CHANNEL, parseJobStatusPayload } from './events.js';
import { readLogs, type StoredLogLine } from './log-writer.js';
import { JOB_TERMINAL, type JobStatus } from './status.js';
import { isUuid } from '../validation.js';

/** A status change, one object per change shared by every follower (renderings can be shared by it). */
export interface StatusEvent {
  readonly status: JobStatus;
}

export interface FeedFollower {
  /**
   * Lines in order, each once. The array is shared by every follower caught up with the feed:
   * treat it as read-only (a rendering of it can be shared by it). A promise returned says the
   * consumer has not taken them yet: nothing more is given to this follower until it resolves,
   * then it continues from where it is (so a slow consumer never has more than one batch waiting).
   */
  lines(lines: readonly StoredLogLine[]): void | Promise<void>;
  status?(event: StatusEvent): void;
  /** The job is over and every line was delivered; nothing follows. The same event for every follower. */
  end?(event: StatusEvent): void;
}

export interface JobLogFeeds {
  /** Follows a job from after `afterSeq`; returns the unfollow. */
  follow(jobId: string, afterSeq: number, follower: FeedFollower): Promise<() => void>;
  /** Jobs followed now (benchmarks, tests). */
  readonly size: number;
  close(): void;
}

/** Lines a feed keeps for followers that join; further back they read the table. */
export const FEED_KEEP_LINES = 500;
/** Lines read at once: a batch for every follower, or a page of a follower catching up. */
const PAGE = 500;

interface Follower {
  to: FeedFollower;
  /** The last seq this follower was given. */
  pos: number;
  catchingUp: boolean;
  done: boolean;
}

interface Feed {
  jobId: string;
  /** The kept lines are every line in (base, last]. */
  base: number;
  last: number;
  kept: StoredLogLine[];
  final?: StatusEvent;
  followers: Set<Follower>;
  reading?: Promise<void>;
  again: boolean;
  retry?: NodeJS.Timeout;
}

type Read = { status?: JobStatus; lines: StoredLogLine[] };
interface ReadRow {
  i: string | number;
  status: JobStatus;
  seq: number | null;
  stream: StoredLogLine['stream'];
  level: StoredLogLine['level'];
  line: string;
  created_at: StoredLogLine['created_at'];
}
/** Jobs read by one statement at most. */
const JOBS_PER_READ = 100;

/**
 * Jobs' statuses and their lines after a seq (at most `limit` each), many jobs in one statement:
 * the reads asked for in one turn of the event loop go together (500 running jobs, each followed,
 * wake their feeds at about the same moments: one round trip for them, not 500). What a
 * statement reads is one snapshot, so a final status means every line of that job is among them
 * or before.
 */
function batchedReader(knex: Knex, limit: number) {
  let pending: Array<{ jobId: string; after: number; resolve: (r: Read) => void; reject: (e: Error) => void }> = [];
  const run = async (reads: typeof pending) => {
    try {
      const { rows } = await knex.raw<{ rows: ReadRow[] }>(
        `SELECT w.i, j.status, l.seq, l.stream, l.level, l.line, l.created_at
           FROM unnest(?::uuid[], ?::int[]) WITH ORDINALITY AS w(id, after, i)
           JOIN provision_jobs j ON j.id = w.id
           LEFT JOIN LATERAL (
             SELECT seq, stream, level, line, created_at FROM provision_job_logs
              WHERE job_id = w.id AND seq > w.after ORDER BY seq LIMIT ?) l ON true
          ORDER BY w.i, l.seq`,
        [reads.map((r) => r.jobId), reads.map((r) => r.after), limit],
      );
      const results: Read[] = reads.map(() => ({ lines: [] }));
      for (const r of rows) {
        const out = results[Number(r.i) - 1]!;
        out.status = r.status;
        if (r.seq !== null) out.lines.push({ seq: r.seq, stream: r.stream, level: r.level, line: r.line, created_at: r.created_at });
      }
      reads.forEach((r, k) => r.resolve(results[k]!));
    } catch (err) {
      reads.forEach((r) => r.reject(err as Error));
    }
  };
  return (jobId: string, after: number): Promise<Read> =>
    new Promise((resolve, reject) => {
      // Not a job id: no such job (one bad id must not fail the statement of the others).
      if (!isUuid(jobId)) return resolve({ lines: [] });
      if (pending.length === 0) {
        setImmediate(() => {
          const reads = pending;
          pending = [];
          for (let k = 0; k < reads.length; k += JOBS_PER_READ) void run(reads.slice(k, k + JOBS_PER_READ));
        });
      }
      pending.push({ jobId, after, resolve, reject });
    });
}

export async function createJobLogFeeds(knex: Knex, hub: NotifyHub, opts: { keepLines?: number; onError?: (err: Error) => void } = {}): Promise<JobLogFeeds> {
  const keepLines = opts.keepLines ?? FEED_KEEP_LINES;
  const feeds = new Map<string, Feed>();
  const readStatusAndLines = batchedReader(knex, PAGE);
  let closed = false;

  const end = (feed: Feed, f: Follower) => {
    f.done = true;
    feed.followers.delete(f);
    f.to.end?.(feed.final!);
    if (feed.followers.size === 0) drop(feed);
  };

  const drop = (feed: Feed) => {
    if (feeds.get(feed.jobId) === feed) feeds.delete(feed.jobId);
    if (feed.retry) clearTimeout(feed.retry);
  };

  const keep = (feed: Feed, lines: StoredLogLine[]) => {
    feed.kept.push(...lines);
    if (feed.kept.length > keepLines) {
      const dropped = feed.kept.splice(0, feed.kept.length - keepLines);
      feed.base = dropped.at(-1)!.seq;
    }
    feed.last = lines.at(-1)!.seq;
  };

  /**
   * The kept lines after `pos` (seqs may have gaps: a batch the database never took), always a
   * new array: the kept one changes as lines come, and a batch handed out must not (renderings
   * are cached by the batch).
   */
  const keptAfter = (feed: Feed, pos: number): StoredLogLine[] => {
    const kept = feed.kept;
    if (kept.length === 0 || pos < kept[0]!.seq) return kept.slice();
    let lo = 0;
    let hi = kept.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (kept[mid]!.seq <= pos) lo = mid + 1;
      else hi = mid;
    }
    return lo === kept.length ? [] : kept.slice(lo);
  };

  /** Reads until caught up; wake-ups that arrive meanwhile make it read once more. */
  const pump = (feed: Feed): void => {
    if (feed.reading) {
      feed.again = true;
      return;
    }
    feed.reading = (async () => {
      do {
        feed.again = false;
        for (;;) {
          if (feeds.get(feed.jobId) !== feed || feed.final) return;
          const { status, lines } = await readStatusAndLines(feed.jobId, feed.last);
          if (lines.length) {
            keep(feed, lines);
            for (const f of feed.followers) {
              if (f.catchingUp || f.done) continue;
              const fresh = f.pos < lines[0]!.seq ? lines : lines.filter((l) => l.seq > f.pos);
              if (fresh.length === 0) continue;
              f.pos = feed.last;
              const busy = f.to.lines(fresh);
              if (busy) {
                // Its consumer has not taken this batch yet: it continues at its own pace, from
                // the kept lines or the table, instead of having batches pile up for it.
                f.catchingUp = true;
                void busy.then(() => catchUp(feed, f), () => catchUp(feed, f));
              }
            }
          }
          if (lines.length === PAGE) continue;
          // The status was read with the lines (one statement, one snapshot): if it was final
          // then, every line was stored.
          if (status && JOB_TERMINAL.includes(status)) {
            feed.final = { status };
            for (const f of [...feed.followers]) if (!f.catchingUp && !f.done) end(feed, f);
            return;
          }
          break;
        }
      } while (feed.again);
    })()
      .catch((err: Error) => {
        // A failed read (database restart, …): again shortly; `last` makes it resume exactly.
        opts.onError?.(err);
        if (!closed && feeds.get(feed.jobId) === feed) feed.retry = setTimeout(() => pump(feed), 1000).unref();
      })
      .finally(() => {
        feed.reading = undefined;
      });
  };

  /**
   * Brings a follower from its own position up to the feed, through the table while it is behind
   * the kept lines, at the pace its consumer takes; then it is given every batch the feed reads.
   */
  const catchUp = async (feed: Feed, f: Follower) => {
    try {
      for (;;) {
        if (f.done) return;
        if (f.pos < feed.base) {
          const lines = await readLogs(knex, feed.jobId, f.pos, PAGE);
          if (f.done) return;
          if (lines.length === 0) {
            f.pos = feed.base; // nothing stored between here and the kept lines
            continue;
          }
          f.pos = lines.at(-1)!.seq;
          await f.to.lines(lines);
          continue;
        }
        const rest = keptAfter(feed, f.pos);
        if (rest.length === 0) break;
        f.pos = rest.at(-1)!.seq;
        await f.to.lines(rest);
      }
      // Caught up, in the same turn as the check above: the feed's next batch includes it.
      f.catchingUp = false;
      if (feed.final) end(feed, f);
    } catch (err) {
      opts.onError?.(err as Error);
      // The table could not be read: this follower starts again shortly from where it is.
      if (!f.done && !closed) setTimeout(() => void catchUp(feed, f), 1000).unref();
    }
  };

  const offs = [
    await hub.subscribe(CHANNEL.jobLogs, (payload) => {
      const feed = feeds.get(payload.slice(0, payload.indexOf(':')));
      if (feed) pump(feed);
    }),
    await hub.subscribe(CHANNEL.jobStatus, (payload) => {
      const ev = parseJobStatusPayload(payload);
      const feed = ev && feeds.get(ev.jobId);
      if (!feed) return;
      if (!JOB_TERMINAL.includes(ev.status as JobStatus)) {
        const event: StatusEvent = { status: ev.status as JobStatus };
        for (const f of feed.followers) if (!f.done) f.to.status?.(event);
      }
      pump(feed);
    }),
    // Notifications may have been missed while the LISTEN connection was down.
    hub.onReconnect(() => feeds.forEach(pump)),
  ];

  return {
    async follow(jobId, afterSeq, to) {
      let feed = feeds.get(jobId);
      let fresh = false;
      if (!feed) {
        // It starts where the table ends (or the follower, if that is earlier): every line after
        // its start is then read by it, whatever a follower asked for.
        const stored = await knex('provision_job_logs').where({ job_id: jobId }).max<{ max: number | null }>('seq as max').first();
        feed = feeds.get(jobId);
        if (!feed) {
          const start = Math.min(afterSeq, stored?.max ?? 0);
          feed = { jobId, base: start, last: start, kept: [], followers: new Set(), again: false };
          feeds.set(jobId, feed);
          fresh = true;
        }
      }
      const f: Follower = { to, pos: afterSeq, catchingUp: true, done: false };
      feed.followers.add(f);
      void catchUp(feed, f);
      // A feed already followed is read on every NOTIFY; a new one reads what is there now.
      if (fresh) pump(feed);
      const joined = feed;
      return () => {
        if (f.done) return;
        f.done = true;
        joined.followers.delete(f);
        if (joined.followers.size === 0) drop(joined);
      };
    },
    get size() {
      return feeds.size;
    },
    close() {
      closed = true;
      offs.forEach((off) => off());
      for (const feed of feeds.values()) drop(feed);
      feeds.clear();
    },
  };
}
