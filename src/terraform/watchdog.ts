/**
 * Terraform dies with its Tendril. Each Terraform command runs in its own process group; one
 * small watchdog process per Tendril process (`watchdog-process.mjs`, plain JavaScript: no loader,
 * quick to start) is told each group as it starts and ends. When the Tendril dies without stopping
 * its runs — kill -9, an out-of-memory kill — the watchdog sees its pipe close (or its parent
 * change) and stops every group it knows: SIGINT at once (Terraform stops gracefully and saves its
 * state), SIGKILL a second later. So no Terraform outlives its Tendril by more than a second.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('./watchdog-process.mjs', import.meta.url));
/** After the Tendril died: SIGINT, then SIGKILL this long after. */
export const ORPHAN_GRACE_MS = 1000;

let child: ChildProcess | undefined;
const groups = new Set<number>();

function send(line: string): void {
  if (!child?.stdin || child.stdin.destroyed) return;
  child.stdin.write(`${line}\n`);
}

function ensure(): void {
  if (child && child.exitCode === null && child.signalCode === null && child.stdin && !child.stdin.destroyed) return;
  child = spawn(process.execPath, [SCRIPT, String(process.pid), String(ORPHAN_GRACE_MS)], { stdio: ['pipe', 'ignore', 'ignore'] });
  child.on('error', () => {}); // cannot start: Terraform runs on, stopped by the Tendril as before
  child.stdin?.on('error', () => {});
  // Neither the watchdog nor its pipe keeps this process alive.
  child.unref();
  (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  for (const g of groups) send(`+${g}`);
}

/** Starts watching a Terraform process group (its leader's pid). */
export function watchGroup(pgid: number): void {
  groups.add(pgid);
  ensure();
  send(`+${pgid}`);
}

export function unwatchGroup(pgid: number): void {
  groups.delete(pgid);
  send(`-${pgid}`);
}

/** A signal to a process (or its whole group); a process already gone is not an error. */
export function signalGroup(pid: number, signal: NodeJS.Signals, wholeGroup: boolean): void {
  try {
    process.kill(wholeGroup ? -pid : pid, signal);
  } catch {
    // already exited
  }
}
