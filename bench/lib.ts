/** Shared bits of the benchmarks: a database (DATABASE_URL or a throwaway embedded one), stats, output. */
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '../src/db/embedded.js';
import { releaseEmbeddedPostgresSignalHooks } from '../src/db/shutdown-hooks.js';
import { createKnex } from '../src/db/knex.js';
import { migrateLatest } from '../src/db/migrate.js';
import type { Knex } from 'knex';

export interface BenchDb {
  url: string;
  knex: Knex;
  close(): Promise<void>;
}

/** A fresh, migrated database for one benchmark. */
export async function benchDatabase(name: string): Promise<BenchDb> {
  let stopEmbedded: (() => Promise<void>) | undefined;
  let dir: string | undefined;
  let admin = process.env.DATABASE_URL;
  if (!admin) {
    dir = mkdtempSync(join(tmpdir(), 'vintner-bench-'));
    const e = await startEmbeddedPostgres({ dataDir: dir, persistent: false, settings: { fsync: 'off', synchronous_commit: 'off' } });
    releaseEmbeddedPostgresSignalHooks();
    admin = e.url;
    stopEmbedded = () => e.stop();
  }
  const dbName = `bench_${name}_${Date.now()}`;
  const c = new pg.Client({ connectionString: admin });
  await c.connect();
  await c.query(`CREATE DATABASE "${dbName}"`);
  await c.end();
  const u = new URL(admin);
  u.pathname = `/${dbName}`;
  const url = u.toString();
  const knex = createKnex(url, { poolMax: 20 });
  await migrateLatest(knex, url);
  return {
    url,
    knex,
    async close() {
      await knex.destroy();
      const c2 = new pg.Client({ connectionString: admin });
      await c2.connect();
      await c2.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
      await c2.end();
      await stopEmbedded?.();
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

export const median = (v: number[]) => percentile(v, 50);

export function writeResult(name: string, result: Record<string, unknown>): void {
  const dir = new URL('./results/', import.meta.url);
  mkdirSync(dir, { recursive: true });
  const doc = { benchmark: name, measured_at: new Date().toISOString(), node: process.version, cpus: cpus().length, ...result };
  writeFileSync(new URL(`${name}.json`, dir), JSON.stringify(doc, null, 2) + '\n');
  process.stdout.write(`${name}: ${JSON.stringify(result)}\n`);
}
