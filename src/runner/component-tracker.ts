/**
 * Follows Terraform's per-resource events and moves each component through its own lifecycle
 * live: apply_start → CREATING / UPDATING / DESTROYING, the component's last apply_complete →
 * ACTIVE / DESTROYED, apply_errored → FAILED with Terraform's error. Updates are applied in
 * event order (one promise chain per component: components are independent, so one's update never
 * waits for another's — a remote Tendril's each is a request to Trellis) and each is one guarded
 * UPDATE.
 */
import { componentLifecycle, type ComponentStatus } from '../domain/components/status.js';
import type { ComponentPatch, ComponentRow } from '../domain/components/repository.js';
import { InvalidTransitionError } from '../domain/errors.js';
import { componentKey, comparableSettings } from './vine-context.js';
import { mapAddressToComponent } from '../terraform/parse.js';
import { componentAction } from '../terraform/summary.js';
import type { ChangeAction, ComponentChange } from '../terraform/types.js';
import type { JobStore } from './store.js';
import type { JobRecord } from '../domain/jobs/repository.js';

type PlannedAction = ChangeAction;
/** What a component may be caught in when its apply fails: every status from which FAILED is reached. */
const IN_FLIGHT = componentLifecycle.allowedFrom('FAILED');
type PlannedComponent = ComponentChange;

export interface ResourceEventLike {
  kind: string;
  name: string;
  phase: 'start' | 'complete' | 'errored';
  action: string;
  error?: string;
}

/** Shortest path of allowed transitions from one status to another (e.g. FAILED → UPDATING → ACTIVE). */
export function pathBetween(from: ComponentStatus, to: ComponentStatus): ComponentStatus[] | undefined {
  if (from === to) return [];
  const prev = new Map<ComponentStatus, ComponentStatus>();
  const queue: ComponentStatus[] = [from];
  while (queue.length) {
    const s = queue.shift()!;
    for (const n of componentLifecycle.transitions[s]) {
      if (prev.has(n) || n === from) continue;
      prev.set(n, s);
      if (n === to) {
        const path: ComponentStatus[] = [n];
        for (let p = s; p !== from; p = prev.get(p)!) path.unshift(p);
        return path;
      }
      queue.push(n);
    }
  }
  return undefined;
}

/**
 * Every move is a guarded transition through the store; each announces the vine's change in the
 * same statement (pages coalesce their re-reads, so a burst of events costs one render).
 */
export function createComponentTracker(store: Pick<JobStore, 'components'>, job: JobRecord, components: ComponentRow[], planned: PlannedComponent[], log: (line: string) => void) {
  const repo = {
    transition: (c: ComponentRow, to: ComponentStatus, patch?: ComponentPatch) => store.components.transition(job, c, to, patch),
    patch: (c: ComponentRow, patch: ComponentPatch) => store.components.patch(job, c, patch),
    remove: (c: ComponentRow) => store.components.remove(job, c),
  };
  const byKey = new Map(components.map((c) => [componentKey(c), { ...c }]));
  const remaining = new Map(planned.map((p) => [componentKey(p), p.resources.create + p.resources.update + p.resources.delete + 2 * p.resources.replace]));
  const plannedAction = new Map(planned.map((p) => [componentKey(p), p.action]));
  const failed = new Set<string>();
  const started = new Set<string>();
  const chains = new Map<string, Promise<void>>();
  const allSettled = () => Promise.all([...chains.values()]);
  /** Walks a component to `to` through allowed steps; a refused step is logged, never thrown. */
  async function move(key: string, to: ComponentStatus, patch: ComponentPatch = {}) {
    const c = byKey.get(key);
    if (!c) return;
    const path = pathBetween(c.status, to);
    if (!path) {
      log(`component ${key} cannot go from ${c.status} to ${to}; left ${c.status}`);
      return;
    }
    if (path.length === 0 && Object.keys(patch).length === 0) return;
    try {
      if (path.length === 0) {
        // Already there: only the patch (outputs, error) to store.
        await repo.patch(c, patch);
      }
      // One guarded transition per step; the patch goes with the last.
      for (const [i, step] of path.entries()) {
        c.status = await repo.transition(c, step, i === path.length - 1 ? patch : {});
      }
    } catch (err) {
      if (err instanceof InvalidTransitionError) log(`component ${key}: ${err.message}`);
      else throw err;
    }
  }

  const enqueue = (key: string, fn: () => Promise<void>) => {
    const next = (chains.get(key) ?? Promise.resolve()).then(fn).catch((err: Error) => log(`component status update failed: ${err.message}`));
    chains.set(key, next);
    return next;
  };

  const plannedChanges = new Map<string, Array<{ address: string; action: PlannedAction }>>();

  return {
    /** One resource change announced by `apply -json` before it starts applying. */
    onPlanned(change: { address: string; action: PlannedAction }) {
      const c = mapAddressToComponent(change.address);
      if (!c) return;
      const key = componentKey(c);
      const list = plannedChanges.get(key) ?? [];
      list.push(change);
      plannedChanges.set(key, list);
      remaining.set(key, (remaining.get(key) ?? 0) + (change.action === 'replace' ? 2 : 1));
      plannedAction.set(key, componentAction(list));
    },

    onEvent(ev: ResourceEventLike) {
      const key = `${ev.kind}/${ev.name}`;
      if (!byKey.has(key)) return;
      enqueue(key, async () => {
        const c = byKey.get(key)!;
        const action = plannedAction.get(key) ?? ev.action;
        if (ev.phase === 'start' && !started.has(key)) {
          started.add(key);
          const fresh = c.status === 'PENDING' || c.status === 'DESTROYED' || (c.status === 'FAILED' && c.applied_settings === null);
          const to: ComponentStatus = action === 'delete' ? 'DESTROYING' : fresh || action === 'create' ? 'CREATING' : 'UPDATING';
          await move(key, to, { error: null });
        } else if (ev.phase === 'errored') {
          failed.add(key);
          await move(key, 'FAILED', { error: ev.error ?? 'Terraform reported an error for this component' });
        } else if (ev.phase === 'complete' && !failed.has(key)) {
          const left = (remaining.get(key) ?? 1) - 1;
          remaining.set(key, left);
          if (left <= 0) await move(key, action === 'delete' ? 'DESTROYED' : 'ACTIVE', { error: null });
        }
      });
    },

    /** After a successful apply: outputs stored, everything converged, removed ones deleted. */
    async succeeded(outputs: Record<string, Record<string, unknown>>, destroyAll = false) {
      await allSettled();
      // Different rows, independent updates: in parallel.
      await Promise.all(
        [...byKey].map(async ([key, c]) => {
          if (destroyAll || c.removed_at) {
            await move(key, 'DESTROYED', { error: null, outputs: {} });
            if (c.removed_at && !destroyAll) await repo.remove(c);
          } else {
            await move(key, 'ACTIVE', { error: null, outputs: outputs[key] ?? {}, applied_settings: comparableSettings(c) });
          }
        }),
      );
    },

    /** After a failed or cancelled apply: whatever was in flight is FAILED with the reason. */
    async failed(reason: string) {
      await allSettled();
      for (const [key, c] of byKey) {
        if (started.has(key) && IN_FLIGHT.includes(c.status)) await move(key, 'FAILED', { error: reason });
      }
    },

    status: (key: string) => byKey.get(key)?.status,
  };
}
