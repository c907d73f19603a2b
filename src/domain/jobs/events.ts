/**
 * Postgres NOTIFY channels between Tendrils and web processes. Payloads are small pointers; the
 * receiver reads the rows (NOTIFY wakes, the tables are the truth).
 */
import type { Knex } from 'knex';

export const CHANNEL = {
  /** `<jobId>:<last seq>` after a batch of log lines was stored. */
  jobLogs: 'vintner_job_logs',
  /** `<jobId>:<vineId|->:<status>` after a job changed status. */
  jobStatus: 'vintner_job_status',
  /** `<vineId>` after a vine or one of its components changed status or outputs. */
  vineStatus: 'vintner_vine_status',
  /** `<jobId>`: the Tendril running it should stop it. */
  cancel: 'vintner_cancel',
} as const;

export async function notify(db: Knex | Knex.Transaction, channel: string, payload: string): Promise<void> {
  await db.raw('SELECT pg_notify(?, ?)', [channel, payload]);
}

export function parseJobStatusPayload(p: string): { jobId: string; vineId: string | null; status: string } | undefined {
  const [jobId, vineId, status] = p.split(':');
  if (!jobId || !status) return undefined;
  return { jobId, vineId: vineId && vineId !== '-' ? vineId : null, status };
}
