/**
 * A Terraform run in one work directory: prepare (module, tfvars, CLI config), init with the
 * `http` backend (the state Vintner keeps: src/state/), then plan / apply / destroy with `-json`.
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
export interface TerraformRun {
  prepare(): Promise<void>;
  init(): Promise<void>;
  plan(o?: { destroy?: boolean; out?: string }): Promise<{ summary: PlanSummary; planFile: string; planJson: unknown }>;
  apply(o?: { planFile?: string }): Promise<{ outputs: Record<string, unknown>; summary: PlanSummary }>;
  /** Reads the state through the backend (BOOTSTRAP: the backend answers, the credential works). */
  stateList(): Promise<string[]>;
  destroy(): Promise<void>;
  /** `terraform output -json` as name → value; sensitive outputs are left out. */
  outputs(): Promise<Record<string, unknown>>;
  terraformVersion(): Promise<string>;
  /** The state Terraform could not save, if it wrote one (errored.tfstate) and it was not pushed yet. */
  erroredState(): Buffer | undefined;
  /** Pushes errored.tfstate back (with the lock); true once nothing is left to push. */
  pushErroredState(): Promise<boolean>;
  /** Pushes a state (a kept errored.tfstate) to the vine's state, with the lock. */
  pushState(state: Buffer): Promise<void>;
}

/**
 * The run's own CLI config (the parent's never applies). With a provider mirror, Terraform installs
 * every provider from that directory and nothing from the internet: no `direct` method, so a
 * provider missing there fails init with Terraform's own message naming it.
 */
export function cliConfig(providerMirror?: string): string {
  const lines = ['disable_checkpoint = true'];
  if (providerMirror) lines.push('provider_installation {', '  filesystem_mirror {', `    path = ${hclValue(providerMirror)}`, '  }', '}');
  return `${lines.join('\n')}\n`;
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
  // How long a command waits for another run's state lock before it gives up.
  const LOCK_TIMEOUT = `-lock-timeout=${opts.lockTimeoutSeconds ?? 60}s`;
  const redact = createRedactor([...(opts.secrets ?? []), ...stringsIn(opts.sensitiveVars ?? {}), opts.backend.password]);

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
      // The http backend, configured by the environment only: nothing of it is written to
      // .terraform/, so an init is the same for every job (init-cache.ts) and holds no credential.
      TF_HTTP_ADDRESS: opts.backend.address,
      TF_HTTP_LOCK_ADDRESS: opts.backend.address,
      TF_HTTP_UNLOCK_ADDRESS: opts.backend.address,
      TF_HTTP_LOCK_METHOD: 'LOCK',
      TF_HTTP_UNLOCK_METHOD: 'UNLOCK',
      TF_HTTP_USERNAME: opts.backend.username,
      TF_HTTP_PASSWORD: opts.backend.password,
      // No retries by Terraform: the backend is this Tendril's own server on 127.0.0.1. When it
      // cannot answer (the database away, the Tendril dead) Terraform writes errored.tfstate at
      // once, which the run pushes back later or the next Tendril salvages (workdir.ts); retries
      // here (up to a minute with backoff) would outlast every grace and lose that state.
      TF_HTTP_RETRY_MAX: '0',
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
    writeFileSync(join(workDir, CLI_CONFIG), cliConfig(opts.providerMirror), { mode: 0o600 });
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

  async function realInit(): Promise<void> {
    await run(['init', '-input=false', '-no-color', '-reconfigure']);
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
        initCacheKey = initKey(moduleSource(), 'http', opts.bin, opts.providerMirror);
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

    async stateList() {
      // show -json rather than state list: a vine nothing was applied to yet has no state, which
      // `state list` reports as an error; show answers an empty document.
      const { stdout } = await run(['show', '-json', '-no-color'], { collect: true });
      return stateAddresses(JSON.parse(stdout) as ShownState);
    },

    async plan(o = {}) {
      const planFile = isAbsolute(o.out ?? '') ? o.out! : join(workDir, o.out ?? 'tfplan');
      await run(['plan', '-json', '-input=false', LOCK_TIMEOUT, `-out=${planFile}`, ...(o.destroy ? ['-destroy'] : [])], { json: true });
      const { stdout } = await run(['show', '-json', planFile], { collect: true });
      const raw: unknown = JSON.parse(stdout);
      return { summary: buildPlanSummary(raw), planFile, planJson: redactDeep(raw, redact) };
    },

    async apply(o = {}) {
      planned = [];
      lastOutputs = undefined;
      await withStateRecovery(() =>
        run(['apply', '-json', '-input=false', LOCK_TIMEOUT, '-auto-approve', ...(o.planFile ? [o.planFile] : [])], { json: true }),
      );
      // apply -json ends with an `outputs` message holding the values: no `output -json` needed.
      const seen = lastOutputs as Record<string, { sensitive?: boolean; value?: unknown }> | undefined;
      const out: Record<string, unknown> = {};
      for (const [name, v] of Object.entries(seen ?? {})) if (!v.sensitive && 'value' in v) out[name] = v.value;
      return { outputs: seen ? out : await outputs(), summary: summariseChanges(planned) };
    },

    async destroy() {
      await withStateRecovery(() =>
        run(['destroy', '-json', '-input=false', LOCK_TIMEOUT, '-auto-approve'], { json: true }),
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

interface ShownModule {
  resources?: Array<{ address: string }>;
  child_modules?: ShownModule[];
}
type ShownState = { values?: { root_module?: ShownModule } };

/** Every resource address in `terraform show -json`'s state, nested modules included. */
function stateAddresses(doc: ShownState): string[] {
  const out: string[] = [];
  const walk = (m: ShownModule | undefined) => {
    for (const r of m?.resources ?? []) out.push(r.address);
    for (const c of m?.child_modules ?? []) walk(c);
  };
  walk(doc.values?.root_module);
  return out;
}
