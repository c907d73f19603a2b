/**
 * For Grape's tests: a real Trellis listening on a port (the app on a fresh database, optionally
 * with an in-process Tendril), and the real `grape` binary run as a child process against it.
 */
import type { Test } from 'tap';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { buildTestApp, type TestApp } from '../helpers.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
export const GRAPE = join(root, 'bin', 'grape.js');

export interface Server extends TestApp {
  url: string;
}

export async function startServer(t: Test, env: Record<string, string> = {}): Promise<Server> {
  const built = await buildTestApp(t, env);
  await built.app.listen({ port: 0, host: '127.0.0.1' });
  const addr = built.app.server.address() as { port: number };
  return { ...built, url: `http://127.0.0.1:${addr.port}` };
}

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface Running {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  done: Promise<Run>;
}

/** Starts grape with a clean environment: its own config dir, nothing inherited that matters. */
export function spawnGrape(args: string[], env: Record<string, string | undefined>, input?: string): Running {
  const base = { ...process.env };
  for (const k of ['VINTNER_URL', 'VINTNER_TOKEN', 'VINTNER_PASSWORD', 'FORCE_COLOR', 'NO_COLOR', 'DATABASE_URL']) delete base[k];
  const child = spawn(process.execPath, [GRAPE, ...args], { env: { ...base, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  if (input !== undefined) child.stdin!.end(input);
  const done = new Promise<Run>((resolve) => child.on('close', (code) => resolve({ code, stdout: out, stderr: err })));
  return { child, stdout: () => out, stderr: () => err, done };
}

export function grape(args: string[], env: Record<string, string | undefined>, input = ''): Promise<Run> {
  return spawnGrape(args, env, input).done;
}

export async function until<T>(what: string, fn: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
