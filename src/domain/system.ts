import type { Knex } from 'knex';
import { createJobRepository } from './jobs/repository.js';
import { createTendrilRepository } from './tendrils/repository.js';

export interface SystemStatus {
  tendrilsOnline: number;
  jobsWaiting: number;
  jobsRunning: number;
}

/** Counts shown on the home page; no user data. */
export async function systemStatus(knex: Knex): Promise<SystemStatus> {
  const [tendrilsOnline, jobs] = await Promise.all([createTendrilRepository(knex).countRunning(), createJobRepository(knex).counts()]);
  return { tendrilsOnline, jobsWaiting: jobs.waiting, jobsRunning: jobs.running };
}
