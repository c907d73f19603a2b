/**
 * A vine's (or an identity's) jobs one page at a time, newest first, for the API. Keyset paging on
 * (created_at, id): the cursor holds the last row's exact timestamp (as Postgres prints it, to the
 * microsecond; a JS Date would round it and skip rows), so pages never repeat or skip a job.
 * The caller has checked that the vine or identity is the user's (the services answer 404 otherwise).
 */
import type { Knex } from 'knex';
import { JOB_COLUMNS, type JobRow } from './service.js';

export interface JobPageRequest {
  limit: number;
  /** The last row of the previous page. */
  after?: { createdAt: string; id: string } | undefined;
}

export async function listJobsPage(knex: Knex, of: { vineId: string } | { identityId: string }, page: JobPageRequest): Promise<{ jobs: JobRow[]; last?: { createdAt: string; id: string } | undefined; more: boolean }> {
  const q = knex('provision_jobs')
    .where('vineId' in of ? { 'provision_jobs.vine_id': of.vineId } : { 'provision_jobs.identity_id': of.identityId })
    .orderBy([{ column: 'provision_jobs.created_at', order: 'desc' }, { column: 'provision_jobs.id', order: 'desc' }])
    .limit(page.limit + 1)
    .select([...JOB_COLUMNS, knex.raw('provision_jobs.created_at::text AS cursor_at')]);
  if (page.after) q.whereRaw('(provision_jobs.created_at, provision_jobs.id) < (?::timestamptz, ?::uuid)', [page.after.createdAt, page.after.id]);
  const rows = (await q) as Array<JobRow & { cursor_at: string }>;
  const more = rows.length > page.limit;
  const kept = rows.slice(0, page.limit);
  const tail = kept[kept.length - 1];
  return {
    jobs: kept.map(({ cursor_at: _c, ...job }) => job as JobRow),
    last: tail ? { createdAt: tail.cursor_at, id: tail.id } : undefined,
    more,
  };
}
