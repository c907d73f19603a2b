#!/usr/bin/env -S npx tsx
/**
 * A Tendril alone (the Procfile `worker`): run as many as needed. On Vintner's database
 * (DATABASE_URL), or — with TRELLIS_URL and TENDRIL_TOKEN instead — a remote Tendril of a pool,
 * which reaches Trellis by HTTPS only and never sees a database URL.
 */
import { ConfigError, loadRemoteTendrilConfig, tendrilMode } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { fail } from '../src/main.js';
import { installShutdown } from '../src/shutdown.js';

let mode: 'database' | 'remote';
try {
  mode = tendrilMode();
} catch (err) {
  if (err instanceof ConfigError) fail(err.message);
  throw err;
}

if (mode === 'remote') {
  const { startRemoteTendril, RemoteStartError } = await import('../src/tendril/remote.js');
  const { VERSION, TerraformMissingError } = await import('../src/tendril/index.js');
  let config;
  try {
    config = loadRemoteTendrilConfig();
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message);
    throw err;
  }
  // Nothing of Vintner's database for a Tendril in someone else's account, not even by accident.
  delete process.env.DATABASE_URL;
  const log = createLogger(config, 'tendril');
  let tendril;
  try {
    tendril = await startRemoteTendril({ config, log, version: VERSION });
  } catch (err) {
    if (err instanceof TerraformMissingError || err instanceof RemoteStartError) fail(err.message);
    fail((err as Error).message.split('\n')[0]!);
  }
  const t = tendril;
  installShutdown(log, [['tendril', () => t.stop()]], 60_000);
  process.stdout.write(`Tendril ${t.name} is running (${config.tendrilConcurrency} at a time), remote: ${config.trellisUrl}\n`);
} else {
  const { startRuntime } = await import('../src/main.js');
  const { startTendril, TerraformMissingError } = await import('../src/tendril/index.js');
  // Workers never migrate (that is the release phase's job) unless they own the embedded database.
  const { config, log, db } = await startRuntime('tendril', { migrate: process.env.DATABASE_URL === undefined });
  let tendril;
  try {
    tendril = await startTendril({ config, knex: db.knex, databaseUrl: db.url, log, inProcess: false });
  } catch (err) {
    await db.close();
    if (err instanceof TerraformMissingError) fail(err.message);
    const e = err as { code?: string; message?: string };
    fail(e.code === '42P01' ? 'the database is not migrated: run the release phase (npx tsx bin/migrate.ts) first' : (e.message ?? String(err)).split('\n')[0]!);
  }
  const t = tendril;
  installShutdown(log, [
    ['tendril', () => t.stop()],
    ['database', () => db.close()],
  ]);
  process.stdout.write(`Tendril ${t.name} is running (${config.tendrilConcurrency} at a time)\n`);
}
