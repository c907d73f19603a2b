/**
 * GET /api/v1/vines/:id answers from memory when it can: a vine's detail (its spec, every
 * component, statuses and outputs) costs a read of every kind's table, and Grape and scripts poll it.
 *
 * What keeps it true:
 * - every change the platform makes to a vine or its components NOTIFYs `vintner_vine_status`
 *   (jobs, the runner, the component tracker, the reaper, the vine service), which evicts the
 *   entry in every Trellis process; a lost LISTEN connection clears everything;
 * - the API's own writes evict synchronously, so a client reads its writes at once; any write
 *   through a Trellis process (pages or API) NOTIFYs `vintner_pages_changed`, which clears it
 *   in every process (see plugins/page-cache.ts);
 * - a read that began before an eviction is not remembered (the epoch), so a slow read cannot put
 *   back what a write just evicted;
 * - an entry lives `ttlMs` at most, which bounds anything else (a change made in the database by
 *   hand, a notification lost without the connection dropping).
 * Entries are per vine and remember their owner: another user's request never hits.
 */
import { createEpochCache } from '../../domain/cache.js';

export interface VineDetailCache {
  get(vineId: string, userId: string): string | undefined;
  readonly epoch: number;
  set(vineId: string, userId: string, vineyardId: string, json: string, epochAtRead: number): void;
  evict(vineId: string): void;
  evictVineyard(vineyardId: string): void;
  clear(): void;
  readonly size: number;
}

interface Entry {
  userId: string;
  vineyardId: string;
  json: string;
}

export function createVineDetailCache(ttlMs: number, max = 2000): VineDetailCache {
  const entries = createEpochCache<Entry>({ ttlMs, max });
  return {
    get(vineId, userId) {
      const e = entries.get(vineId);
      return e?.userId === userId ? e.json : undefined;
    },
    get epoch() {
      return entries.epoch;
    },
    set: (vineId, userId, vineyardId, json, epochAtRead) => entries.set(vineId, { userId, vineyardId, json }, epochAtRead),
    evict: (vineId) => entries.evict(vineId),
    evictVineyard: (vineyardId) => entries.evictWhere((e) => e.vineyardId === vineyardId),
    clear: () => entries.clear(),
    get size() {
      return entries.size;
    },
  };
}
