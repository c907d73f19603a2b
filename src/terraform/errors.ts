import type { Diagnostic } from './types.js';

/**
 * A Terraform command that failed, was cancelled or timed out. `message` is Terraform's own error
 * diagnostics (summary, address, detail), redacted; `stderrTail` the end of its stderr, redacted.
 */
export class TerraformError extends Error {
  override name = 'TerraformError';
  readonly command: string;
  readonly exitCode: number | undefined;
  readonly stderrTail: string;
  readonly cancelled: boolean;
  readonly timedOut: boolean;
  readonly diagnostics: Diagnostic[];

  constructor(
    message: string,
    o: { command: string; exitCode?: number | undefined; stderrTail?: string; cancelled?: boolean; timedOut?: boolean; diagnostics?: Diagnostic[] },
  ) {
    super(message);
    this.command = o.command;
    this.exitCode = o.exitCode;
    this.stderrTail = o.stderrTail ?? '';
    this.cancelled = o.cancelled ?? false;
    this.timedOut = o.timedOut ?? false;
    this.diagnostics = o.diagnostics ?? [];
  }
}

/** The error diagnostics as one message: "summary (address): detail; …", each detail on one line. */
export function diagnosticsMessage(diags: readonly Diagnostic[], max = 2000): string {
  const seen = new Set<string>();
  const parts: string[] = [];
  for (const d of diags) {
    if (d.severity !== 'error') continue;
    const detail = d.detail.replace(/\s+/g, ' ').trim();
    const part = `${d.summary}${d.address ? ` (${d.address})` : ''}${detail ? `: ${detail}` : ''}`;
    if (seen.has(part)) continue;
    seen.add(part);
    parts.push(part);
  }
  const msg = parts.join('; ');
  return msg.length > max ? `${msg.slice(0, max - 1)}…` : msg;
}
