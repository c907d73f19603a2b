import { KIND_NAMES } from '../domain/components/catalogue.js';
import { isPrimaryAddress, mapAddressToComponent } from './parse.js';
import type { ChangeAction, ComponentChange, PlanSummary } from './types.js';

/** A resource change's `actions` array (from `terraform show -json`) as one action. */
export function classifyActions(actions: unknown): ChangeAction {
  if (!Array.isArray(actions)) return 'noop';
  const a = actions.join(',');
  switch (a) {
    case 'create':
      return 'create';
    case 'update':
      return 'update';
    case 'delete':
      return 'delete';
    case 'delete,create':
    case 'create,delete':
      return 'replace';
    default:
      return 'noop'; // no-op, read (data sources), forget
  }
}

/**
 * A component's action from its resources' actions: all created → create, all deleted → delete,
 * its own resource (`<kind>["x"]`) replaced → replace, anything else that changes → update (e.g.
 * the component updated in place while its `__ready` step is replaced, or an add-on appearing).
 */
export function componentAction(changes: Array<{ address: string; action: ChangeAction }>): ChangeAction {
  const changed = changes.filter((c) => c.action !== 'noop');
  if (changed.length === 0) return 'noop';
  if (changed.every((c) => c.action === 'create')) return 'create';
  if (changed.every((c) => c.action === 'delete')) return 'delete';
  if (changed.some((c) => c.action === 'replace' && isPrimaryAddress(c.address))) return 'replace';
  return 'update';
}

const kindOrder = new Map<string, number>(KIND_NAMES.map((k, i) => [k, i]));

/** The plan summary from `terraform show -json <planfile>`: totals and changes per component. */
export function buildPlanSummary(planJson: unknown): PlanSummary {
  const rcs = (planJson as { resource_changes?: unknown } | null)?.resource_changes;
  const changes: Array<{ address: string; action: ChangeAction }> = [];
  for (const rc of Array.isArray(rcs) ? rcs : []) {
    const r = rc as { address?: unknown; mode?: unknown; change?: { actions?: unknown } };
    if (typeof r.address !== 'string' || r.mode === 'data') continue;
    changes.push({ address: r.address, action: classifyActions(r.change?.actions) });
  }
  return summariseChanges(changes);
}

/** Totals and per-component changes from resource-level changes (a plan, or `apply -json`'s planned_change messages). */
export function summariseChanges(changes: Array<{ address: string; action: ChangeAction }>): PlanSummary {
  const summary: PlanSummary = { add: 0, change: 0, destroy: 0, components: [] };
  const byComponent = new Map<string, { kind: string; name: string; changes: Array<{ address: string; action: ChangeAction }> }>();
  for (const r of changes) {
    const action = r.action;
    if (action === 'create' || action === 'replace') summary.add++;
    if (action === 'update') summary.change++;
    if (action === 'delete' || action === 'replace') summary.destroy++;
    const component = mapAddressToComponent(r.address);
    if (!component) continue;
    const key = `${component.kind}/${component.name}`;
    const entry = byComponent.get(key) ?? { ...component, changes: [] };
    entry.changes.push({ address: r.address, action });
    byComponent.set(key, entry);
  }
  summary.components = [...byComponent.values()]
    .map((c): ComponentChange => {
      const resources = { create: 0, update: 0, delete: 0, replace: 0 };
      for (const ch of c.changes) if (ch.action !== 'noop') resources[ch.action]++;
      return { kind: c.kind, name: c.name, action: componentAction(c.changes), resources };
    })
    .sort((a, b) => (kindOrder.get(a.kind) ?? 99) - (kindOrder.get(b.kind) ?? 99) || a.name.localeCompare(b.name));
  return summary;
}
