import type { Knex } from 'knex';
import type { StoredLogLine } from './log-writer.js';

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
