import type { Knex } from 'knex';
import { ConfigError, type Config } from '../config.js';
import { createKnex } from './knex.js';
import { lockDataDir, startEmbeddedPostgres, type EmbeddedDatabase } from './embedded.js';
import { releaseEmbeddedPostgresSignalHooks } from './shutdown-hooks.js';

export interface Database {
  knex: Knex;
  url: string;
  embedded: boolean;
  close(): Promise<void>;
}

/** Where the database is, without its password: for messages and logs. */
export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || 5432}${u.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}

/** Turns a connection failure into one line a person can act on. */
export function connectionErrorMessage(err: unknown, url: string): string {
  const e = err as { code?: string; message?: string };
  const where = describeUrl(url);
  switch (e.code) {
    case 'ECONNREFUSED':
      return `cannot reach the database at ${where}: connection refused (is PostgreSQL running there?)`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot reach the database at ${where}: unknown host`;
    case 'ETIMEDOUT':
      return `cannot reach the database at ${where}: connection timed out`;
    case '28P01':
    case '28000':
      return `the database at ${where} refused the user name or password in DATABASE_URL`;
    case '3D000':
      return `the database at ${where} does not exist (create it, or fix DATABASE_URL)`;
    default:
      return `cannot use the database at ${where}: ${(e.message ?? String(err)).split('\n')[0]}`;
  }
}

export async function checkConnection(knex: Knex, url: string): Promise<void> {
  try {
    await knex.raw('SELECT 1');
  } catch (err) {
    throw new ConfigError(connectionErrorMessage(err, url));
  }
}

/**
 * Opens the database the configuration names: DATABASE_URL when set, otherwise the embedded
 * PostgreSQL under the data directory (locked so a second process in the same folder is refused).
 */
export async function openDatabase(
  config: Pick<Config, 'databaseUrl' | 'dataDir'>,
  opts: { poolMax?: number; applicationName?: string; log?: (line: string) => void } = {},
): Promise<Database> {
  let embedded: EmbeddedDatabase | undefined;
  let unlock: (() => void) | undefined;
  let url = config.databaseUrl;
  if (url === undefined) {
    unlock = lockDataDir(config.dataDir);
    try {
      embedded = await startEmbeddedPostgres({ dataDir: config.dataDir, log: opts.log });
      releaseEmbeddedPostgresSignalHooks();
    } catch (err) {
      unlock();
      throw err;
    }
    url = embedded.url;
  }
  const knex = createKnex(url, { poolMax: opts.poolMax, applicationName: opts.applicationName });
  const close = async () => {
    await knex.destroy().catch(() => {});
    await embedded?.stop();
    unlock?.();
  };
  try {
    await checkConnection(knex, url);
  } catch (err) {
    await close();
    throw err;
  }
  return { knex, url, embedded: embedded !== undefined, close };
}
