/**
 * Pure parsing of Terraform's machine-readable UI (`-json`): one line in, what it means out.
 * https://developer.hashicorp.com/terraform/internals/machine-readable-ui
 */
import { KIND_NAMES } from '../domain/components/catalogue.js';
import type { ChangeAction, Diagnostic, LogLine, ResourceAction, ResourceEvent } from './types.js';

export interface ParsedLine {
  /** The human text; may hold several lines (diagnostics, the interrupt notice): split to show. */
  logLine?: LogLine;
  resourceEvent?: ResourceEvent;
  diagnostic?: Diagnostic;
  /** The message type (`apply_start`, `diagnostic`, …); undefined for a line that is not JSON. */
  type?: string;
  /** `planned_change` (plan, and the plan an `apply` without a plan file makes first). */
  plannedChange?: { address: string; action: ChangeAction };
  /** `outputs`: the last one of an apply carries the values (sensitive ones without). */
  outputs?: Record<string, { sensitive?: boolean; value?: unknown }>;
}

const KINDS = new Set<string>(KIND_NAMES);
// <type>.<kind>["<name>"] or <type>.<kind>__<suffix>["<name>"]; data sources too. No module prefix:
// the naming rule is for the target's root module.
const ADDRESS = /^(?:data\.)?[A-Za-z][A-Za-z0-9_-]*\.([A-Za-z][A-Za-z0-9_-]*)\["((?:[^"\\]|\\.)*)"\]$/;

/** The component a resource address belongs to, by the targets' naming rule; undefined if none. */
export function mapAddressToComponent(address: string): { kind: string; name: string } | undefined {
  const m = ADDRESS.exec(address);
  if (!m) return undefined;
  const resourceName = m[1]!;
  const sep = resourceName.indexOf('__');
  const kind = sep === -1 ? resourceName : resourceName.slice(0, sep);
  if (!KINDS.has(kind) || sep === 0) return undefined;
  let key: string;
  try {
    key = JSON.parse(`"${m[2]!}"`) as string;
  } catch {
    return undefined;
  }
  // `"<name>"`, or `"<name>/<sub>"` where a component has several of one part (per-zone subnets);
  // component names never hold a "/".
  const name = key.split('/')[0]!;
  return name ? { kind, name } : undefined;
}

/** The component's own resource (`<kind>["x"]`), as opposed to its `<kind>__<suffix>["x"]` parts. */
export function isPrimaryAddress(address: string): boolean {
  const m = ADDRESS.exec(address);
  return !!m && !m[1]!.includes('__');
}

const HOOK_ACTIONS: Record<string, ResourceAction> = {
  create: 'create',
  update: 'update',
  delete: 'delete',
  replace: 'replace',
  read: 'read',
  noop: 'noop',
};
const PHASES: Record<string, ResourceEvent['phase']> = {
  apply_start: 'start',
  apply_complete: 'complete',
  apply_errored: 'errored',
};
const LEVELS: Record<string, LogLine['level']> = { trace: 'debug', debug: 'debug', info: 'info', warn: 'warn', error: 'error' };

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g;
export const stripAnsi = (s: string): string => s.replace(ANSI, '');

/** A line of human (non-JSON) output: init, workspace, state push, or stderr. */
export function parsePlainLine(line: string, stream: 'stdout' | 'stderr'): LogLine {
  // Terraform frames human diagnostics with box-drawing characters: keep the text only.
  const text = stripAnsi(line).replace(/^[│╷╵]\s?/, '').trimEnd();
  let level: LogLine['level'] = stream === 'stderr' ? 'error' : 'info';
  if (/^Warning:/.test(text)) level = 'warn';
  else if (/^Error:/.test(text)) level = 'error';
  return { stream, level, line: text };
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function toDiagnostic(d: Record<string, unknown>): Diagnostic {
  const range = d.range as { filename?: unknown; start?: { line?: unknown } } | undefined;
  const diag: Diagnostic = {
    severity: d.severity === 'warning' ? 'warning' : 'error',
    summary: str(d.summary) ?? '',
    detail: str(d.detail) ?? '',
  };
  const address = str(d.address);
  if (address) diag.address = address;
  if (range && typeof range.filename === 'string') {
    diag.location = typeof range.start?.line === 'number' ? `${range.filename} line ${range.start.line}` : range.filename;
  }
  return diag;
}

/** A diagnostic as Terraform shows it to people, minus the box drawing. */
export function renderDiagnostic(d: Diagnostic): string {
  const lines = [`${d.severity === 'warning' ? 'Warning' : 'Error'}: ${d.summary}`];
  if (d.address) lines.push(`  with ${d.address}`);
  if (d.location) lines.push(`  on ${d.location}`);
  const detail = d.detail.trim();
  if (detail) lines.push(...detail.split('\n').map((l) => `  ${l}`.trimEnd()));
  return lines.join('\n');
}

/**
 * One line of `terraform <plan|apply|destroy> -json` output. Lines that are not JSON become plain
 * log lines; unknown message types keep their `@message`.
 */
export function parseJsonLine(line: string, stream: 'stdout' | 'stderr' = 'stdout'): ParsedLine {
  const trimmed = line.trim();
  let msg: Record<string, unknown> | undefined;
  if (trimmed.startsWith('{')) {
    try {
      const v: unknown = JSON.parse(trimmed);
      if (v && typeof v === 'object' && !Array.isArray(v)) msg = v as Record<string, unknown>;
    } catch {
      msg = undefined;
    }
  }
  if (!msg) return trimmed ? { logLine: parsePlainLine(line, stream) } : {};

  const type = str(msg.type) ?? 'unknown';
  let level = LEVELS[str(msg['@level']) ?? 'info'] ?? 'info';
  let text = str(msg['@message']) ?? '';
  const out: ParsedLine = { type };

  if (type === 'diagnostic' && msg.diagnostic && typeof msg.diagnostic === 'object') {
    out.diagnostic = toDiagnostic(msg.diagnostic as Record<string, unknown>);
    level = out.diagnostic.severity === 'warning' ? 'warn' : 'error';
    text = renderDiagnostic(out.diagnostic);
  }
  if (type.endsWith('_errored')) level = 'error'; // Terraform marks these "info"

  const phase = PHASES[type];
  const hook = msg.hook as { resource?: { addr?: unknown }; action?: unknown } | undefined;
  const address = str(hook?.resource?.addr);
  const action = HOOK_ACTIONS[str(hook?.action) ?? ''];
  if (phase && address && action) {
    const component = mapAddressToComponent(address);
    if (component) out.resourceEvent = { address, ...component, phase, action };
  }
  if (type === 'planned_change') {
    const change = msg.change as { resource?: { addr?: unknown; resource_key?: unknown }; action?: unknown } | undefined;
    const addr = str(change?.resource?.addr);
    const a = str(change?.action);
    const mapped: ChangeAction | undefined = a === 'create' || a === 'update' || a === 'delete' || a === 'replace' ? a : undefined;
    if (addr && mapped && !addr.startsWith('data.')) out.plannedChange = { address: addr, action: mapped };
  }
  if (type === 'outputs' && msg.outputs && typeof msg.outputs === 'object') {
    out.outputs = msg.outputs as Record<string, { sensitive?: boolean; value?: unknown }>;
  }
  if (text.trim()) out.logLine = { stream, level, line: text };
  return out;
}
