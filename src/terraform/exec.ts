/**
 * One Terraform command through execa: scrubbed environment, cancel by SIGINT (SIGKILL after a
 * grace period), a timeout, and its output streamed line by line into log lines and resource events.
 */
import { createInterface } from 'node:readline';
import { execa } from 'execa';
import { diagnosticsMessage, TerraformError } from './errors.js';
import { parseJsonLine, parsePlainLine } from './parse.js';
import { signalGroup, unwatchGroup, watchGroup } from './watchdog.js';
import type { ChangeAction, Diagnostic, LogLine, ResourceEvent } from './types.js';

export interface CommandContext {
  bin: string;
  cwd: string;
  env: Record<string, string>;
  signal?: AbortSignal | undefined;
  timeoutMs: number;
  killGraceMs: number;
  redact(text: string): string;
  /** Takes raw text: splits it into lines, redacts, drops blank lines. */
  emit(line: LogLine): void;
  onResourceEvent?: ((ev: ResourceEvent) => void) | undefined;
  onPlannedChange?: ((c: { address: string; action: ChangeAction }) => void) | undefined;
  onOutputs?: ((o: Record<string, { sensitive?: boolean; value?: unknown }>) => void) | undefined;
}

export interface CommandMode {
  /** Parse stdout as `-json` UI messages. */
  json?: boolean;
  /** Collect stdout and return it instead of logging it (show -json, output -json, version -json). */
  collect?: boolean;
  /** Honour the run's AbortSignal (false for clean-up steps that must run after a cancel). */
  cancellable?: boolean;
  /** Environment changes for this command only (undefined removes a variable). */
  env?: Record<string, string | undefined>;
}

export interface CommandResult {
  stdout: string;
  diagnostics: Diagnostic[];
}

const STDERR_TAIL = 4000;

export async function runCommand(ctx: CommandContext, args: string[], mode: CommandMode = {}): Promise<CommandResult> {
  const command = args[0] ?? '';
  const signal = mode.cancellable === false ? undefined : ctx.signal;
  if (signal?.aborted) {
    throw new TerraformError(`terraform ${command} was not started: the run was cancelled`, { command, cancelled: true });
  }
  ctx.emit({ stream: 'system', level: 'info', line: `$ terraform ${args.join(' ')}` });
  const started = Date.now();

  const env: Record<string, string> = { ...ctx.env };
  for (const [k, v] of Object.entries(mode.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  // Its own process group (detached), so a SIGKILL reaches its providers and provisioners too, and
  // the watchdog stops the group should this process die without stopping it (kill -9).
  const sub = execa(ctx.bin, args, {
    cwd: ctx.cwd,
    env,
    extendEnv: false,
    stdin: 'ignore',
    buffer: false,
    reject: false,
    detached: true,
  });
  const pid = sub.pid;
  if (pid !== undefined) watchGroup(pid);

  // Stopping: SIGINT (Terraform stops gracefully and saves its state), then SIGKILL to the whole
  // group after the grace — the reason's own (`killGraceMs`, a Tendril stopping itself before its
  // lease ends) or the configured one.
  let killTimer: NodeJS.Timeout | undefined;
  let forced = false;
  let timedOut = false;
  const stop = (why: string, graceMs: number) => {
    if (pid === undefined || sub.exitCode !== null || killTimer) return;
    ctx.emit({ stream: 'system', level: 'warn', line: `${why}: sending SIGINT to terraform ${command} (SIGKILL if it has not exited after ${Math.round(graceMs / 1000)}s)` });
    signalGroup(pid, 'SIGINT', false);
    killTimer = setTimeout(() => {
      forced = true;
      signalGroup(pid, 'SIGKILL', true);
    }, graceMs);
  };
  const onAbort = () => {
    // The reason may say why in a few words (`notice`) and ask for a shorter grace (`killGraceMs`).
    const reason = signal?.reason as { killGraceMs?: unknown; notice?: unknown } | undefined;
    const grace = typeof reason?.killGraceMs === 'number' ? reason.killGraceMs : ctx.killGraceMs;
    stop(typeof reason?.notice === 'string' ? reason.notice : 'Cancel requested', grace);
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  const timeout = setTimeout(() => {
    timedOut = true;
    stop(`terraform ${command} ran past its ${Math.round(ctx.timeoutMs / 1000)}s limit`, ctx.killGraceMs);
  }, ctx.timeoutMs);

  const diagnostics: Diagnostic[] = [];
  const pendingErrored = new Map<string, ResourceEvent>();
  const diagByAddress = new Map<string, Diagnostic>();
  const diagText = (d: Diagnostic) => ctx.redact(`${d.summary}${d.detail.trim() ? `: ${d.detail.trim()}` : ''}`);
  const sendEvent = (ev: ResourceEvent) => ctx.onResourceEvent?.(ev);

  const handleStdoutLine = (line: string) => {
    if (!mode.json) {
      if (line.trim()) ctx.emit(parsePlainLine(line, 'stdout'));
      return;
    }
    const p = parseJsonLine(line, 'stdout');
    if (p.logLine) ctx.emit(p.logLine);
    if (p.plannedChange) ctx.onPlannedChange?.(p.plannedChange);
    if (p.outputs) ctx.onOutputs?.(p.outputs);
    if (p.diagnostic) {
      diagnostics.push(p.diagnostic);
      const addr = p.diagnostic.address;
      if (addr && p.diagnostic.severity === 'error') {
        const ev = pendingErrored.get(addr);
        if (ev) {
          pendingErrored.delete(addr);
          sendEvent({ ...ev, error: diagText(p.diagnostic) });
        } else if (!diagByAddress.has(addr)) diagByAddress.set(addr, p.diagnostic);
      }
    }
    const ev = p.resourceEvent;
    if (ev?.phase === 'errored') {
      const d = diagByAddress.get(ev.address);
      if (d) sendEvent({ ...ev, error: diagText(d) });
      else pendingErrored.set(ev.address, ev); // its diagnostic comes at the end of the operation
    } else if (ev) sendEvent(ev);
  };

  let stdout = '';
  let stderrTail = '';
  const done: Array<Promise<void>> = [];
  const out = sub.stdout;
  if (mode.collect && out) {
    out.setEncoding('utf8');
    out.on('data', (chunk: string) => (stdout += chunk));
    done.push(new Promise((resolve) => out.once('close', () => resolve())));
  } else if (out) {
    const rl = createInterface({ input: out, crlfDelay: Infinity });
    rl.on('line', handleStdoutLine);
    done.push(new Promise((resolve) => rl.once('close', () => resolve())));
  }
  if (sub.stderr) {
    const rl = createInterface({ input: sub.stderr, crlfDelay: Infinity });
    rl.on('line', (line) => {
      stderrTail = (stderrTail + line + '\n').slice(-STDERR_TAIL);
      const p = mode.json ? parseJsonLine(line, 'stderr') : { logLine: line.trim() ? parsePlainLine(line, 'stderr') : undefined };
      if (p.logLine) ctx.emit(p.logLine);
    });
    done.push(new Promise((resolve) => rl.once('close', () => resolve())));
  }

  const result = await sub;
  await Promise.all(done);
  signal?.removeEventListener('abort', onAbort);
  clearTimeout(timeout);
  if (killTimer) clearTimeout(killTimer);
  if (pid !== undefined) unwatchGroup(pid);

  // Errored resources whose diagnostic never came (e.g. "execution halted" only).
  const general = diagnostics.find((d) => d.severity === 'error' && !d.address);
  for (const ev of pendingErrored.values()) sendEvent({ ...ev, error: general ? diagText(general) : 'Terraform reported an error for this resource' });

  const secs = ((Date.now() - started) / 1000).toFixed(1);
  const cancelled = !!signal?.aborted;
  if (forced) {
    ctx.emit({ stream: 'system', level: 'error', line: `terraform ${command} did not exit after SIGINT within the grace period: killed (SIGKILL)` });
  }
  if (!result.failed) {
    ctx.emit({ stream: 'system', level: 'debug', line: `terraform ${command} finished in ${secs}s` });
    return { stdout, diagnostics };
  }

  const tail = ctx.redact(stderrTail.trim());
  let reason = ctx.redact(diagnosticsMessage(diagnostics));
  if (!reason) reason = plainErrorMessage(tail) ?? ctx.redact(result.originalMessage ?? result.shortMessage ?? 'unknown error');
  // A cancel's diagnostics are the interrupted resources' errors: in .diagnostics, not the message.
  const message = cancelled
    ? `terraform ${command} was cancelled${forced ? ' (killed after the grace period)' : ''}`
    : timedOut
      ? `terraform ${command} timed out after ${Math.round(ctx.timeoutMs / 1000)}s${reason ? `: ${reason}` : ''}`
      : reason;
  const exitCode = typeof result.exitCode === 'number' ? result.exitCode : undefined;
  ctx.emit({
    stream: 'system',
    level: cancelled ? 'warn' : 'error',
    line: `terraform ${command} ${cancelled ? 'cancelled' : timedOut ? 'timed out' : 'failed'} after ${secs}s (${exitCode !== undefined ? `exit code ${exitCode}` : `signal ${result.signal ?? 'none'}`})`,
  });
  const redacted = diagnostics.map((d) => ({ ...d, summary: ctx.redact(d.summary), detail: ctx.redact(d.detail) }));
  throw new TerraformError(message, { command, exitCode, stderrTail: tail, cancelled, timedOut, diagnostics: redacted });
}

/** "Error: …" lines of human diagnostics on stderr (commands without -json). */
function plainErrorMessage(stderr: string): string | undefined {
  const lines = stderr.split('\n').map((l) => parsePlainLine(l, 'stderr').line);
  const i = lines.findIndex((l) => l.startsWith('Error: '));
  if (i === -1) return lines.filter((l) => l.trim()).slice(-3).join(' ') || undefined;
  const detail = lines.slice(i + 1).filter((l) => l.trim() && !l.startsWith('Error: ')).slice(0, 6).join(' ');
  return `${lines[i]!.slice('Error: '.length)}${detail ? `: ${detail}` : ''}`;
}
