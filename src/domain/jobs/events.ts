/**
 * Postgres NOTIFY channels between Tendrils and web processes. Payloads are small pointers; the
 * receiver reads the rows (NOTIFY wakes, the tables are the truth).
 */
import type { Knex } from 'knex';
import type { NotifyHub } from '../../db/notify.js';

export const CHANNEL = {
  /** `<jobId>:<last seq>` after a batch of log lines was stored. */
  jobLogs: 'vintner_job_logs',
  /** `<jobId>:<vineId|->:<status>` after a job changed status. */
  jobStatus: 'vintner_job_status',
  /** `<vineId>` after a vine or one of its components changed status or outputs. */
  vineStatus: 'vintner_vine_status',
  /** `<jobId>`: the Tendril running it should stop it. */
  cancel: 'vintner_cancel',
  /** `<tendrilId>:<status>` after a Tendril started, stopped or was declared dead. */
  tendrils: 'vintner_tendrils',
} as const;

export async function notify(db: Knex | Knex.Transaction, channel: string, payload: string): Promise<void> {
  await db.raw('SELECT pg_notify(?, ?)', [channel, payload]);
}

export function parseJobStatusPayload(p: string): { jobId: string; vineId: string | null; status: string } | undefined {
  const [jobId, vineId, status] = p.split(':');
  if (!jobId || !status) return undefined;
  return { jobId, vineId: vineId && vineId !== '-' ? vineId : null, status };
}

/**
 * Calls `fn` with a vine's id whenever the vine, one of its components or one of its jobs changed
 * (`vintner_vine_status` and `vintner_job_status`). Returns the unsubscribe.
 */
export async function onVineChange(hub: Pick<NotifyHub, 'subscribe'>, fn: (vineId: string) => void): Promise<() => void> {
  const offs = await Promise.all([
    hub.subscribe(CHANNEL.vineStatus, (vineId) => {
      if (vineId) fn(vineId);
    }),
    hub.subscribe(CHANNEL.jobStatus, (p) => {
      const vineId = parseJobStatusPayload(p)?.vineId;
      if (vineId) fn(vineId);
    }),
  ]);
  return () => offs.forEach((off) => off());
}
