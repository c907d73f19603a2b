/**
 * `tendrils`: one row per Tendril process. The one owner of the table: registration, heartbeats,
 * and every status change (`transition`, guarded by the Tendril lifecycle, NOTIFY in the same
 * statement).
 */
import type { Knex } from 'knex';
import { transitionRows, type StatusTable } from '../lifecycle.js';
import { CHANNEL } from '../jobs/events.js';
import { createJobRepository } from '../jobs/repository.js';
import { tendrilLifecycle, TendrilStatus } from './status.js';
import type { Tendril } from './schema.js';

type Db = Knex | Knex.Transaction;

const TABLE: StatusTable<TendrilStatus> = {
  table: 'tendrils',
  lifecycle: tendrilLifecycle,
  channel: CHANNEL.tendrils,
  payload: `c.id || ':' || c.status`,
  returning: ['id', 'name', 'status', 'worker_ids'],
};

export interface NewTendril {
  name: string;
  host: string;
  pid: number;
  version: string;
  terraform_version: string;
  concurrency: number;
  in_process: boolean;
}

export function createTendrilRepository(knex: Knex) {
  const jobs = createJobRepository(knex);
  return {
    async register(row: NewTendril, db: Db = knex): Promise<{ id: string; name: string }> {
      const [created] = await db('tendrils').insert(row).returning(['id', 'name']);
      return created as { id: string; name: string };
    },

    async setWorkerIds(id: string, workerIds: string[], db: Db = knex): Promise<void> {
      await db('tendrils').where({ id }).update({ worker_ids: workerIds });
    },

    /** A heartbeat: last seen now. A Tendril that peers declared DEAD comes back RUNNING. Answers its status before. */
    async heartbeat(id: string, db: Db = knex): Promise<TendrilStatus | undefined> {
      const [row] = await db('tendrils').where({ id }).update({ last_seen_at: db.fn.now() }).returning(['status']);
      const status = row?.status as TendrilStatus | undefined;
      if (status === TendrilStatus.DEAD) await transitionRows(db, TABLE, { id }, TendrilStatus.RUNNING, { stopped_at: null });
      return status;
    },

    /**
     * Every heartbeat ticks the shared clock. A tick finding the last one older than `gapSeconds`
     * means no Tendril reached the database meanwhile — an outage, not deaths — and records its
     * end: leases and heartbeats count from then (see domain/jobs/lease.ts).
     */
    async tick(gapSeconds: number, db: Db = knex): Promise<void> {
      await db('tendril_clock')
        .where({ id: 1 })
        .update({
          outage_ended_at: db.raw('CASE WHEN last_tick_at < now() - make_interval(secs => ?) THEN now() ELSE outage_ended_at END', [gapSeconds]),
          last_tick_at: db.fn.now(),
        });
    },

    /**
     * Tendrils RUNNING whose last heartbeat is older than `seconds`, counting no outage (every
     * Tendril silent at once): a query condition for `transition`.
     */
    silentFor(seconds: number, db: Db = knex) {
      return (q: Knex.QueryBuilder) =>
        q
          .andWhere('last_seen_at', '<', db.raw('now() - make_interval(secs => ?)', [seconds]))
          .andWhereRaw('(SELECT outage_ended_at FROM tendril_clock WHERE id = 1) < now() - make_interval(secs => ?)', [seconds]);
    },

    /** RUNNING → STOPPED or DEAD (guarded), stamped; answers the Tendrils that moved. */
    transition(match: Record<string, unknown>, to: TendrilStatus, db: Db = knex, where?: (q: Knex.QueryBuilder) => void): Promise<Array<{ id: string; name: string; status: TendrilStatus; worker_ids: string[] }>> {
      return transitionRows(db, TABLE, match, to, to === TendrilStatus.RUNNING ? { stopped_at: null } : { stopped_at: db.fn.now() }, where ? { where } : {});
    },

    /**
     * A deleted pool's Tendrils go with it (their tokens went already): kept, in no pool, they
     * would read as Vintner's own — their names, hosts and locations shown to every user. The jobs
     * they ran keep their history, without the Tendril.
     */
    async forgetPool(poolId: string, db: Db = knex): Promise<number> {
      return db('tendrils').where({ pool_id: poolId }).delete();
    },

    countRunning: async (db: Db = knex): Promise<number> =>
      Number((await db('tendrils').where({ status: TendrilStatus.RUNNING }).count<{ count: string }[]>('* as count'))[0]?.count ?? 0),

    /**
     * Running Tendrils first, then the most recently seen; stopped ones age out after
     * `keepStoppedHours`. Vintner's own Tendrils, and of the pools' only `userId`'s: a pool's
     * Tendrils are its owner's business.
     */
    async list(opts: { keepStoppedHours?: number; userId?: string } = {}, db: Db = knex): Promise<Tendril[]> {
      const hours = opts.keepStoppedHours ?? 24;
      const [rows, running] = await Promise.all([
        db('tendrils as t')
          .leftJoin('tendril_pools as p', 'p.id', 't.pool_id')
          .where((q) => q.where('t.status', TendrilStatus.RUNNING).orWhere('t.last_seen_at', '>', db.raw('now() - make_interval(hours => ?)', [hours])))
          .where((q) => (opts.userId ? q.whereNull('t.pool_id').orWhere('p.user_id', opts.userId) : q.whereNull('t.pool_id')))
          .orderByRaw("t.status = 'RUNNING' desc, t.last_seen_at desc")
          .select(
            't.id', 't.name', 't.host', 't.pid', 't.version', 't.terraform_version', 't.concurrency', 't.in_process', 't.status', 't.started_at', 't.last_seen_at', 't.stopped_at',
            't.pool_id', 'p.name as pool_name', 't.location',
            db.raw('extract(epoch from now() - t.last_seen_at)::float8 as heartbeat_age_seconds'),
          ),
        jobs.runningByTendril(db),
      ]);
      return (rows as Array<Omit<Tendril, 'running_jobs'>>).map((t) => ({ ...t, running_jobs: running.get(t.id) ?? 0 }));
    },
  };
}

export type TendrilRepository = ReturnType<typeof createTendrilRepository>;
