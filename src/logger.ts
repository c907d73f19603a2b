import pino, { type Logger } from 'pino';
import type { Config } from './config.js';

export type { Logger };

/**
 * Paths whose values never reach a log line, whatever object they hang off: credentials, tokens,
 * cookies, passwords, secret values.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.password',
  '*.token',
  '*.secret',
  '*.credentials',
  '*.value',
  '*.secretAccessKey',
  '*.clientSecret',
];

/** Pretty lines for a person at a terminal; JSON lines (one object each) for everything else. */
export function createLogger(config: Pick<Config, 'logLevel' | 'logPretty'>, name = 'vintner'): Logger {
  return pino({
    name,
    level: config.logLevel,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    ...(config.logPretty
      ? { transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'HH:MM:ss', ignore: 'pid,hostname' } } }
      : {}),
  });
}
