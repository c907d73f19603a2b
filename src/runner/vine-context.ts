/**
 * From what a job knows of its vine to what Terraform gets: the target module, the tfvars document
 * (the same for every target: terraform/CONTRACT.md), the environment (credentials, region,
 * endpoints, the secret values) and every value that must never reach a log line. Pure: the store
 * reads the vine, this only derives. Every per-kind step comes from the catalogue.
 */
import { COMPONENT_KINDS, componentKind, type ComponentKind } from '../domain/components/catalogue.js';
import type { ComponentRow } from '../domain/components/repository.js';
import { namePrefix, resourceName, statePath } from '../domain/vines/stage.js';
import type { VineFacts } from './store.js';
import { targetFor, type Target } from './targets.js';

export interface VineContext extends VineFacts {
  target: Target;
  prefix: string;
  statePath: string;
  /** Terraform workspace of the vine (stable across renames). */
  workspace: string;
  /** terraform.tfvars.json: no secret in it. */
  vars: Record<string, unknown>;
  /** Environment of the Terraform process: credentials, region, endpoints. */
  env: Record<string, string>;
  /** Variables too secret for terraform.tfvars.json (`secret_values`): src/terraform passes them by the environment. */
  sensitiveVars: Record<string, unknown>;
  /** Values redacted from every log line and error. */
  secrets: string[];
}

export const componentKey = (c: { kind: string; name: string }) => `${c.kind}/${c.name}`;

/** Settings as Terraform sees them: secret fields dropped (they travel in `secret_values`). */
function tfSettings(k: ComponentKind, c: ComponentRow): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [f, v] of Object.entries(c.settings)) if (!k.secretFields.includes(f)) out[f] = v;
  return out;
}

/** Settings as compared and stored in `applied_settings`: secret fields as a presence flag only. */
export function comparableSettings(c: ComponentRow): Record<string, unknown> {
  const kind = componentKind(c.kind)!;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(c.settings)) out[k] = kind.secretFields.includes(k) ? v !== null : v;
  return out;
}

/** The tfvars of a vine's components: singletons an object or null, the other kinds a map by name. */
export function componentVars(prefix: string, components: ComponentRow[]): Record<string, unknown> {
  const vars: Record<string, unknown> = {};
  for (const k of COMPONENT_KINDS as unknown as ComponentKind[]) vars[k.kind] = k.singleton ? null : {};
  for (const c of components) {
    if (c.removed_at) continue; // not in the configuration any more: Terraform destroys it
    const k = componentKind(c.kind)!;
    const entry = { name: c.name, resource_name: resourceName(prefix, k, c.name), ...tfSettings(k, c) };
    if (k.singleton) vars[k.kind] = entry;
    else (vars[k.kind] as Record<string, unknown>)[c.name] = entry;
  }
  return vars;
}

export async function vineContext(facts: VineFacts): Promise<VineContext> {
  const { vine, identity } = facts;
  const target = targetFor(identity);
  const prefix = namePrefix(vine.vineyard_name, vine.name, vine.stage);
  const access = await target.access(identity);
  const vars: Record<string, unknown> = {
    vineyard: vine.vineyard_name,
    vine: vine.name,
    stage: vine.stage,
    name_prefix: prefix,
    region: target.region(identity),
    ...componentVars(prefix, facts.components),
    ...(target.knobs ? { fail_components: vine.options.fail_components ?? [], apply_delay_seconds: vine.options.apply_delay_seconds ?? 0 } : {}),
  };
  const secretValues = Object.values(facts.secretValues);
  return {
    ...facts,
    target,
    prefix,
    statePath: statePath(vine.vineyard_name, vine.name, vine.stage),
    workspace: `vine-${vine.id}`,
    vars,
    env: access.env,
    sensitiveVars: { secret_values: facts.secretValues },
    secrets: [...access.secrets, ...secretValues],
  };
}
