/**
 * What Grape prints: aligned tables for people (statuses coloured on a terminal; plain when piped
 * or NO_COLOR is set), JSON for scripts, and a progress line on stderr while waiting.
 */
import type { Writable } from 'node:stream';

export interface Io {
  stdout: Writable & { isTTY?: boolean; columns?: number };
  stderr: Writable & { isTTY?: boolean };
  stdin: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?(raw: boolean): unknown };
  env: NodeJS.ProcessEnv;
}

export function useColor(io: Io): boolean {
  if (io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '') return false;
  if (io.env.FORCE_COLOR && io.env.FORCE_COLOR !== '0') return true;
  return !!io.stdout.isTTY && io.env.TERM !== 'dumb';
}

const CODES = { green: 32, yellow: 33, red: 31, dim: 2, bold: 1, cyan: 36 } as const;
type Colour = keyof typeof CODES;
export const paint = (on: boolean, colour: Colour, s: string) => (on ? `\u001b[${CODES[colour]}m${s}\u001b[0m` : s);

const STATUS_COLOUR: Record<string, Colour> = {
  SUCCESS: 'green', ACTIVE: 'green', RUNNING: 'green',
  FAILED: 'red', DEAD: 'red',
  QUEUED: 'yellow', CLAIMED: 'yellow', PROCESSING: 'yellow', PROVISIONING: 'yellow', DESTROYING: 'yellow', CREATING: 'yellow', UPDATING: 'yellow', PENDING: 'yellow',
  CANCELLED: 'dim', DESTROYED: 'dim', DRAFT: 'dim', STOPPED: 'dim',
};
export const status = (on: boolean, s: string) => paint(on, STATUS_COLOUR[s] ?? 'bold', s);

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;
const width = (s: string) => [...s.replace(ANSI, '')].length;

/** Columns padded to their widest cell; `cells` may hold colour codes (not counted). */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i] ?? ''))));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c + ' '.repeat(widths[i]! - width(c))))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n') + '\n';
}

export function printJson(io: Io, value: unknown): void {
  io.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

/** "3 min ago", "2 h ago", or the date. */
export function ago(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return '-';
  const s = Math.round((now - new Date(iso).getTime()) / 1000);
  if (s < 60) return `${Math.max(s, 0)} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`;
  return iso.slice(0, 10);
}

export const duration = (ms: number) => {
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
};


/**
 * A spinner with a status text on stderr when it is a terminal; otherwise each new text is one
 * plain line (so logs of a CI run still show the job's progress). `clear()` before printing a log
 * line keeps the two from tangling.
 */
export function progress(io: Io) {
  const tty = !!io.stderr.isTTY;
  const frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
  let text = '';
  let frame = 0;
  let shown = false;
  let timer: NodeJS.Timeout | undefined;
  const draw = () => {
    io.stderr.write(`\r\u001b[2K${frames[frame++ % frames.length]} ${text}`);
    shown = true;
  };
  return {
    update(next: string) {
      if (next === text) return;
      text = next;
      if (!tty) {
        io.stderr.write(`${next}\n`);
        return;
      }
      draw();
      timer ??= setInterval(draw, 100);
      timer.unref();
    },
    /** Redraws with a live suffix (elapsed time) without printing a new line when piped. */
    tick(next: string) {
      if (tty) {
        text = next;
        if (!timer) draw();
      }
    },
    clear() {
      if (tty && shown) {
        io.stderr.write('\r\u001b[2K');
        shown = false;
      }
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      this.clear();
    },
  };
}
export type Progress = ReturnType<typeof progress>;
