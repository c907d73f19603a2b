/**
 * Rendered vine pages, remembered between visits: a vine of 50 components costs a dozen reads and
 * ~5 ms of rendering, and teams leave the page open and reload it. An entry is the whole page of
 * one vine as its owner sees it, with a placeholder where each request's CSRF token goes.
 *
 * What keeps it true (the same rules as the API's vine cache, src/routes/api/vine-cache.ts):
 * - a change to a vine, its components or its jobs NOTIFYs `vintner_vine_status` or
 *   `vintner_job_status` (Tendrils, the reaper, the services), which evicts that vine here;
 * - any successful write through this process (a form, an htmx action, an API call) clears the
 *   cache before its answer leaves, and NOTIFYs `PAGES_CHANNEL` so every other Trellis process
 *   clears too: a renamed vineyard or identity shows its new name on the next visit everywhere;
 * - a read that began before an eviction is not kept (the epoch); a lost LISTEN connection
 *   clears everything; an entry lives `PAGE_CACHE_MS` (config) at most, which also bounds how stale the
 *   "… ago" times on the page may be;
 * - pages of a vine with a job open are never kept (they carry the live log tail), nor pages
 *   with a flash message or an action's refusal;
 * - at most 500 pages are kept (≈ 27 MB at 54 kB, the size of a 50-component vine's page).
 */
import fp from 'fastify-plugin';
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { createEpochCache, type EpochCache } from '../../domain/cache.js';
import { onVineChange } from '../../domain/jobs/events.js';

export const PAGES_CHANNEL = 'vintner_pages_changed';

export interface CachedPage {
  userId: string;
  /** The page split at the CSRF placeholder: joined with the request's token. */
  parts: Buffer[];
}

export interface PageCache extends EpochCache<CachedPage> {
  /** Put where the CSRF token goes when rendering a page to keep. */
  readonly csrfSlot: string;
}

declare module 'fastify' {
  interface FastifyInstance {
    pageCache: PageCache;
  }
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export default fp(async function pageCache(app: FastifyInstance) {
  const cache: PageCache = Object.assign(createEpochCache<CachedPage>({ ttlMs: app.deps.config.pageCacheMs, max: 500 }), {
    csrfSlot: `csrf-slot-${randomBytes(12).toString('hex')}`,
  });
  app.decorate('pageCache', cache);

  const offs = await Promise.all([
    onVineChange(app.hub, (vineId) => cache.evict(vineId)),
    app.hub.subscribe(PAGES_CHANNEL, () => cache.clear()),
  ]);
  offs.push(app.hub.onReconnect(() => cache.clear()));
  app.addHook('onClose', async () => offs.forEach((off) => off()));

  // After the handler's write committed, before its answer leaves: the page the browser asks
  // for next (the redirect) is read afresh.
  app.addHook('onSend', async (req, reply) => {
    if (!UNSAFE.has(req.method) || reply.statusCode >= 400) return;
    cache.clear();
    await app.deps.knex.raw('SELECT pg_notify(?, ?)', [PAGES_CHANNEL, '']).catch((err: Error) => req.log.warn({ err }, 'page cache: NOTIFY failed; other processes catch up within their time-to-live'));
  });
});
