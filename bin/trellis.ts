#!/usr/bin/env -S npx tsx
/** Trellis: the web control plane (pages + JSON API), with an in-process Tendril by default. */
import { buildApp } from '../src/app.js';
import { fail, startRuntime } from '../src/main.js';
import { installShutdown } from '../src/shutdown.js';

const { config, log, db } = await startRuntime('trellis', { migrate: true });
const app = await buildApp({ config, knex: db.knex, logger: log, databaseKind: db.embedded ? 'embedded' : 'external' });

installShutdown(log, [
  ['web server', () => app.close()],
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
