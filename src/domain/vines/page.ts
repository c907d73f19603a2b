/**
 * Everything the vine page shows, in one statement and one round trip: the vine (if it is the
 * user's), its components, its newest jobs, the newest job's context and — while that job is open
 * — the tail of its log. The page is read afresh on every visit while a job runs (issue 14): four
 * round trips, each planned anew, cost more database time than the whole render did.
 *
 * The statement is prepared (named) once per pooled connection, so Postgres plans it once; its
 * parts are each owning module's own SQL (the vine's select, the component tables' summary
 * union, the job context), so what a page shows is defined once. Each part comes back as one JSON
 * value, which JSON.parse reads faster than the driver reads rows column by column.
 */
import type { Knex } from 'knex';
import { componentSummariesSql } from '../components/repository.js';
import { KIND_NAMES, type KindName } from '../components/catalogue.js';
import { JOB_CONTEXT_SQL, toJobContextView, type ContextRow, type JobContextView } from '../jobs/job-context.js';
import { JOB_COLUMNS, type JobRecord } from '../jobs/repository.js';
import { JOB_OPEN } from '../jobs/status.js';
import type { StoredLogLine } from '../jobs/log-writer.js';
import { isUuid } from '../validation.js';
import { VINE_SELECT_SQL, type VineRecord } from './repository.js';
import type { Component } from './schema.js';

/** A component as a page shows it: its status and outputs (not its settings). */
export type ComponentSummary = Pick<Component, 'id' | 'kind' | 'name' | 'status' | 'outputs' | 'error' | 'removed_at'>;

/** A line of the open job's log as the page shows it (not when it was stored). */
export type LogLine = Omit<StoredLogLine, 'created_at'>;

export interface VinePageData {
  vine: VineRecord;
  /** In catalogue order, then by name. */
  components: ComponentSummary[];
  /** Newest first. */
  jobs: JobRecord[];
  /** The newest job's context, and its log's last lines while it is open (null when it is not). */
  newest: { context: JobContextView; tail: LogLine[] | null } | null;
  /**
   * A digest of the vine's row, its components' ids and row versions, and its jobs: it changes
   * whenever anything the page shows of them does (the page's live stream compares it).
   */
  stamp: string;
}

const list = (values: readonly string[]) => values.map((v) => `'${v}'`).join(', ');

// Bindings in order: vine id, user id, how many jobs, how many lines of the open job's log.
// No row at all when the vine is not the user's (the cross join of the one-row parts is empty).
export const VINE_PAGE_SQL = `WITH v AS (${VINE_SELECT_SQL} WHERE v.id = ? AND vy.user_id = ?),
  j AS (SELECT ${JOB_COLUMNS.map((c) => `j.${c}`).join(', ')} FROM provision_jobs j WHERE j.vine_id = (SELECT id FROM v) ORDER BY j.created_at DESC, j.id DESC LIMIT ?),
  newest AS (SELECT id, status FROM j ORDER BY created_at DESC, id DESC LIMIT 1),
  vine AS (SELECT row_to_json(v) AS row FROM v),
  jobs AS (SELECT json_agg(j ORDER BY j.created_at DESC, j.id DESC) AS list FROM j),
  components AS (
    SELECT json_agg(c ORDER BY c.ord, c.name) AS list,
      -- what the stamp covers of a component: which ones there are, and each one's row version
      string_agg(c.id || ':' || c.version, ',' ORDER BY c.ord, c.name) AS state
    FROM (${componentSummariesSql('(SELECT id FROM v)')}) c)
SELECT vine.row AS vine, components.list AS components, jobs.list AS jobs,
  (SELECT row_to_json(x) FROM (${JOB_CONTEXT_SQL} WHERE j.id = (SELECT id FROM newest)) x) AS context,
  (SELECT json_agg(json_build_array(l.seq, l.stream, l.level, l.line) ORDER BY l.seq) FROM (
    SELECT seq, stream, level, line FROM provision_job_logs
    WHERE job_id = (SELECT id FROM newest WHERE status IN (${list(JOB_OPEN)})) ORDER BY seq DESC LIMIT ?) l) AS tail,
  (SELECT status IN (${list(JOB_OPEN)}) FROM newest) AS newest_open,
  left(md5(concat_ws('|', vine.row::text, components.state, jobs.list::text)), 16) AS stamp
FROM vine, jobs, components`;

interface Row {
  vine: (Omit<VineRecord, 'created_at' | 'updated_at'> & { created_at: string; updated_at: string }) | null;
  components: Array<{ ord: number; id: string; name: string; status: ComponentSummary['status']; outputs: Record<string, unknown> | null; error: string | null; removed_at: string | null }> | null;
  jobs: Array<Record<string, unknown>> | null;
  context: ContextRow | null;
  tail: Array<[number, LogLine['stream'], LogLine['level'], string]> | null;
  newest_open: boolean | null;
  stamp: string;
}

const date = (s: string) => new Date(s);
const nullableDate = (s: string | null) => (s === null ? null : new Date(s));
const JOB_DATES = ['queued_at', 'claimed_at', 'processing_at', 'finished_at', 'cancel_requested_at', 'created_at', 'updated_at'] as const satisfies ReadonlyArray<keyof JobRecord>;

/** The vine page's data, or undefined when the vine is not the user's (or does not exist). */
export async function readVinePage(knex: Knex, userId: string, vineId: string, opts: { jobs: number; logTail: number }): Promise<VinePageData | undefined> {
  if (!isUuid(vineId) || !isUuid(userId)) return undefined;
  const { rows } = await knex.raw(VINE_PAGE_SQL, [vineId, userId, opts.jobs, opts.logTail]).options({ name: 'vintner_vine_page' });
  const r = (rows as Row[])[0];
  if (!r?.vine) return undefined;
  const jobs = (r.jobs ?? []).map((j) => {
    for (const k of JOB_DATES) if (j[k] !== null) j[k] = new Date(j[k] as string);
    return j as unknown as JobRecord;
  });
  return {
    vine: { ...r.vine, created_at: date(r.vine.created_at), updated_at: date(r.vine.updated_at) },
    components: (r.components ?? []).map((c) => ({
      id: c.id,
      kind: KIND_NAMES[c.ord] as KindName,
      name: c.name,
      status: c.status,
      outputs: c.outputs ?? {},
      error: c.error,
      removed_at: nullableDate(c.removed_at),
    })),
    jobs,
    stamp: r.stamp,
    newest: jobs.length ? { context: toJobContextView(r.context), tail: r.newest_open ? (r.tail ?? []).map(([seq, stream, level, line]) => ({ seq, stream, level, line })) : null } : null,
  };
}
