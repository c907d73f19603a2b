/**
 * A Terraform run in one work directory: prepare (module, tfvars, CLI config), init with the pg
 * backend and the vine's workspace, then plan / apply / destroy with `-json`.
 */
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCommand, type CommandContext, type CommandMode } from './exec.js';
import { TerraformError } from './errors.js';
import { createRedactor, redactDeep } from './redact.js';
import { buildPlanSummary, summariseChanges } from './summary.js';
import { initKey, needsInit } from './init-cache.js';
import type { ChangeAction, LogLine, PlanSummary, TerraformRunOptions } from './types.js';

export const MODULES_DIR = fileURLToPath(new URL('../../terraform/', import.meta.url));
const TARGET = /^[a-z][a-z0-9-]*$/;
const CLI_CONFIG = '.terraformrc';
import { ERRORED_STATE } from './workdir.js';
const LOCK_TIMEOUT = '-lock-timeout=60s';
/**
 * The pg backend creates a workspace's state on first load under one global lock that
 * -lock-timeout does not cover; losing that race fails the command while *loading* state, before
 * anything was planned or changed, so running it again is safe.
 */
const NEW_WORKSPACE_RACE = /loading state[\s\S]*Already locked for workspace creation/i;
const NEW_WORKSPACE_NOTICE = 'Another run was creating a workspace at the same time: trying again';

export interface TerraformRun {
  prepare(): Promise<void>;
  init(): Promise<void>;
  plan(o?: { destroy?: boolean; out?: string }): Promise<{ summary: PlanSummary; planFile: string; planJson: unknown }>;
  apply(o?: { planFile?: string }): Promise<{ outputs: Record<string, unknown>; summary: PlanSummary }>;
  ensureWorkspace(): Promise<void>;
  destroy(): Promise<void>;
  /** `terraform output -json` as name → value; sensitive outputs are left out. */
  outputs(): Promise<Record<string, unknown>>;
  terraformVersion(): Promise<string>;
  /** The state Terraform could not save, if it wrote one (errored.tfstate) and it was not pushed yet. */
  erroredState(): Buffer | undefined;
  /** Pushes errored.tfstate back (with the lock); true once nothing is left to push. */
  pushErroredState(): Promise<boolean>;
  /** Pushes a state (a kept errored.tfstate) to the vine's workspace, with the lock. */
  pushState(state: Buffer): Promise<void>;
}

/** lib/pq (Terraform's driver) requires TLS unless told otherwise; node-postgres does not. */
export function pgConnStr(connStr: string): string {
  if (connStr.includes('sslmode=')) return connStr;
  if (/^postgres(ql)?:\/\//.test(connStr)) return `${connStr}${connStr.includes('?') ? '&' : '?'}sslmode=disable`;
  return `${connStr} sslmode=disable`;
}

/** Every string inside a value (the secret values of `sensitiveVars`), for the redactor. */
function stringsIn(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (v && typeof v === 'object') return Object.values(v).flatMap(stringsIn);
  return [];
}

/** The most one environment variable may hold on Linux (MAX_ARG_STRLEN is 128 KiB, name included). */
const ENV_VALUE_MAX = 120 * 1024;

/** A value as an HCL expression: JSON's shape, HCL's string escapes, `${` and `%{` escaped as `$${` and `%%{`. */
export function hclValue(v: unknown): string {
  if (typeof v === 'string') {
    const body = v.replace(/[\u0000-\u001f"\\]/g, (c) => (c === '"' ? '\\"' : c === '\\' ? '\\\\' : c === '\n' ? '\\n' : c === '\r' ? '\\r' : c === '\t' ? '\\t' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
    return `"${body.replace(/\$\{/g, () => '$${').replace(/%\{/g, () => '%%{')}"`;
  }
  if (Array.isArray(v)) return `[${v.map(hclValue).join(', ')}]`;
  if (v && typeof v === 'object') return `{${Object.entries(v).map(([k, x]) => `${hclValue(k)} = ${hclValue(x)}`).join(', ')}}`;
  return JSON.stringify(v ?? null);
}

/**
 * `TF_VAR_<name>` values for variables that must not be written to a file: Terraform reads a
 * complex value from the environment as an HCL expression.
 */
export function sensitiveVarEnv(vars: Record<string, unknown>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(vars)) {
    const hcl = hclValue(value);
    if (hcl.length > ENV_VALUE_MAX) throw new TerraformError(`the ${name} of this vine are ${Math.ceil(hcl.length / 1024)} KiB together: more than the ${ENV_VALUE_MAX / 1024} KiB one run can take; make them smaller`, { command: 'prepare' });
    env[`TF_VAR_${name}`] = hcl;
  }
  return env;
}

export function createTerraformRun(opts: TerraformRunOptions): TerraformRun {
  if (!TARGET.test(opts.target)) throw new Error(`invalid Terraform target name: ${JSON.stringify(opts.target)}`);
  const workDir = resolve(opts.workDir);
  const connStr = pgConnStr(opts.backend.connStr);
  const redact = createRedactor([
    ...(opts.secrets ?? []),
    ...stringsIn(opts.sensitiveVars ?? {}),
    // The whole connection string only: Terraform gets it from the environment and never prints
    // it; redacting a short password on its own (say "postgres") would mangle every log line.
    opts.backend.connStr,
    connStr,
  ]);

  const emit = (l: LogLine) => {
    for (const part of redact(l.line).split('\n')) {
      if (part.trim()) opts.onLine({ stream: l.stream, level: l.level, line: part.trimEnd() });
    }
  };
  const ctx: CommandContext = {
    bin: opts.bin,
    cwd: workDir,
    // Only what Terraform needs: the parent's environment (with its own TF_* settings and whatever
    // credentials it holds) never reaches it.
    env: {
      PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
      ...opts.env,
      ...sensitiveVarEnv(opts.sensitiveVars ?? {}),
      HOME: workDir,
      TF_CLI_CONFIG_FILE: join(workDir, CLI_CONFIG),
      CHECKPOINT_DISABLE: '1',
      TF_IN_AUTOMATION: '1',
      TF_INPUT: '0',
      PG_CONN_STR: connStr,
      // The vine's workspace for every command, without a `workspace select` round trip; the pg
      // backend creates it on the first state write.
      TF_WORKSPACE: opts.backend.workspace,
    },
    signal: opts.signal,
    timeoutMs: opts.timeoutMs,
    killGraceMs: opts.killGraceMs,
    redact,
    emit,
    onResourceEvent: opts.onResourceEvent,
    onPlannedChange: (c) => {
      planned.push(c);
      opts.onPlannedChange?.(c);
    },
    onOutputs: (o) => (lastOutputs = o),
  };
  let planned: Array<{ address: string; action: ChangeAction }> = [];
  let lastOutputs: Record<string, { sensitive?: boolean; value?: unknown }> | undefined;
  const moduleSource = () => join(opts.modulesDir ?? MODULES_DIR, opts.target);
  let initCacheKey: string | undefined;
  let reusedInit = false;

  /**
   * One terraform command. In a directory whose init was reused (init-cache.ts), a command that
   * Terraform refuses for want of init gets a real init, once, and runs again: init errors come
   * before Terraform changes anything.
   */
  async function run(args: string[], mode?: CommandMode) {
    try {
      return await runCommand(ctx, args, mode);
    } catch (err) {
      if (!reusedInit || !(err instanceof TerraformError) || err.cancelled || !needsInit(`${err.message}\n${err.stderrTail}`)) throw err;
      reusedInit = false;
      if (initCacheKey) opts.initCache?.forget(initCacheKey);
      emit({ stream: 'system', level: 'warn', line: 'Terraform asked for init after all: running it, then the command again' });
      await realInit();
      return runCommand(ctx, args, mode);
    }
  }

  const ensureWorkDir = () => {
    mkdirSync(workDir, { recursive: true, mode: 0o700 });
    writeFileSync(join(workDir, CLI_CONFIG), 'disable_checkpoint = true\n', { mode: 0o600 });
  };

  /**
   * Terraform writes errored.tfstate when it cannot save state to the backend: push it back (with
   * the state lock). Answers true when there was nothing to push or it was pushed; on failure the
   * file stays for the caller to try again or keep elsewhere.
   */
  async function pushErroredState(): Promise<boolean> {
    const file = join(workDir, ERRORED_STATE);
    if (!existsSync(file)) return true;
    emit({ stream: 'system', level: 'warn', line: `Terraform could not save its state to the backend and wrote ${ERRORED_STATE}: pushing it back` });
    try {
      await run(['state', 'push', LOCK_TIMEOUT, ERRORED_STATE], { cancellable: false });
      rmSync(file, { force: true });
      emit({ stream: 'system', level: 'info', line: `${ERRORED_STATE} pushed to the backend` });
      return true;
    } catch (err) {
      emit({ stream: 'system', level: 'error', line: `Could not push ${ERRORED_STATE} yet: ${err instanceof Error ? err.message : String(err)}` });
      return false;
    }
  }

  async function retrying(fn: () => Promise<unknown>, transient: RegExp, notice: string, attempts = 15): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await fn();
        return;
      } catch (err) {
        const retry = err instanceof TerraformError && !err.cancelled && transient.test(`${err.message}\n${err.stderrTail}`);
        if (!retry || attempt >= attempts) throw err;
        emit({ stream: 'system', level: 'warn', line: notice });
        await new Promise((r) => setTimeout(r, Math.min(150 * attempt, 1500) + Math.random() * 300));
      }
    }
  }

  async function withStateRecovery<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } finally {
      await pushErroredState();
    }
  }

  async function outputs(): Promise<Record<string, unknown>> {
    const { stdout } = await run(['output', '-json'], { collect: true });
    const parsed = JSON.parse(stdout || '{}') as Record<string, { value?: unknown; sensitive?: boolean }>;
    const out: Record<string, unknown> = {};
    // Not redacted: Terraform refuses a non-sensitive output that holds a sensitive value, and
    // sensitive ones are left out here; redacting would corrupt endpoints that merely contain a
    // short secret's text.
    for (const [name, o] of Object.entries(parsed)) if (!o.sensitive) out[name] = o.value;
    return out;
  }

  function realInit(): Promise<void> {
    // The pg backend creates its schema, table and index with CREATE … IF NOT EXISTS, which can
    // still collide on PostgreSQL's catalogs when two first inits race; and it creates every new
    // workspace under one global advisory lock. Both are brief: the loser retries.
    return retrying(
      // In the default workspace: init refuses a TF_WORKSPACE that does not exist yet (while
      // plan/apply simply create it), and the vine's may not.
      () => run(['init', '-input=false', '-no-color', '-reconfigure', `-backend-config=schema_name=${opts.backend.schemaName}`], { env: { TF_WORKSPACE: undefined } }),
      /duplicate key value|already exists/,
      'Another run was creating the state tables at the same time: retrying init',
    );
  }

  return {
    async prepare() {
      const source = moduleSource();
      if (!existsSync(source)) throw new Error(`Terraform target ${opts.target} not found in ${opts.modulesDir ?? MODULES_DIR}`);
      ensureWorkDir();
      cpSync(source, workDir, {
        recursive: true,
        filter: (src) => !/^(\.terraform|terraform\.tfstate.*|.*\.tfvars(\.json)?|errored\.tfstate)$/.test(basename(src)),
      });
      writeFileSync(join(workDir, 'terraform.tfvars.json'), `${JSON.stringify(opts.vars, null, 2)}\n`, { mode: 0o600 });
      chmodSync(join(workDir, 'terraform.tfvars.json'), 0o600);
      emit({ stream: 'system', level: 'info', line: `Prepared ${opts.target} in ${workDir}` });
    },

    async init() {
      const cache = opts.initCache;
      if (cache) {
        initCacheKey = initKey(moduleSource(), opts.backend.schemaName, opts.bin);
        const kept = cache.get(initCacheKey);
        if (kept) {
          cpSync(kept, workDir, { recursive: true });
          reusedInit = true;
          emit({ stream: 'system', level: 'info', line: `terraform init: reusing this Tendril's init of ${opts.target} (same module, backend and binary)` });
          return;
        }
      }
      await realInit();
      if (cache && initCacheKey) cache.put(initCacheKey, workDir);
    },

    /** Makes sure the workspace exists now (BOOTSTRAP); other commands create it when they write. */
    async ensureWorkspace() {
      await retrying(
        () => run(['workspace', 'select', '-or-create', '-no-color', opts.backend.workspace], { env: { TF_WORKSPACE: undefined } }),
        /Already locked for workspace creation/,
        'Another run was creating a workspace at the same time: retrying',
      );
    },

    async plan(o = {}) {
      const planFile = isAbsolute(o.out ?? '') ? o.out! : join(workDir, o.out ?? 'tfplan');
      // -lock-timeout: the pg backend briefly takes one global advisory lock (id -1) on every
      // lock, so concurrent runs on *different* workspaces can collide; waiting is enough.
      await retrying(
        () => run(['plan', '-json', '-input=false', LOCK_TIMEOUT, `-out=${planFile}`, ...(o.destroy ? ['-destroy'] : [])], { json: true }),
        NEW_WORKSPACE_RACE,
        NEW_WORKSPACE_NOTICE,
      );
      const { stdout } = await run(['show', '-json', planFile], { collect: true });
      const raw: unknown = JSON.parse(stdout);
      return { summary: buildPlanSummary(raw), planFile, planJson: redactDeep(raw, redact) };
    },

    async apply(o = {}) {
      planned = [];
      lastOutputs = undefined;
      await withStateRecovery(() =>
        retrying(() => run(['apply', '-json', '-input=false', LOCK_TIMEOUT, '-auto-approve', ...(o.planFile ? [o.planFile] : [])], { json: true }), NEW_WORKSPACE_RACE, NEW_WORKSPACE_NOTICE),
      );
      // apply -json ends with an `outputs` message holding the values: no `output -json` needed.
      const seen = lastOutputs as Record<string, { sensitive?: boolean; value?: unknown }> | undefined;
      const out: Record<string, unknown> = {};
      for (const [name, v] of Object.entries(seen ?? {})) if (!v.sensitive && 'value' in v) out[name] = v.value;
      return { outputs: seen ? out : await outputs(), summary: summariseChanges(planned) };
    },

    async destroy() {
      await withStateRecovery(() =>
        retrying(() => run(['destroy', '-json', '-input=false', LOCK_TIMEOUT, '-auto-approve'], { json: true }), NEW_WORKSPACE_RACE, NEW_WORKSPACE_NOTICE),
      );
    },

    outputs,

    erroredState() {
      const file = join(workDir, ERRORED_STATE);
      return existsSync(file) ? readFileSync(file) : undefined;
    },

    pushErroredState,

    async pushState(state) {
      const file = join(workDir, 'recovered.tfstate');
      writeFileSync(file, state, { mode: 0o600 });
      try {
        await run(['state', 'push', LOCK_TIMEOUT, 'recovered.tfstate'], { cancellable: false });
      } finally {
        rmSync(file, { force: true });
      }
    },

    async terraformVersion() {
      ensureWorkDir();
      const { stdout } = await run(['version', '-json'], { collect: true, cancellable: false });
      const v = (JSON.parse(stdout) as { terraform_version?: unknown }).terraform_version;
      if (typeof v !== 'string') throw new TerraformError('terraform version -json gave no version', { command: 'version' });
      return v;
    },
  };
}
