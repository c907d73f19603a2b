#!/usr/bin/env -S npx tsx
/** The Procfile `release` phase: bring the database schema up to date, then exit. */
import { startRuntime } from '../src/main.js';

const { log, db } = await startRuntime('migrate', { migrate: true });
log.info('database is up to date');
await db.close();
