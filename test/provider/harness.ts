/**
 * Real Terraform against the cloud modules with no internet: a filesystem mirror whose providers
 * (aws, google, azurerm, helm, kubernetes, random, tls at the versions the contract pins) are the
 * schema-only plugin (plugin.ts), a CLI config naming it, and helpers that run `terraform init`,
 * `validate`, `test`, `fmt` and plan/apply in a copy of a module (never in the repository).
 *
 * ```ts
 * const mirror = await createProviderMirror();
 * const r = await validateModule('terraform/aws', { mirror });
 * for (const d of r.diagnostics) console.log(`${d.file}:${d.line}: ${d.summary}`);
 * ```
 */
import { execFile } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const SCHEMAS = join(HERE, 'schemas');
const TERRAFORM = process.env.TERRAFORM_BIN ?? 'terraform';

export interface ProviderMirror {
  /** the mirror's root (temporary) */
  dir: string;
  /** the CLI configuration file to give Terraform as TF_CLI_CONFIG_FILE */
  cliConfigFile: string;
  /** its text, for a work directory that writes its own CLI config */
  cliConfig: string;
  /** provider name → version served */
  providers: Record<string, string>;
  /** removes the mirror */
  remove(): void;
}

export interface MirrorOptions {
  /** where the schema files are (default test/provider/schemas) */
  schemasDir?: string;
  /** where to make the mirror (default: a new temporary directory) */
  dir?: string;
}

let bundled: Promise<string> | undefined;

/** plugin.ts and its imports in one CommonJS file: no TypeScript loader, no module resolution at start. */
function bundlePlugin(): Promise<string> {
  bundled ??= (async () => {
    const { build } = await import('esbuild');
    const out = join(mkdtempSync(join(tmpdir(), 'vintner-provider-bundle-')), 'plugin.cjs');
    await build({
      entryPoints: [join(HERE, 'plugin.ts')],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      outfile: out,
      logLevel: 'silent',
    });
    process.once('exit', () => rmSync(dirname(out), { recursive: true, force: true }));
    return out;
  })();
  return bundled;
}

const goArch = () => ({ x64: 'amd64', arm64: 'arm64', ia32: '386' })[process.arch as string] ?? process.arch;
const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export async function createProviderMirror(opts: MirrorOptions = {}): Promise<ProviderMirror> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'vintner-provider-mirror-'));
  const plugin = join(dir, 'plugin.cjs');
  cpSync(await bundlePlugin(), plugin);
  const schemasDir = opts.schemasDir ?? SCHEMAS;
  const providers: Record<string, string> = {};
  for (const f of readdirSync(schemasDir).filter((n) => n.endsWith('.json')).sort()) {
    const s = JSON.parse(readFileSync(join(schemasDir, f), 'utf8')) as { provider: string; version: string; source: string };
    const [host, namespace, name] = s.source.split('/');
    cpSync(join(schemasDir, f), join(dir, 'schemas', f));
    const pkgDir = join(dir, 'providers', host!, namespace!, name!, s.version, `linux_${goArch()}`);
    mkdirSync(pkgDir, { recursive: true });
    const exe = join(pkgDir, `terraform-provider-${name}_v${s.version}`);
    writeFileSync(exe, `#!/bin/sh\nexec ${[process.execPath, plugin, join(dir, 'schemas', f)].map(shellQuote).join(' ')}\n`);
    chmodSync(exe, 0o755);
    providers[s.provider] = s.version;
  }
  const cliConfig = [
    'disable_checkpoint = true',
    'provider_installation {',
    '  filesystem_mirror {',
    `    path    = ${JSON.stringify(join(dir, 'providers'))}`,
    '    include = ["registry.terraform.io/hashicorp/*"]',
    '  }',
    '  direct {',
    '    exclude = ["registry.terraform.io/hashicorp/*"]',
    '  }',
    '}',
    '',
  ].join('\n');
  const cliConfigFile = join(dir, 'terraformrc');
  writeFileSync(cliConfigFile, cliConfig);
  return { dir, cliConfigFile, cliConfig, providers, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * For a runner that writes its own CLI config without `provider_installation` (src/terraform
 * does): Terraform then looks in its implied local mirror, `$HOME/.terraform.d/plugins`, first.
 * Point that at the mirror's providers in `home` (src/terraform sets HOME to the work directory,
 * so: the work directory, before init).
 */
export function linkImpliedMirror(mirror: ProviderMirror, home: string): void {
  mkdirSync(join(home, '.terraform.d'), { recursive: true });
  symlinkSync(join(mirror.dir, 'providers'), join(home, '.terraform.d', 'plugins'));
}

let shared: Promise<ProviderMirror> | undefined;

/** One mirror per process for callers that do not pass their own; removed at exit. */
export function sharedMirror(): Promise<ProviderMirror> {
  shared ??= createProviderMirror().then((m) => {
    process.once('exit', () => m.remove());
    return m;
  });
  return shared;
}

/** The environment for every terraform command: its own HOME and CLI config, nothing else of ours. */
export function terraformEnv(mirror: ProviderMirror, workDir: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: workDir,
    TF_CLI_CONFIG_FILE: mirror.cliConfigFile,
    CHECKPOINT_DISABLE: '1',
    TF_IN_AUTOMATION: '1',
    TF_INPUT: '0',
    ...(process.env.TF_LOG_HARNESS ? { TF_LOG: process.env.TF_LOG_HARNESS, TF_LOG_PATH: join(workDir, 'terraform.log') } : {}),
    ...extra,
  };
}

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

export function runTerraform(args: string[], cwd: string, env: Record<string, string>, timeoutMs = 300_000): Promise<CommandResult> {
  const started = performance.now();
  return new Promise((resolvePromise, reject) => {
    execFile(TERRAFORM, args, { cwd, env, timeout: timeoutMs, maxBuffer: 64 << 20, killSignal: 'SIGINT' }, (err, stdout, stderr) => {
      const ms = Math.round(performance.now() - started);
      if (err && typeof (err as NodeJS.ErrnoException).code === 'string') return reject(err);
      resolvePromise({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr, ms });
    });
  });
}

/** Local module sources (`source = "../x"`) of the .tf files in a directory, resolved. */
function localModuleDirs(dir: string, seen = new Set<string>()): Set<string> {
  const abs = resolve(dir);
  if (seen.has(abs)) return seen;
  seen.add(abs);
  for (const f of readdirSync(abs).filter((n) => n.endsWith('.tf'))) {
    const text = readFileSync(join(abs, f), 'utf8');
    for (const m of text.matchAll(/source\s*=\s*"(\.{1,2}\/[^"]*)"/g)) localModuleDirs(join(abs, m[1]!), seen);
  }
  return seen;
}

const SKIP = new Set(['.terraform', '.terraform.d', '.terraform.lock.hcl', 'override.tf', '.terraformrc']);

/**
 * A copy of a module (and of the local modules it calls, at the same relative places) in a new
 * temporary directory, without anything `init` or a state left in the original.
 */
export function copyModule(dir: string): { root: string; workDir: string } {
  const dirs = [...localModuleDirs(dir)];
  let common = dirs[0]!;
  for (const d of dirs) while (d !== common && !d.startsWith(common + sep)) common = dirname(common);
  const root = mkdtempSync(join(tmpdir(), 'vintner-tf-'));
  for (const d of dirs) {
    cpSync(d, join(root, relative(common, d)), {
      recursive: true,
      filter: (src) => !SKIP.has(basename(src)) && !/\.tfstate/.test(basename(src)),
    });
  }
  return { root, workDir: join(root, relative(common, resolve(dir))) };
}

export interface Diagnostic {
  severity: 'error' | 'warning';
  summary: string;
  detail: string;
  /** the file in the original module directory, when Terraform gave a range */
  file?: string;
  line?: number;
  column?: number;
  /** the source line Terraform quoted, if any */
  snippet?: string;
}

interface TfJsonDiagnostic {
  severity: string;
  summary: string;
  detail?: string;
  range?: { filename: string; start: { line: number; column: number } };
  snippet?: { code?: string };
}

function toDiagnostic(d: TfJsonDiagnostic, moduleDir: string, copyDir: string): Diagnostic {
  const out: Diagnostic = { severity: d.severity === 'warning' ? 'warning' : 'error', summary: d.summary, detail: d.detail ?? '' };
  if (d.range) {
    const abs = resolve(copyDir, d.range.filename);
    out.file = abs.startsWith(copyDir + sep) || abs === copyDir ? join(moduleDir, relative(copyDir, abs)) : d.range.filename;
    out.line = d.range.start.line;
    out.column = d.range.start.column;
  }
  if (d.snippet?.code) out.snippet = d.snippet.code;
  return out;
}

/** Terraform reports in no fixed order: by file, line and column. */
export function sortDiagnostics(ds: Diagnostic[]): Diagnostic[] {
  return [...ds].sort((a, b) => (a.file ?? '').localeCompare(b.file ?? '') || (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
}

export interface ValidateResult {
  valid: boolean;
  diagnostics: Diagnostic[];
  /** milliseconds */
  timings: { init: number; validate: number };
}

export interface ModuleOptions {
  mirror?: ProviderMirror;
  /** extra environment for terraform */
  env?: Record<string, string>;
  /** limit of each terraform command (default 300 s; a loaded machine may need more) */
  timeoutMs?: number;
}

async function initCopy(dir: string, mirror: ProviderMirror, env: Record<string, string> | undefined, backend: 'none' | 'local', timeoutMs?: number) {
  const copy = copyModule(dir);
  if (backend === 'local') writeFileSync(join(copy.workDir, 'override.tf'), 'terraform {\n  backend "local" {}\n}\n');
  const tfEnv = terraformEnv(mirror, copy.workDir, env);
  const args = ['init', '-input=false', '-no-color'];
  if (backend === 'none') args.push('-backend=false');
  const init = await runTerraform(args, copy.workDir, tfEnv, timeoutMs);
  return { copy, tfEnv, init };
}

function initFailure(r: CommandResult, moduleDir: string): Diagnostic {
  return {
    severity: 'error',
    summary: 'terraform init failed',
    detail: `${r.stderr}${r.stdout}`.trim(),
    file: moduleDir,
  };
}

/**
 * `terraform init -backend=false` then `terraform validate -json` in a copy of `dir`; the
 * diagnostics name the files of `dir` itself.
 */
export async function validateModule(dir: string, opts: ModuleOptions = {}): Promise<ValidateResult> {
  const moduleDir = resolve(dir);
  const mirror = opts.mirror ?? (await sharedMirror());
  const { copy, tfEnv, init } = await initCopy(moduleDir, mirror, opts.env, 'none', opts.timeoutMs);
  try {
    if (init.code !== 0) return { valid: false, diagnostics: [initFailure(init, moduleDir)], timings: { init: init.ms, validate: 0 } };
    const v = await runTerraform(['validate', '-json', '-no-color'], copy.workDir, tfEnv, opts.timeoutMs);
    let parsed: { valid: boolean; diagnostics: TfJsonDiagnostic[] };
    try {
      parsed = JSON.parse(v.stdout) as typeof parsed;
    } catch {
      throw new Error(`terraform validate -json printed no JSON (exit ${v.code}): ${v.stderr || v.stdout}`);
    }
    return {
      valid: parsed.valid,
      diagnostics: sortDiagnostics(parsed.diagnostics.map((d) => toDiagnostic(d, moduleDir, copy.workDir))),
      timings: { init: init.ms, validate: v.ms },
    };
  } finally {
    rmSync(copy.root, { recursive: true, force: true });
  }
}

export interface TestRun {
  file: string;
  run: string;
  status: string;
}

export interface TerraformTestResult {
  /** Terraform's overall status: pass, fail, error or skip */
  status: string;
  exitCode: number;
  runs: TestRun[];
  /** test_file status per test file */
  files: Record<string, string>;
  diagnostics: Diagnostic[];
  /** every -json message as Terraform printed it */
  messages: Array<Record<string, unknown>>;
  timings: { init: number; test: number };
}

export interface TestOptions extends ModuleOptions {
  /** `-filter=` test files (relative to the module) */
  filter?: string[];
  /** `-var` values */
  vars?: Record<string, string>;
  /** the tests directory (Terraform's default: tests) */
  testDirectory?: string;
}

/** `terraform test -json` in a copy of `dir` (mock providers work: the real ones are installed). */
export async function runTerraformTest(dir: string, opts: TestOptions = {}): Promise<TerraformTestResult> {
  const moduleDir = resolve(dir);
  const mirror = opts.mirror ?? (await sharedMirror());
  const { copy, tfEnv, init } = await initCopy(moduleDir, mirror, opts.env, 'none', opts.timeoutMs);
  try {
    if (init.code !== 0) {
      return { status: 'error', exitCode: init.code, runs: [], files: {}, diagnostics: [initFailure(init, moduleDir)], messages: [], timings: { init: init.ms, test: 0 } };
    }
    const args = ['test', '-json', '-no-color'];
    for (const f of opts.filter ?? []) args.push(`-filter=${f}`);
    for (const [k, v] of Object.entries(opts.vars ?? {})) args.push('-var', `${k}=${v}`);
    if (opts.testDirectory) args.push(`-test-directory=${opts.testDirectory}`);
    const r = await runTerraform(args, copy.workDir, tfEnv, opts.timeoutMs);
    const messages = r.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const runs: TestRun[] = [];
    const files: Record<string, string> = {};
    const diagnostics: Diagnostic[] = [];
    let status = r.code === 0 ? 'pass' : 'error';
    for (const m of messages) {
      if (m.type === 'test_run' && (m.test_run as { progress?: string }).progress === 'complete') {
        const tr = m.test_run as { path: string; run: string; status: string };
        runs.push({ file: tr.path, run: tr.run, status: tr.status });
      } else if (m.type === 'test_file' && (m.test_file as { status?: string }).status) {
        const tf = m.test_file as { path: string; status: string; progress?: string };
        if (!tf.progress || tf.progress === 'complete') files[tf.path] = tf.status;
      } else if (m.type === 'test_summary') {
        status = (m.test_summary as { status: string }).status;
      } else if (m.type === 'diagnostic') {
        diagnostics.push(toDiagnostic(m.diagnostic as TfJsonDiagnostic, moduleDir, copy.workDir));
      }
    }
    return { status, exitCode: r.code, runs, files, diagnostics, messages, timings: { init: init.ms, test: r.ms } };
  } finally {
    rmSync(copy.root, { recursive: true, force: true });
  }
}

/** Files `terraform fmt` would change (recursively), relative to `dir`. */
export async function fmtCheck(dir: string): Promise<{ files: string[]; ms: number }> {
  const moduleDir = resolve(dir);
  const scratch = mkdtempSync(join(tmpdir(), 'vintner-tf-fmt-'));
  try {
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: scratch, TF_CLI_CONFIG_FILE: join(scratch, 'none.tfrc'), CHECKPOINT_DISABLE: '1' };
    writeFileSync(env.TF_CLI_CONFIG_FILE, '');
    const r = await runTerraform(['fmt', '-check', '-recursive', '-list=true', '-no-color'], moduleDir, env);
    if (r.code !== 0 && r.code !== 3) throw new Error(`terraform fmt failed (exit ${r.code}): ${r.stderr}`);
    return { files: r.stdout.split('\n').filter(Boolean), ms: r.ms };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

export interface Workdir {
  /** the module's copy, where terraform runs */
  dir: string;
  env: Record<string, string>;
  initMs: number;
  /** one terraform command in the copy */
  run(args: string[]): Promise<CommandResult>;
  remove(): void;
}

/**
 * A copy of `dir` with a local backend (override.tf replaces `backend "http" {}`), initialised, for
 * plan / apply / destroy against the schema-only providers.
 */
export async function prepareWorkdir(dir: string, opts: ModuleOptions = {}): Promise<Workdir> {
  const mirror = opts.mirror ?? (await sharedMirror());
  const { copy, tfEnv, init } = await initCopy(resolve(dir), mirror, opts.env, 'local', opts.timeoutMs);
  if (init.code !== 0) {
    rmSync(copy.root, { recursive: true, force: true });
    throw new Error(`terraform init failed:\n${init.stderr}${init.stdout}`);
  }
  return {
    dir: copy.workDir,
    env: tfEnv,
    initMs: init.ms,
    run: (args) => runTerraform(args, copy.workDir, tfEnv, opts.timeoutMs),
    remove: () => rmSync(copy.root, { recursive: true, force: true }),
  };
}

export interface PlanResult {
  ok: boolean;
  diagnostics: Diagnostic[];
  /** resource address → action (create, update, delete, replace, read, noop) */
  changes: Record<string, string>;
  summary?: { add: number; change: number; remove: number };
  timings: { init: number; plan: number };
}

export interface PlanOptions extends ModuleOptions {
  /** written as terraform.tfvars.json in the copy */
  vars?: Record<string, unknown>;
  /** `-var-file`s (absolute or relative to the current directory) */
  varFiles?: string[];
}

/**
 * `terraform plan -json` of `dir` against the schema-only providers (local backend in the copy):
 * what validate cannot see — values, `for_each` keys, sensitive outputs, indexes — with the
 * diagnostics mapped back to the module's files.
 */
export async function planModule(dir: string, opts: PlanOptions = {}): Promise<PlanResult> {
  const moduleDir = resolve(dir);
  let w: Workdir;
  try {
    w = await prepareWorkdir(moduleDir, opts);
  } catch (err) {
    return { ok: false, diagnostics: [{ severity: 'error', summary: 'terraform init failed', detail: (err as Error).message, file: moduleDir }], changes: {}, timings: { init: 0, plan: 0 } };
  }
  try {
    if (opts.vars) writeFileSync(join(w.dir, 'terraform.tfvars.json'), JSON.stringify(opts.vars));
    const args = ['plan', '-json', '-input=false', '-lock=false'];
    for (const f of opts.varFiles ?? []) args.push(`-var-file=${resolve(f)}`);
    const r = await w.run(args);
    const diagnostics: Diagnostic[] = [];
    const changes: Record<string, string> = {};
    let summary: PlanResult['summary'];
    for (const line of r.stdout.split('\n')) {
      if (!line.startsWith('{')) continue;
      const m = JSON.parse(line) as { type: string; diagnostic?: TfJsonDiagnostic; change?: { resource: { addr: string }; action: string }; changes?: PlanResult['summary'] };
      if (m.type === 'diagnostic' && m.diagnostic) diagnostics.push(toDiagnostic(m.diagnostic, moduleDir, w.dir));
      else if (m.type === 'planned_change' && m.change) changes[m.change.resource.addr] = m.change.action;
      else if (m.type === 'change_summary' && m.changes) summary = { add: m.changes.add, change: m.changes.change, remove: m.changes.remove };
    }
    if (r.code !== 0 && !diagnostics.some((d) => d.severity === 'error')) {
      diagnostics.push({ severity: 'error', summary: `terraform plan failed (exit ${r.code})`, detail: r.stderr.trim(), file: moduleDir });
    }
    return { ok: r.code === 0, diagnostics, changes, summary, timings: { init: w.initMs, plan: r.ms } };
  } finally {
    w.remove();
  }
}

/** `file:line:column: severity: summary: detail` — the one-line form tools print. */
export function formatDiagnostic(d: Diagnostic, cwd = process.cwd()): string {
  const where = d.file ? `${relative(cwd, d.file) || '.'}${d.line ? `:${d.line}:${d.column ?? 1}` : ''}: ` : '';
  const detail = d.detail.split('\n').find((l) => l.trim()) ?? '';
  return `${where}${d.severity}: ${d.summary}${detail ? `: ${detail.trim()}` : ''}`;
}

export const moduleExists = (dir: string) => existsSync(dir) && readdirSync(dir).some((n) => n.endsWith('.tf'));
