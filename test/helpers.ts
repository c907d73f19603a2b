/**
 * Test harness: every test file gets its own database, cloned from a migrated template database
 * (CREATE DATABASE … TEMPLATE: milliseconds, instead of re-running migrations).
 *
 * `npm test` (scripts/test.ts) provides DATABASE_URL — the server named by the user's own
 * DATABASE_URL, or an embedded PostgreSQL it starts — and builds the template once.
 */
import { randomBytes } from 'node:crypto';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Test } from 'tap';
import pg from 'pg';
import type { FastifyInstance } from 'fastify';
import type { Knex } from 'knex';
import { createKnex } from '../src/db/knex.js';
import { MIGRATIONS_DIR, migrateLatest, migrationNames } from '../src/db/migrate.js';
import { loadConfig, type Config } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { buildApp } from '../src/app.js';

export function adminUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) {
    throw new Error('DATABASE_URL is not set: run the tests with `npm test`, which starts a database for them');
  }
  return url;
}

export function urlForDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** The template's name changes whenever a migration file does, so a stale template is never used. */
export function templateName(): string {
  const h = createHash('sha256');
  for (const name of migrationNames()) h.update(name).update(readFileSync(join(MIGRATIONS_DIR, name)));
  return `vintner_template_${h.digest('hex').slice(0, 12)}`;
}

async function withAdmin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl() });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Creates the migrated template database once (concurrent callers wait on an advisory lock). */
export async function ensureTemplate(): Promise<string> {
  const name = templateName();
  await withAdmin(async (c) => {
    await c.query('SELECT pg_advisory_lock(4242)');
    try {
      const { rowCount } = await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (rowCount) return;
      await c.query(`CREATE DATABASE "${name}"`);
      const url = urlForDatabase(adminUrl(), name);
      const knex = createKnex(url);
      try {
        await migrateLatest(knex, url);
      } catch (err) {
        await knex.destroy();
        await c.query(`DROP DATABASE IF EXISTS "${name}"`);
        throw err;
      } finally {
        await knex.destroy();
      }
    } finally {
      await c.query('SELECT pg_advisory_unlock(4242)');
    }
  });
  return name;
}

export interface TestDatabase {
  name: string;
  url: string;
  knex: Knex;
}

/** A fresh, migrated database for this test, dropped when the test ends. */
export async function freshDatabase(t: Test, opts: { migrated?: boolean } = {}): Promise<TestDatabase> {
  const name = `t_${randomBytes(6).toString('hex')}`;
  if (opts.migrated === false) {
    await withAdmin((c) => c.query(`CREATE DATABASE "${name}"`));
  } else {
    const template = await ensureTemplate();
    await withAdmin((c) => c.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`));
  }
  const url = urlForDatabase(adminUrl(), name);
  const knex = createKnex(url, { poolMax: 5 });
  t.teardown(async () => {
    await knex.destroy();
    await withAdmin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
  });
  return { name, url, knex };
}

/** A configuration for tests: quiet logs, secrets from a throwaway directory, the test database. */
export function testConfig(t: Test, db: TestDatabase, env: Record<string, string> = {}): Config {
  const dir = t.testdir({});
  return loadConfig({ DATABASE_URL: db.url, LOG_LEVEL: 'silent', LOG_FORMAT: 'json', VINTNER_DATA_DIR: dir, ...env }, dir);
}

export interface TestApp {
  app: FastifyInstance;
  db: TestDatabase;
  config: Config;
}

/** The Fastify app on a fresh database, for `app.inject`; closed when the test ends. */
export async function buildTestApp(t: Test, env: Record<string, string> = {}): Promise<TestApp> {
  const db = await freshDatabase(t);
  const config = testConfig(t, db, env);
  const app = await buildApp({ config, knex: db.knex, databaseUrl: db.url, logger: createLogger(config, 'test') });
  t.teardown(() => app.close());
  return { app, db, config };
}

/** Polls until `fn` holds (a NOTIFY crossing processes, a job finishing); throws after `timeoutMs`. */
export async function eventually(what: string, fn: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
