#!/usr/bin/env -S npx tsx
/** Trellis: the web control plane (pages + JSON API), with an in-process Tendril by default. */
import { buildApp } from '../src/app.js';
import { fail, startRuntime } from '../src/main.js';
import { installShutdown } from '../src/shutdown.js';
import { createNotifyHub } from '../src/db/notify.js';
import { startTendril, TerraformMissingError, type Tendril } from '../src/tendril/index.js';
import { startReaper } from '../src/domain/tendrils/reaper.js';
import { leaseTiming } from '../src/domain/jobs/lease.js';

const { config, log, db } = await startRuntime('trellis', { migrate: true });
const hub = createNotifyHub(db.url, (m) => log.warn(m));
const app = await buildApp({ config, knex: db.knex, logger: log, databaseUrl: db.url, databaseKind: db.embedded ? 'embedded' : 'external', hub });

let tendril: Tendril | undefined;
if (config.tendrilInProcess) {
  try {
    tendril = await startTendril({ config, knex: db.knex, databaseUrl: db.url, log, inProcess: true, hub });
  } catch (err) {
    await app.close();
    await db.close();
    fail(err instanceof TerraformMissingError ? err.message : (err as Error).message.split('\n')[0]!);
  }
}

// Dead Tendrils are reaped by Trellis too: remote Tendrils cannot reach the database to do it,
// and there may be no in-house Tendril at all (TENDRIL_IN_PROCESS=false, only pools).
const reaper = startReaper(db.knex, leaseTiming({ heartbeatSeconds: config.tendrilHeartbeatSeconds, deadAfterSeconds: config.tendrilDeadAfterSeconds, killGraceSeconds: config.terraformKillGraceSeconds }), log);

installShutdown(log, [
  ['reaper', async () => reaper.stop()],
  ['web server', () => app.close()],
  ['tendril', async () => tendril?.stop()],
  ['listen', () => hub.close()],
  ['database', () => db.close()],
]);

try {
  await app.listen({ port: config.port, host: config.host });
} catch (err) {
  await db.close();
  const e = err as NodeJS.ErrnoException;
  fail(e.code === 'EADDRINUSE' ? `port ${config.port} on ${config.host} is already in use (set PORT to another one)` : e.message);
}
const addr = app.server.address();
const port = typeof addr === 'object' && addr ? addr.port : config.port;
const shownHost = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
process.stdout.write(`\n  Vintner is running at http://${shownHost}:${port}/\n\n`);
