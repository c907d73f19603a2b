/**
 * Asking the person at the keyboard: a password without echo when stdin is a terminal (else the
 * first line of stdin, so scripts and tests can pipe it), and yes/no questions.
 */
import { EXIT, GrapeError } from './errors.js';
import type { Io } from './output.js';

/** The next line of a non-terminal stdin; undefined at its end. Buffers what follows for later calls. */
const pending = new WeakMap<object, { buffer: string; ended: boolean; waiters: Array<() => void> }>();
export function readLine(io: Io): Promise<string | undefined> {
  let state = pending.get(io.stdin);
  if (!state) {
    const s = { buffer: '', ended: false, waiters: [] as Array<() => void> };
    pending.set(io.stdin, s);
    state = s;
    io.stdin.setEncoding?.('utf8');
    io.stdin.on('data', (chunk: string | Buffer) => {
      s.buffer += chunk.toString();
      s.waiters.splice(0).forEach((w) => w());
    });
    io.stdin.on('end', () => {
      s.ended = true;
      s.waiters.splice(0).forEach((w) => w());
    });
    io.stdin.on('error', () => {
      s.ended = true;
      s.waiters.splice(0).forEach((w) => w());
    });
  }
  const s = state;
  return new Promise((resolve) => {
    const attempt = () => {
      const nl = s.buffer.indexOf('\n');
      if (nl >= 0) {
        const line = s.buffer.slice(0, nl).replace(/\r$/, '');
        s.buffer = s.buffer.slice(nl + 1);
        io.stdin.pause();
        return resolve(line);
      }
      if (s.ended) {
        const rest = s.buffer;
        s.buffer = '';
        return resolve(rest.length ? rest : undefined);
      }
      s.waiters.push(attempt);
      io.stdin.resume();
    };
    attempt();
  });
}

/** Reads a password on a terminal with echo off; Ctrl-C aborts, Backspace erases. */
function readHidden(io: Io, question: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = io.stdin;
    io.stderr.write(question);
    stdin.setRawMode!(true);
    stdin.setEncoding('utf8');
    stdin.resume();
    let value = '';
    const done = (fn: () => void) => {
      stdin.setRawMode!(false);
      stdin.pause();
      stdin.removeListener('data', onData);
      io.stderr.write('\n');
      fn();
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') return done(() => resolve(value));
        if (ch === '\u0003') return done(() => reject(new GrapeError('cancelled', EXIT.INTERRUPTED)));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else if (ch >= ' ') value += ch;
      }
    };
    stdin.on('data', onData);
  });
}

export async function askPassword(io: Io, question = 'Password: '): Promise<string> {
  if (io.env.VINTNER_PASSWORD) return io.env.VINTNER_PASSWORD;
  if (io.stdin.isTTY && io.stdin.setRawMode) return readHidden(io, question);
  const line = await readLine(io);
  if (line === undefined || line === '') throw new GrapeError('no password: type it, pipe it on stdin, or set VINTNER_PASSWORD', EXIT.USAGE);
  return line;
}

export async function ask(io: Io, question: string): Promise<string | undefined> {
  io.stderr.write(question);
  const line = await readLine(io);
  return line?.trim();
}
