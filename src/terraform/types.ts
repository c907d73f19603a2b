import type { InitCache } from './init-cache.js';

/** Where a run's state lives: Terraform's http backend. */
export interface StateBackend {
  address: string;
  username: string;
  password: string;
}
/** One human-readable line of a Terraform run, already redacted. */
export interface LogLine {
  stream: 'stdout' | 'stderr' | 'system';
  level: 'debug' | 'info' | 'warn' | 'error';
  line: string;
}

export type ResourceAction = 'create' | 'update' | 'delete' | 'replace' | 'read' | 'noop';

/**
 * A resource's apply progress, from `-json` apply_start / apply_complete / apply_errored, mapped to
 * its component. A replaced resource shows as a `delete` then a `create` (that is what Terraform's
 * hooks report). `errored` events carry Terraform's diagnostic for that address, so they are emitted
 * once the diagnostic arrives (Terraform prints diagnostics at the end of the operation).
 */
export interface ResourceEvent {
  address: string;
  kind: string;
  name: string;
  phase: 'start' | 'complete' | 'errored';
  action: ResourceAction;
  error?: string;
}

export type ChangeAction = 'create' | 'update' | 'delete' | 'replace' | 'noop';

export interface ComponentChange {
  kind: string;
  name: string;
  action: ChangeAction;
  resources: { create: number; update: number; delete: number; replace: number };
}

/** Totals follow Terraform's own "Plan: X to add, Y to change, Z to destroy" (a replace adds and destroys). */
export interface PlanSummary {
  add: number;
  change: number;
  destroy: number;
  components: ComponentChange[];
}

export interface Diagnostic {
  severity: 'error' | 'warning';
  summary: string;
  detail: string;
  address?: string;
  /** "data.tf line 13", when Terraform gives a range. */
  location?: string;
}

export interface TerraformRunOptions {
  /** The terraform binary, e.g. 'terraform'. */
  bin: string;
  /** Module directory name under terraform/, e.g. 'local'. */
  target: string;
  /** Per-job directory; prepare() creates and fills it. */
  workDir: string;
  /** Written as terraform.tfvars.json: nothing secret (see `sensitiveVars`). */
  vars: Record<string, unknown>;
  /**
   * The `http` backend: the address of the vine's state (Trellis's /api/v1/state/…, or the
   * in-house Tendril's local state server) and the job's own credential, good while it runs. They
   * reach Terraform as TF_HTTP_* in its environment: nothing of them is written to a file.
   */
  backend: StateBackend;
  /** How long a command waits for another run's state lock (default 60 s). */
  lockTimeoutSeconds?: number;
  /** Extra environment (cloud credentials); nothing else of the parent's environment but PATH. */
  env?: Record<string, string>;
  /**
   * Variables never written to a file (`secret_values`): they reach Terraform as `TF_VAR_<name>`
   * in its environment, and every string in them is redacted from the logs.
   */
  sensitiveVars?: Record<string, unknown>;
  /** Replaced by '[redacted]' in every log line, error text, resource event and the returned plan JSON. */
  secrets?: string[];
  /** Cancel: SIGINT to terraform, SIGKILL after killGraceMs. */
  signal?: AbortSignal;
  /** Limit for one terraform command. */
  timeoutMs: number;
  killGraceMs: number;
  onLine(line: LogLine): void;
  onResourceEvent?(ev: ResourceEvent): void;
  /** Each resource change an apply is about to make (before its apply_start events). */
  onPlannedChange?(change: { address: string; action: ChangeAction }): void;
  /** Where the targets live; defaults to the repository's terraform/ directory. */
  modulesDir?: string;
  /**
   * A filesystem mirror of providers (TERRAFORM_PROVIDER_MIRROR): written into the run's CLI config as
   * the only place Terraform installs providers from. Without it Terraform's default (the registry).
   */
  providerMirror?: string;
  /** Reuse an earlier run's init of the same module (see init-cache.ts); every run inits without it. */
  initCache?: InitCache;
}
