/** Cron backstop of the heartbeat loop's own check: fail the jobs of Tendrils that went silent. */
import type { Task } from 'graphile-worker';
import type { Knex } from 'knex';
import { reapDeadTendrils } from '../domain/tendrils/reaper.js';

export const identifier = 'reap_tendrils';
export default (knex: Knex, deadAfterSeconds: number): Task =>
  async (_payload, helpers) => {
    const reaped = await reapDeadTendrils(knex, deadAfterSeconds);
    for (const t of reaped) helpers.logger.warn(`Tendril ${t.name} declared dead; failed jobs: ${t.jobs.join(', ') || 'none'}`);
  };
