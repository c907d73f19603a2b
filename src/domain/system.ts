import type { Knex } from 'knex';

export interface SystemStatus {
  tendrilsOnline: number;
  jobsWaiting: number;
  jobsRunning: number;
}

/** Counts shown on the home page; no user data. */
export async function systemStatus(knex: Knex): Promise<SystemStatus> {
  const [tendrils] = await knex('tendrils').where({ status: 'RUNNING' }).count<{ count: number }[]>('* as count');
  const jobs = await knex('provision_jobs')
    .whereIn('status', ['QUEUED', 'CLAIMED', 'PROCESSING'])
    .select('status')
    .count<{ status: string; count: number }[]>('* as count')
    .groupBy('status');
  const count = (s: string) => jobs.find((j) => j.status === s)?.count ?? 0;
  return {
    tendrilsOnline: tendrils?.count ?? 0,
    jobsWaiting: count('QUEUED'),
    jobsRunning: count('CLAIMED') + count('PROCESSING'),
  };
}
