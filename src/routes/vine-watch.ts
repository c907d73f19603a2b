/**
 * What the vine pages' live streams share in one Trellis process: one subscription per channel,
 * and per watched vine one read and one render per change, however many tabs watch it. During a
 * harvest the component tracker NOTIFYs up to 20 times a second; reading and rendering a vine of
 * 50 components for each open tab separately would cost 5 ms × tabs each time.
 *
 * Fragments are rendered with the page cache's CSRF placeholder; each stream puts its own token in.
 * A watch is per vine and owner (the only user who may see it), checked when the stream opened.
 */
import type { FastifyInstance } from 'fastify';
import { onVineChange } from '../domain/jobs/events.js';
import { loadVineView, renderVineFragments, type VinePageView } from './vine-view.js';
import { sseEvent } from './sse.js';

export interface VineUpdate {
  view: VinePageView;
  /** Element id → fragment HTML, with `csrfSlot` where the token goes. */
  fragments: Record<string, string>;
}

/** Called with every new state of the vine, or with the error that ended the watch (e.g. deleted). */
export type VineListener = (update: VineUpdate | Error) => void;

export interface VineWatch {
  /**
   * Starts following the vine; the listener gets the current state soon after. `knownStamp`: the
   * stamp of the page the listener shows; when it is the state read last, and nothing changed
   * since, that state is handed over without a read (500 tabs opening one page read it once).
   * Returns the unsubscribe.
   */
  watch(userId: string, vineId: string, listener: VineListener, knownStamp?: string): () => void;
  readonly csrfSlot: string;
  /** How many vines are watched (tests). */
  readonly size: number;
}

interface Entry {
  userId: string;
  vineId: string;
  listeners: Set<VineListener>;
  running?: Promise<void>;
  again: boolean;
  /** Changes announced so far; the last update, and how many changes it had seen when its read began. */
  changes: number;
  latest?: { update: VineUpdate; changes: number };
}

// The `swap` event of some fragments of an update, as every stream sends it: formatted once and
// split at the CSRF placeholder, then joined with each stream's token.
const events = new WeakMap<VineUpdate, Map<string, string[]>>();

/** The `swap` event replacing the fragments `ids` of `update`, with `token` where the placeholder was. */
export function swapEvent(update: VineUpdate, ids: string[], slot: string, token: string): string {
  let byIds = events.get(update);
  if (!byIds) events.set(update, (byIds = new Map()));
  const key = ids.join(' ');
  let split = byIds.get(key);
  if (!split) byIds.set(key, (split = sseEvent('swap', ids.map((id) => update.fragments[id]!).join('\n')).split(slot)));
  return split.length === 1 ? split[0]! : split.join(token);
}

export async function createVineWatch(app: FastifyInstance, csrfSlot: string): Promise<VineWatch & { close(): void }> {
  const entries = new Map<string, Entry>();
  const key = (userId: string, vineId: string) => `${userId}:${vineId}`;

  const refresh = (e: Entry) => {
    if (e.running) {
      e.again = true;
      return;
    }
    e.running = (async () => {
      do {
        e.again = false;
        const changes = e.changes;
        let update: VineUpdate | Error;
        try {
          const view = await loadVineView(app, e.userId, e.vineId);
          update = { view, fragments: await renderVineFragments(app, view, csrfSlot) };
          e.latest = { update, changes };
        } catch (err) {
          update = err as Error;
          e.latest = undefined;
        }
        for (const l of e.listeners) l(update);
      } while (e.again && e.listeners.size);
    })().finally(() => (e.running = undefined));
  };
  const changed = (e: Entry) => {
    e.changes++;
    refresh(e);
  };
  const offs = [
    await onVineChange(app.hub, (vineId) => {
      for (const e of entries.values()) if (e.vineId === vineId) changed(e);
    }),
  ];
  // Notifications may have been missed while the LISTEN connection was down: read everything again.
  offs.push(app.hub.onReconnect(() => entries.forEach(changed)));

  return {
    csrfSlot,
    watch(userId, vineId, listener, knownStamp) {
      const k = key(userId, vineId);
      let e = entries.get(k);
      if (!e) entries.set(k, (e = { userId, vineId, listeners: new Set(), again: false, changes: 0 }));
      e.listeners.add(listener);
      const entry = e;
      const latest = e.latest;
      if (latest && !e.running && latest.changes === e.changes && knownStamp === latest.update.view.stamp) {
        // The listener's page shows the state read last, and no change was announced since.
        queueMicrotask(() => {
          if (entry.listeners.has(listener)) listener(latest.update);
        });
      } else {
        // Read after subscribing, so no change falls between the read and the subscription.
        refresh(e);
      }
      return () => {
        entry.listeners.delete(listener);
        if (!entry.listeners.size && entries.get(k) === entry) entries.delete(k);
      };
    },
    get size() {
      return entries.size;
    },
    close() {
      offs.forEach((off) => off());
      entries.clear();
    },
  };
}
