/**
 * Everything a Terraform job needs to know about its vine, read in one place: the vine with its
 * vineyard and identity, its components, the tfvars for the target, and the secret values that
 * must never reach a log line.
 */
import type { Knex } from 'knex';
import { createComponentRepository, type ComponentRow } from '../components/repository.js';
import { componentKind } from '../components/catalogue.js';
import { namePrefix, resourceName, statePath, type Stage } from '../vines/stage.js';
import type { Sealer } from '../crypto.js';
import type { VineStatus } from '../vines/status.js';
import { NotFoundError } from '../errors.js';

export interface VineContext {
  vine: {
    id: string;
    name: string;
    stage: Stage;
    status: VineStatus;
    config_version: number;
    options: { fail_components?: string[]; apply_delay_seconds?: number };
    vineyard_name: string;
    identity_id: string;
    user_id: string;
  };
  identity: { id: string; name: string; provider: 'local' | 'aws' | 'gcp' | 'azure'; config: Record<string, unknown>; credentials: Record<string, unknown> | null };
  components: ComponentRow[];
  prefix: string;
  statePath: string;
  /** Terraform workspace of the vine (stable across renames). */
  workspace: string;
  vars: Record<string, unknown>;
  secrets: string[];
}

export const componentKey = (c: { kind: string; name: string }) => `${c.kind}/${c.name}`;

/** Settings as Terraform sees them: secret fields dropped (they travel in `secret_values`). */
function tfSettings(c: ComponentRow): Record<string, unknown> {
  const kind = componentKind(c.kind)!;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(c.settings)) if (!kind.secretFields.includes(k)) out[k] = v;
  return out;
}

/** Settings as compared and stored in `applied_settings`: secret fields as a presence flag only. */
export function comparableSettings(c: ComponentRow): Record<string, unknown> {
  const kind = componentKind(c.kind)!;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(c.settings)) out[k] = kind.secretFields.includes(k) ? v !== null : v;
  return out;
}

export async function loadVineContext(knex: Knex, sealer: Sealer, vineId: string): Promise<VineContext> {
  const vine = await knex('vines')
    .join('vineyards', 'vineyards.id', 'vines.vineyard_id')
    .where('vines.id', vineId)
    .first(
      'vines.id', 'vines.name', 'vines.stage', 'vines.status', 'vines.config_version', 'vines.options', 'vines.identity_id',
      'vineyards.name as vineyard_name', 'vineyards.user_id',
    );
  if (!vine) throw new NotFoundError(`vine ${vineId} not found`);
  const idRow = await knex('cloud_identities').where({ id: vine.identity_id }).first();
  const credentials = idRow.credentials_encrypted ? (JSON.parse(sealer.open(idRow.credentials_encrypted)) as Record<string, unknown>) : null;
  const components = await createComponentRepository(knex).listByVine(vineId);
  const prefix = namePrefix(vine.vineyard_name, vine.name, vine.stage);
  const secrets: string[] = [];
  for (const v of Object.values(credentials ?? {})) if (typeof v === 'string') secrets.push(v);

  const vars: Record<string, unknown> = {
    vineyard: vine.vineyard_name,
    vine: vine.name,
    stage: vine.stage,
    name_prefix: prefix,
    fail_components: vine.options?.fail_components ?? [],
    apply_delay_seconds: vine.options?.apply_delay_seconds ?? 0,
  };
  const secretValues: Record<string, string> = {};
  for (const c of components) {
    if (c.removed_at) continue; // not in the configuration any more: Terraform destroys it
    const kind = componentKind(c.kind)!;
    const entry = { name: c.name, resource_name: resourceName(prefix, c.name), ...tfSettings(c) };
    if (kind.singleton) vars[c.kind] = entry;
    else ((vars[c.kind] ??= {}) as Record<string, unknown>)[c.name] = entry;
    if (c.kind === 'secrets' && typeof c.settings.value === 'string') {
      const value = sealer.open(c.settings.value);
      secretValues[c.name] = value;
      secrets.push(value);
    }
  }
  for (const k of ['network', 'cluster', 'dns', 'repositories']) vars[k] ??= null;
  for (const k of ['databases', 'caches', 'queues', 'topics', 'nosql_tables', 'container_registries', 'secrets']) vars[k] ??= {};
  vars.secret_values = secretValues;

  return {
    vine: { ...vine, options: vine.options ?? {} },
    identity: { id: idRow.id, name: idRow.name, provider: idRow.provider, config: idRow.config ?? {}, credentials },
    components,
    prefix,
    statePath: statePath(vine.vineyard_name, vine.name, vine.stage),
    workspace: `vine-${vine.id}`,
    vars,
    secrets,
  };
}
