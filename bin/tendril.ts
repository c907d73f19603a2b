#!/usr/bin/env -S npx tsx
/** A Tendril alone (the Procfile `worker`): run as many as needed, against one PostgreSQL. */
import { fail, startRuntime } from '../src/main.js';
import { installShutdown } from '../src/shutdown.js';
import { startTendril, TerraformMissingError } from '../src/tendril/index.js';

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
