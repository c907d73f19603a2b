import { readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { Logger, runMigrations as runWorkerMigrations } from 'graphile-worker';
import type { Knex } from 'knex';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url));

interface MigrationModule {
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

/**
 * Migrations are the `.ts` files of migrations/, imported as modules (the process runs under tsx),
 * in name order. Knex records their names in `knex_migrations` as usual.
 */
export const migrationSource: Knex.MigrationSource<string> = {
  async getMigrations() {
    return migrationNames();
  },
  getMigrationName: (name) => name,
  async getMigration(name) {
    return (await import(pathToFileURL(join(MIGRATIONS_DIR, name)).href)) as MigrationModule;
  },
};

export function migrationNames(): string[] {
  return readdirSync(MIGRATIONS_DIR)
    .filter((f) => /^\d{14}_[a-z0-9_]+\.ts$/.test(f))
    .sort();
}

/** Brings the database up to date: Vintner's schema, then graphile-worker's own. */
export async function migrateLatest(knex: Knex, databaseUrl: string): Promise<string[]> {
  const [, applied] = (await knex.migrate.latest({ migrationSource })) as [number, string[]];
  await runWorkerMigrations({ connectionString: databaseUrl, logger: silentWorkerLogger });
  return applied;
}

export async function migrateRollbackAll(knex: Knex): Promise<void> {
  await knex.migrate.rollback({ migrationSource }, true);
}

export const silentWorkerLogger = new Logger(() => () => {});
