/**
 * The Tendrils page: every registered Tendril with its heartbeat and the jobs it is running now.
 * Tendrils are shared infrastructure, so only counts of jobs are shown here, never whose jobs.
 */
import type { Knex } from 'knex';

export interface TendrilView {
  id: string;
  name: string;
  host: string;
  pid: number;
  version: string;
  terraform_version: string | null;
  concurrency: number;
  in_process: boolean;
  status: 'RUNNING' | 'STOPPED' | 'DEAD';
  started_at: Date;
  last_seen_at: Date;
  stopped_at: Date | null;
  running_jobs: number;
  /** Seconds since the last heartbeat, measured by the database clock. */
  heartbeat_age_seconds: number;
}

/** Running Tendrils first, then the most recently seen; stopped ones age out after a day. */
export async function listTendrils(knex: Knex, opts: { keepStoppedHours?: number } = {}): Promise<TendrilView[]> {
  const hours = opts.keepStoppedHours ?? 24;
  const rows = await knex('tendrils as t')
    .leftJoin('provision_jobs as j', (on) => on.on('j.tendril_id', 't.id').onIn('j.status', ['CLAIMED', 'PROCESSING']))
    .where((q) => q.where('t.status', 'RUNNING').orWhere('t.last_seen_at', '>', knex.raw('now() - make_interval(hours => ?)', [hours])))
    .groupBy('t.id')
    .orderByRaw("t.status = 'RUNNING' desc, t.last_seen_at desc")
    .select(
      't.id', 't.name', 't.host', 't.pid', 't.version', 't.terraform_version', 't.concurrency', 't.in_process', 't.status', 't.started_at', 't.last_seen_at', 't.stopped_at',
      knex.raw('count(j.id)::int as running_jobs'),
      knex.raw('extract(epoch from now() - t.last_seen_at)::float8 as heartbeat_age_seconds'),
    );
  return rows as TendrilView[];
}
