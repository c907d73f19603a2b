/**
 * Where Grape keeps its URL and token: `$XDG_CONFIG_HOME/vintner/grape.json`, else
 * `~/.config/vintner/grape.json`, readable by the user alone (0600, folder 0700). VINTNER_URL and
 * VINTNER_TOKEN override what it holds.
 */
import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { EXIT, GrapeError } from './errors.js';

export interface StoredConfig {
  url?: string;
  token?: string;
  tokenId?: string;
  email?: string;
}

export const DEFAULT_URL = 'http://localhost:3000';

export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME && env.XDG_CONFIG_HOME.startsWith('/') ? env.XDG_CONFIG_HOME : join(env.HOME || homedir(), '.config');
  return join(base, 'vintner', 'grape.json');
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): StoredConfig {
  const path = configPath(env);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new GrapeError(`cannot read ${path}: ${(err as Error).message}`);
  }
  try {
    const parsed = JSON.parse(text) as unknown;
    return typeof parsed === 'object' && parsed !== null ? (parsed as StoredConfig) : {};
  } catch {
    throw new GrapeError(`${path} is not valid JSON: fix it or delete it and run grape login`);
  }
}

/** Written to a temporary file first (mode 0600 from the start), then renamed over the old one. */
export function writeConfig(config: StoredConfig, env: NodeJS.ProcessEnv = process.env): string {
  const path = configPath(env);
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(config, null, 2) + '\n', { mode: 0o600 });
  chmodSync(tmp, 0o600); // whatever the umask was
  renameSync(tmp, path);
  return path;
}

export function removeConfigToken(env: NodeJS.ProcessEnv = process.env): void {
  const { token: _t, tokenId: _i, ...rest } = readConfig(env);
  if (Object.keys(rest).length) writeConfig(rest, env);
  else rmSync(configPath(env), { force: true });
}

export interface Session {
  url: string;
  token: string | undefined;
  /** Where the token came from, for messages. */
  tokenFrom: 'VINTNER_TOKEN' | 'config' | 'none';
}

export function currentSession(env: NodeJS.ProcessEnv = process.env, urlFlag?: string): Session {
  const stored = readConfig(env);
  const url = (urlFlag || env.VINTNER_URL || stored.url || DEFAULT_URL).replace(/\/+$/, '');
  if (!/^https?:\/\/[^\s/]+/.test(url)) throw new GrapeError(`not an http(s) URL: ${url}`, EXIT.USAGE);
  if (env.VINTNER_TOKEN) return { url, token: env.VINTNER_TOKEN, tokenFrom: 'VINTNER_TOKEN' };
  return { url, token: stored.token, tokenFrom: stored.token ? 'config' : 'none' };
}
