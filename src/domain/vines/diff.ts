/**
 * What replacing a vine's spec changes: per component create / update / delete / none, with the
 * settings fields that differ. Pure; the service applies it.
 */
import { componentKind } from '../components/catalogue.js';
import type { ComponentRow } from '../components/repository.js';
import type { ComponentStatus } from '../components/status.js';
import type { FieldError } from '../errors.js';
import type { VineOptions } from './spec-schema.js';
import type { ResolvedComponent, ResolvedSpec } from './spec.js';
import type { Stage } from './stage.js';
import type { ComponentDiff, SpecWarning, VineDiff } from './schema.js';

export type DiffAction = ComponentDiff['action'];
export type { ComponentDiff, VineDiff };

/** A diff entry with what the service needs to apply it. */
export interface PlannedChange extends ComponentDiff {
  row?: ComponentRow;
  next?: ResolvedComponent;
}

export interface CurrentVine {
  name: string;
  stage: Stage;
  identity_id: string;
  options: VineOptions;
}

/** Statuses in which a component has nothing in the cloud, so its row may simply go. */
export const NEVER_IN_CLOUD: readonly ComponentStatus[] = ['PENDING', 'DESTROYED'];

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
const canonical = (o: VineOptions) => JSON.stringify(Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined).sort(([a], [b]) => a.localeCompare(b))));

function changedSettings(row: ComponentRow, next: ResolvedComponent, secretEquals: (sealed: string, plain: string) => boolean): string[] {
  const fields = Object.keys(next.settings).filter((f) => !same(row.settings[f], next.settings[f]));
  if (next.secret) {
    const stored = row.settings.value;
    const has = typeof stored === 'string';
    if ((next.secret.mode === 'set' && (!has || !secretEquals(stored, next.secret.value))) || (next.secret.mode === 'clear' && has)) fields.push('value');
  }
  return fields;
}

export function planChanges(
  current: CurrentVine,
  rows: ComponentRow[],
  next: ResolvedSpec,
  nextIdentityId: string,
  secretEquals: (sealed: string, plain: string) => boolean,
): { vineFields: string[]; changes: PlannedChange[]; errors: FieldError[] } {
  const vineFields: string[] = [];
  if (current.name !== next.name) vineFields.push('name');
  if (current.stage !== next.stage) vineFields.push('stage');
  if (current.identity_id !== nextIdentityId) vineFields.push('identity');
  if (canonical(current.options) !== canonical(next.options)) vineFields.push('options');

  const key = (kind: string, name: string) => `${kind}/${name}`;
  const byKey = new Map(rows.map((r) => [key(r.kind, r.name), r]));
  const wanted = new Set(next.components.map((c) => key(c.kind, c.name)));
  const changes: PlannedChange[] = [];
  const errors: FieldError[] = [];

  for (const c of next.components) {
    const row = byKey.get(key(c.kind, c.name));
    if (c.secret?.mode === 'keep' && c.secret.required && !(row && typeof row.settings.value === 'string')) {
      errors.push({ field: `${c.path}.has_value`, message: 'no value is stored for this secret: give value, or leave has_value out to let Terraform generate one' });
    }
    if (!row || row.removed_at !== null) {
      // A component removed earlier but still in the cloud comes back: its row is kept.
      changes.push({ kind: c.kind, name: c.name, action: 'create', changed_fields: [], status: row?.status ?? null, next: c, ...(row ? { row } : {}) });
      const k = componentKind(c.kind);
      if (k?.singleton && !row) {
        // One row per vine for a singleton: a different name can only replace one that never reached the cloud.
        const other = rows.find((r) => r.kind === c.kind && !NEVER_IN_CLOUD.includes(r.status));
        if (other) {
          errors.push({
            field: `${c.path}.name`,
            message: `the ${k.itemName} "${other.name}" exists in the cloud: keep its name, or remove it and harvest before adding "${c.name}"`,
          });
        }
      }
      continue;
    }
    const fields = changedSettings(row, c, secretEquals);
    changes.push({ kind: c.kind, name: c.name, action: fields.length ? 'update' : 'none', changed_fields: fields, status: row.status, row, next: c });
  }
  for (const row of rows) {
    if (row.removed_at !== null || wanted.has(key(row.kind, row.name))) continue;
    changes.push({ kind: row.kind, name: row.name, action: 'delete', changed_fields: [], status: row.status, row });
  }
  return { vineFields, changes, errors };
}

export function toDiff(vineFields: string[], changes: PlannedChange[], warnings: SpecWarning[] = []): VineDiff {
  const components = changes.map(({ kind, name, action, changed_fields, status }) => ({ kind, name, action, changed_fields, status }));
  return { changed: vineFields.length > 0 || components.some((c) => c.action !== 'none'), vine: { changed_fields: vineFields }, components, warnings };
}
