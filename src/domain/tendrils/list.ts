/**
 * The Tendrils (workers) for people and Grape: running ones first, then the ones that stopped or
 * died in the last day, with how many jobs each is running now. Workers serve every user, so the
 * list is not scoped to one (it names hosts and versions, never a job of someone else).
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
  running_jobs: number;
  started_at: Date;
  last_seen_at: Date;
  stopped_at: Date | null;
}

export const RECENT_HOURS = 24;

export async function listTendrils(knex: Knex): Promise<TendrilView[]> {
  return knex('tendrils as t')
    .where('t.status', 'RUNNING')
    .orWhere('t.last_seen_at', '>', knex.raw(`now() - interval '${RECENT_HOURS} hours'`))
    .orderByRaw(`t.status = 'RUNNING' DESC, t.name, t.id`)
    .select(
      't.id', 't.name', 't.host', 't.pid', 't.version', 't.terraform_version', 't.concurrency', 't.in_process', 't.status',
      't.started_at', 't.last_seen_at', 't.stopped_at',
      knex.raw(`(SELECT count(*)::int FROM provision_jobs j WHERE j.tendril_id = t.id AND j.status IN ('CLAIMED', 'PROCESSING')) AS running_jobs`),
    );
}
