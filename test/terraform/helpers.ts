/** Shared by the Terraform tests and the fixture recorder: tfvars for terraform/local, from the catalogue. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Test } from 'tap';
import { COMPONENT_KINDS } from '../../src/domain/components/catalogue.js';
import { namePrefix, resourceName, type Stage } from '../../src/domain/vines/stage.js';
import type { LogLine, ResourceEvent, TerraformRunOptions } from '../../src/terraform/index.js';

export const CANARY = 'canary-Zq8#vX2!not-for-logs';

/**
 * Every one of the 11 kinds with the stage's default settings: one of each singleton, and for the
 * other kinds the names given (default: one called "main"; databases: "main" and "reports").
 */
export function localVars(o: { stage?: Stage; names?: Partial<Record<string, string[]>>; extra?: Record<string, unknown> } = {}): Record<string, unknown> {
  const stage = o.stage ?? 'development';
  const prefix = namePrefix('acme', 'shop', stage);
  const vars: Record<string, unknown> = { vineyard: 'acme', vine: 'shop', stage, name_prefix: prefix };
  for (const k of COMPONENT_KINDS) {
    const settings = k.defaults(stage) as Record<string, unknown>;
    if (k.singleton) {
      vars[k.kind] = { name: k.kind, resource_name: resourceName(prefix, k.kind), ...settings };
      continue;
    }
    const names = o.names?.[k.kind] ?? (k.kind === 'databases' ? ['main', 'reports'] : ['main']);
    vars[k.kind] = Object.fromEntries(names.map((n) => [n, { resource_name: resourceName(prefix, n), ...settings }]));
  }
  vars.topics = { main: { ...(vars.topics as Record<string, Record<string, unknown>>).main, subscribe_queues: ['main'] } };
  vars.secrets = {
    main: { ...(vars.secrets as Record<string, Record<string, unknown>>).main, description: 'API key' },
    generated: { resource_name: resourceName(prefix, 'generated'), ...COMPONENT_KINDS[10].defaults(stage) },
  };
  vars.secret_values = { main: CANARY };
  vars.fail_components = [];
  vars.apply_delay_seconds = 0;
  return { ...vars, ...o.extra };
}

export const ALL_COMPONENTS = [
  'network/network', 'cluster/cluster', 'dns/dns', 'repositories/repositories',
  'databases/main', 'databases/reports', 'caches/main', 'queues/main', 'topics/main',
  'nosql_tables/main', 'container_registries/main', 'secrets/generated', 'secrets/main',
];

export interface Recorder {
  lines: LogLine[];
  events: ResourceEvent[];
  onLine(l: LogLine): void;
  onResourceEvent(e: ResourceEvent): void;
  text(): string;
}

export function recorder(): Recorder {
  const r: Recorder = {
    lines: [],
    events: [],
    onLine: (l) => r.lines.push(l),
    onResourceEvent: (e) => r.events.push(e),
    text: () => r.lines.map((l) => l.line).join('\n'),
  };
  return r;
}

/** A work directory removed when the test ends (tap's testdir would sit inside the repository). */
export function workDir(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'vintner-tf-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function runOptions(
  t: Test,
  o: { url: string; vars: Record<string, unknown>; rec: Recorder; workspace?: string; signal?: AbortSignal; dir?: string },
): TerraformRunOptions {
  return {
    bin: process.env.TERRAFORM_BIN ?? 'terraform',
    target: 'local',
    workDir: o.dir ?? workDir(t),
    vars: o.vars,
    backend: { connStr: o.url, schemaName: 'terraform_state', workspace: o.workspace ?? 'vine-test' },
    secrets: [CANARY],
    signal: o.signal,
    timeoutMs: 120_000,
    killGraceMs: 10_000,
    onLine: o.rec.onLine,
    onResourceEvent: o.rec.onResourceEvent,
  };
}
