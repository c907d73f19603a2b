/**
 * A small in-memory cache for reads that other processes may invalidate (sessions, rendered vine
 * pages): entries lapse after a time-to-live, the oldest go first past `max`, and an eviction
 * bumps an epoch so that a read which began before it cannot put back what it evicted:
 *
 *   const epoch = cache.epoch;          // before reading the database
 *   const value = await read();
 *   cache.set(key, value, epoch);       // kept only if nothing was evicted meanwhile
 *
 * Evictions come from the process's own writes (at once) and from Postgres NOTIFY (other
 * processes); the time-to-live bounds anything a missed notification could leave behind.
 */
export interface EpochCache<V> {
  get(key: string): V | undefined;
  /** Counts evictions; take it before the read whose result `set` is given. */
  readonly epoch: number;
  /** Keeps `value` unless an eviction happened since `epochAtRead`; `ttlMs` shortens the entry's life. */
  set(key: string, value: V, epochAtRead: number, ttlMs?: number): void;
  evict(key: string): void;
  evictWhere(test: (value: V, key: string) => boolean): void;
  clear(): void;
  readonly size: number;
}

export function createEpochCache<V>(opts: { ttlMs: number; max?: number; now?: () => number }): EpochCache<V> {
  const { ttlMs, max = 10_000, now = Date.now } = opts;
  const entries = new Map<string, { value: V; until: number }>();
  let epoch = 0;
  return {
    get(key) {
      const e = entries.get(key);
      if (!e) return undefined;
      if (e.until <= now()) {
        entries.delete(key);
        return undefined;
      }
      return e.value;
    },
    get epoch() {
      return epoch;
    },
    set(key, value, epochAtRead, ttl = ttlMs) {
      if (epochAtRead !== epoch || ttl <= 0) return;
      entries.delete(key); // re-inserted last: a Map iterates oldest first
      if (entries.size >= max) entries.delete(entries.keys().next().value!);
      entries.set(key, { value, until: now() + Math.min(ttl, ttlMs) });
    },
    evict(key) {
      epoch++;
      entries.delete(key);
    },
    evictWhere(test) {
      epoch++;
      for (const [key, e] of entries) if (test(e.value, key)) entries.delete(key);
    },
    clear() {
      epoch++;
      entries.clear();
    },
    get size() {
      return entries.size;
    },
  };
}
