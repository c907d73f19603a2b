/** Shared by the Terraform tests and the fixture recorder: tfvars for terraform/local, from the catalogue. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Test } from 'tap';
import { COMPONENT_KINDS, componentKind } from '../../src/domain/components/catalogue.js';
import { namePrefix, resourceName, type Stage } from '../../src/domain/vines/stage.js';
import type { LogLine, ResourceEvent, StateBackend, TerraformRunOptions } from '../../src/terraform/index.js';
import { createStateService } from '../../src/domain/state/service.js';
import { createSealer } from '../../src/domain/crypto.js';
import { generateToken, hashToken } from '../../src/domain/users/tokens.js';
import { startLocalStateServer, type LocalStateServer } from '../../src/state/local-server.js';
import { seedVine } from '../fixtures.js';
import type { TestDatabase } from '../helpers.js';

export const CANARY = 'canary-Zq8#vX2!not-for-logs';

/**
 * Every kind of the catalogue with the stage's default settings: one of each singleton, and for
 * the other kinds the names given (default: one called "main"; databases: "main" and "reports").
 * `secret_values` is a sensitive variable (the runner passes it in the environment): it is
 * returned apart, in `sensitiveVars`.
 */
export function localVars(o: { stage?: Stage; names?: Partial<Record<string, string[]>>; extra?: Record<string, unknown> } = {}): Record<string, unknown> {
  const stage = o.stage ?? 'development';
  const prefix = namePrefix('acme', 'shop', stage);
  const vars: Record<string, unknown> = { vineyard: 'acme', vine: 'shop', stage, name_prefix: prefix, region: 'local' };
  for (const k of COMPONENT_KINDS) {
    const settings = k.defaults(stage) as Record<string, unknown>;
    if (k.singleton) {
      vars[k.kind] = { name: k.kind, resource_name: resourceName(prefix, k, k.kind), ...settings };
      continue;
    }
    const names = o.names?.[k.kind] ?? (k.kind === 'databases' ? ['main', 'reports'] : ['main']);
    vars[k.kind] = Object.fromEntries(names.map((n) => [n, { name: n, resource_name: resourceName(prefix, k, n), ...settings }]));
  }
  vars.topics = { main: { ...(vars.topics as Record<string, Record<string, unknown>>).main, subscribe_queues: ['main'] } };
  vars.secrets = {
    main: { ...(vars.secrets as Record<string, Record<string, unknown>>).main, description: 'API key' },
    generated: { name: 'generated', resource_name: resourceName(prefix, SECRETS, 'generated'), ...SECRETS.defaults(stage) },
  };
  vars.fail_components = [];
  vars.apply_delay_seconds = 0;
  return { ...vars, ...o.extra };
}

const SECRETS = componentKind('secrets')!;
/** The sensitive variables of `localVars`'s vine: the canary is the value of secrets/main. */
export const SENSITIVE_VARS = { secret_values: { main: CANARY } };

/** Every component `localVars` describes, as "<kind>/<name>". */
export const ALL_COMPONENTS = COMPONENT_KINDS.flatMap((k) =>
  k.singleton ? [`${k.kind}/${k.kind}`] : k.kind === 'databases' ? ['databases/main', 'databases/reports'] : k.kind === 'secrets' ? ['secrets/generated', 'secrets/main'] : [`${k.kind}/main`],
);

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

export interface TestState {
  /** The http backend of one vine's state: the test's local state server, a running job's credential. */
  backend: StateBackend;
  vineId: string;
  jobId: string;
  /** The state as stored (opened), and its resources. */
  read(): Promise<{ raw: string; serial: number; resources: Array<{ type: string; name: string; instances: Array<{ index_key?: unknown; attributes: Record<string, unknown> }> }> }>;
}

const servers = new WeakMap<object, Promise<LocalStateServer>>();
export const TEST_KEY = Buffer.alloc(32, 7);

/**
 * A state of its own for a test's Terraform runs: a vine, a job running on it with its credential,
 * and the state store served as Terraform's http backend (src/state/local-server.ts) — the path
 * every Tendril's Terraform takes.
 */
export async function testState(t: Test, db: TestDatabase): Promise<TestState> {
  const svc = createStateService({ knex: db.knex, sealer: createSealer(TEST_KEY) });
  let server = servers.get(db.knex);
  if (!server) {
    servers.set(db.knex, (server = startLocalStateServer(svc)));
    const s = server;
    t.teardown(async () => (await s).close());
  }
  const v = await seedVine(db.knex);
  const token = generateToken();
  const [job] = await db.knex('provision_jobs')
    .insert({ vine_id: v.vineId, identity_id: v.identityId, created_by: v.userId, type: 'DEPLOY', status: 'PROCESSING', claimed_at: db.knex.fn.now(), processing_at: db.knex.fn.now(), job_token_hash: hashToken(token) })
    .returning('id');
  const address = (await server).url({ vineId: v.vineId });
  return {
    backend: { address, username: job.id, password: token },
    vineId: v.vineId,
    jobId: job.id,
    async read() {
      const body = await svc.read({ vineId: v.vineId });
      const raw = body?.toString('utf8') ?? '{}';
      const doc = JSON.parse(raw) as { serial?: number; resources?: [] };
      return { raw, serial: doc.serial ?? 0, resources: doc.resources ?? [] };
    },
  };
}

export function runOptions(
  t: Test,
  o: { state: TestState; vars: Record<string, unknown>; rec: Recorder; signal?: AbortSignal; dir?: string },
): TerraformRunOptions {
  return {
    bin: process.env.TERRAFORM_BIN ?? 'terraform',
    target: 'local',
    workDir: o.dir ?? workDir(t),
    vars: o.vars,
    sensitiveVars: SENSITIVE_VARS,
    backend: o.state.backend,
    secrets: [CANARY],
    signal: o.signal,
    timeoutMs: 120_000,
    killGraceMs: 10_000,
    onLine: o.rec.onLine,
    onResourceEvent: o.rec.onResourceEvent,
  };
}
