/**
 * Shared start-up for the entry points: configuration, logger and database, with every failure
 * reduced to one line on stderr and a non-zero exit code.
 */
import { ConfigError, loadConfig, type Config } from './config.js';
import { createLogger, type Logger } from './logger.js';
import { openDatabase, type Database } from './db/index.js';
import { migrateLatest } from './db/migrate.js';

export interface Runtime {
  config: Config;
  log: Logger;
  db: Database;
}

export function fail(message: string, code = 1): never {
  process.stderr.write(`vintner: ${message}\n`);
  process.exit(code);
}

/** Loads config and opens (and optionally migrates) the database, or exits with one clear line. */
export async function startRuntime(name: string, opts: { migrate: boolean }): Promise<Runtime> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message);
    throw err;
  }
  const log = createLogger(config, name);
  let db: Database;
  try {
    db = await openDatabase(config, {
      applicationName: `vintner-${name}`,
      log: (line) => log.debug({ embeddedPostgres: true }, line),
    });
    if (db.embedded) log.info('embedded PostgreSQL started (data in %s)', config.dataDir);
    if (opts.migrate) {
      const applied = await migrateLatest(db.knex, db.url).catch(async (err: Error) => {
        await db.close();
        throw new ConfigError(`database migration failed: ${err.message.split('\n')[0]}`);
      });
      if (applied.length) log.info('applied migrations: %s', applied.join(', '));
    }
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message);
    fail(err instanceof Error ? err.message.split('\n')[0]! : String(err));
  }
  return { config, log, db };
}
