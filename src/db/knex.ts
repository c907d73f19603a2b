import knexFactory, { type Knex } from 'knex';
import pg from 'pg';

// int8 (COUNT(*), bigserial) as JS numbers: every count and sequence here stays far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

export type { Knex };

const noop = () => {};

export interface KnexOptions {
  poolMin?: number;
  poolMax?: number;
  applicationName?: string;
}

export function createKnex(url: string, opts: KnexOptions = {}): Knex {
  return knexFactory({
    client: 'pg',
    connection: { connectionString: url, application_name: opts.applicationName ?? 'vintner' },
    pool: { min: opts.poolMin ?? 0, max: opts.poolMax ?? 10 },
    acquireConnectionTimeout: 10_000,
    // Knex would print pool errors straight to the console; they reach callers as rejections.
    log: { warn: noop, error: noop, deprecate: noop, debug: noop },
  });
}
