/** What every Grape command is made of, and what it is handed when it runs. */
import type { ParseArgsConfig } from 'node:util';
import { ApiClient } from './client.js';
import { currentSession } from './config.js';
import type { Io } from './output.js';
import { useColor } from './output.js';

export type Options = NonNullable<ParseArgsConfig['options']>;
export type Values = Record<string, string | boolean | Array<string | boolean> | undefined>;

export interface Context {
  io: Io;
  /** Colours on stdout. */
  color: boolean;
  /** The API client, created on first use (with --url if given). */
  api(): ApiClient;
  /** Called on the way out, whatever happened. */
  cleanup: Array<() => Promise<void> | void>;
}

export interface Command {
  name: string;
  /** `grape vineyards [create NAME | delete NAME]` */
  usage: string;
  summary: string;
  /** More lines for `--help`: what it does, its options. */
  details: string;
  options: Options;
  /** Answers the exit code. */
  run(ctx: Context, values: Values, positionals: string[]): Promise<number>;
}

export const COMMON_OPTIONS: Options = {
  help: { type: 'boolean', short: 'h' },
  url: { type: 'string' },
};
export const JSON_OPTION: Options = { json: { type: 'boolean' } };

export function createContext(io: Io, urlFlag?: string): Context {
  let client: ApiClient | undefined;
  const ctx: Context = {
    io,
    color: useColor(io),
    api() {
      client ??= new ApiClient(currentSession(io.env, urlFlag));
      return client;
    },
    cleanup: [async () => client?.close()],
  };
  return ctx;
}
