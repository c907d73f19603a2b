/**
 * Every environment variable Vintner reads, validated in one place.
 *
 * `loadConfig` never throws a stack trace at a user: it throws a ConfigError whose message is one
 * line saying which variable is wrong and what it should look like. Local defaults (secrets,
 * embedded database) live under the data directory, `.vintner/` by default.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { resolve, join } from 'node:path';
import { hostname } from 'node:os';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface Config {
  /** Postgres URL; undefined means "use the embedded server under dataDir". */
  databaseUrl: string | undefined;
  dataDir: string;
  port: number;
  host: string;
  /** 32-byte key for AES-256-GCM encryption of secrets at rest. */
  secretKey: Buffer;
  sessionSecret: string;
  /** Whether `web` also runs a Tendril in its own process. */
  tendrilInProcess: boolean;
  tendrilConcurrency: number;
  tendrilName: string;
  tendrilHeartbeatSeconds: number;
  /** A Tendril whose heartbeat is older than this is declared dead by the periodic check. */
  tendrilDeadAfterSeconds: number;
  terraformBin: string;
  terraformTimeoutSeconds: number;
  terraformKillGraceSeconds: number;
  /**
   * A directory of Terraform providers (a filesystem mirror: `<host>/<namespace>/<type>/<version>/<os_arch>/`,
   * as `terraform providers mirror` writes it). Set: every Terraform run installs every provider from it and
   * none from the internet (air-gapped Tendrils, tests). Unset: Terraform's own default (the registry).
   */
  terraformProviderMirror: string | undefined;
  /** How long one call of a cloud identity check (CONNECTION_TEST, FETCH_RESOURCES, AssumeRole) may take. */
  cloudTimeoutSeconds: number;
  /** The most resources one discovery keeps: an account with more is reported as truncated. */
  cloudMaxResources: number;
  logLevel: LogLevel;
  /** Pretty logs for a person at a terminal, JSON otherwise. */
  logPretty: boolean;
  signupOpen: boolean;
  /** Cookies marked Secure: 'auto' follows the request protocol (behind HTTPS proxies). */
  cookieSecure: boolean | 'auto';
  trustProxy: boolean;
  infracostBin: string | undefined;
  infracostApiKey: string | undefined;
  nodeEnv: string;
  /** Re-read templates on every render (development of the views); cached otherwise. */
  viewsReload: boolean;
  /** How long a rendered vine page is kept (0: render every visit). See src/routes/plugins/page-cache.ts. */
  pageCacheMs: number;
  /** Seconds between keep-alive comments on an idle event stream (below any proxy's idle timeout). */
  sseKeepAliveSeconds: number;
}

type Env = Record<string, string | undefined>;

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function str(env: Env, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

function int(env: Env, name: string, def: number, min: number, max: number): number {
  const raw = str(env, name);
  if (raw === undefined) return def;
  if (!/^\d+$/.test(raw)) throw new ConfigError(`${name} must be a whole number between ${min} and ${max}, got "${raw}"`);
  const n = Number(raw);
  if (n < min || n > max) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${n}`);
  return n;
}

function bool(env: Env, name: string, def: boolean): boolean {
  const raw = str(env, name);
  if (raw === undefined) return def;
  const v = raw.toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off'].includes(v)) return false;
  throw new ConfigError(`${name} must be true or false, got "${raw}"`);
}

/** An existing directory, as an absolute path (relative to `cwd`); undefined when unset. */
function directory(env: Env, name: string, cwd: string): string | undefined {
  const raw = str(env, name);
  if (raw === undefined) return undefined;
  const path = resolve(cwd, raw);
  let isDir = false;
  try {
    isDir = statSync(path).isDirectory();
  } catch {
    // missing: said below
  }
  if (!isDir) throw new ConfigError(`${name} must be an existing directory, got "${raw}" (${path} ${existsSync(path) ? 'is not a directory' : 'does not exist'})`);
  return path;
}

/** Validates a DATABASE_URL without connecting; the message names what is wrong. */
export function validateDatabaseUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError('DATABASE_URL is not a valid URL (expected postgres://user:password@host:5432/database)');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new ConfigError(`DATABASE_URL must start with postgres:// or postgresql://, got "${url.protocol}//"`);
  }
  if (!url.hostname) throw new ConfigError('DATABASE_URL has no host (expected postgres://user:password@host:5432/database)');
  if (url.pathname.replace(/^\//, '') === '') {
    throw new ConfigError('DATABASE_URL names no database (expected postgres://user:password@host:5432/database)');
  }
  return raw;
}

/** Reads a local secret file, creating it (mode 0600) with `make()` when absent. */
function localSecret(dataDir: string, file: string, make: () => string): string {
  const path = join(dataDir, file);
  if (existsSync(path)) return readFileSync(path, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const value = make();
  // 'wx' so two processes starting at once never overwrite each other's secret.
  try {
    writeFileSync(path, value + '\n', { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return readFileSync(path, 'utf8').trim();
    throw err;
  }
  chmodSync(path, 0o600);
  return value;
}

function parseSecretKey(raw: string, source: string): Buffer {
  const key = /^[A-Za-z0-9+/]+={0,2}$/.test(raw) ? Buffer.from(raw, 'base64') : Buffer.alloc(0);
  if (key.length !== 32) {
    throw new ConfigError(`${source} must be 32 bytes encoded as base64 (generate one with: openssl rand -base64 32)`);
  }
  return key;
}

export function loadConfig(env: Env = process.env, cwd = process.cwd()): Config {
  const dataDir = resolve(cwd, str(env, 'VINTNER_DATA_DIR') ?? '.vintner');
  const rawDbUrl = str(env, 'DATABASE_URL');
  const databaseUrl = rawDbUrl === undefined ? undefined : validateDatabaseUrl(rawDbUrl);

  const rawKey = str(env, 'VINTNER_SECRET_KEY');
  const secretKey =
    rawKey !== undefined
      ? parseSecretKey(rawKey, 'VINTNER_SECRET_KEY')
      : parseSecretKey(
          localSecret(dataDir, 'secret.key', () => randomBytes(32).toString('base64')),
          `${join(dataDir, 'secret.key')} (VINTNER_SECRET_KEY)`,
        );

  const rawSession = str(env, 'SESSION_SECRET');
  if (rawSession !== undefined && rawSession.length < 32) {
    throw new ConfigError('SESSION_SECRET must be at least 32 characters long');
  }
  const sessionSecret =
    rawSession ?? localSecret(dataDir, 'session.secret', () => randomBytes(48).toString('base64url'));

  const logLevelRaw = (str(env, 'LOG_LEVEL') ?? 'info').toLowerCase();
  if (!LOG_LEVELS.includes(logLevelRaw as LogLevel)) {
    throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${logLevelRaw}"`);
  }

  const logFormat = str(env, 'LOG_FORMAT')?.toLowerCase();
  if (logFormat !== undefined && logFormat !== 'pretty' && logFormat !== 'json') {
    throw new ConfigError(`LOG_FORMAT must be pretty or json, got "${logFormat}"`);
  }

  const cookieSecureRaw = (str(env, 'COOKIE_SECURE') ?? 'auto').toLowerCase();
  const cookieSecure = cookieSecureRaw === 'auto' ? 'auto' : bool(env, 'COOKIE_SECURE', false);

  const host = str(env, 'HOST') ?? '127.0.0.1';
  const nodeEnv = str(env, 'NODE_ENV') ?? 'development';

  const heartbeat = int(env, 'TENDRIL_HEARTBEAT_SECONDS', 5, 1, 300);
  const deadAfter = int(env, 'TENDRIL_DEAD_AFTER_SECONDS', 20, 3, 3600);
  if (deadAfter < 3 * heartbeat) {
    throw new ConfigError(`TENDRIL_DEAD_AFTER_SECONDS (${deadAfter}) must be at least three heartbeats (3 × TENDRIL_HEARTBEAT_SECONDS = ${3 * heartbeat}): a job's lease must survive two missed renewals`);
  }

  return {
    databaseUrl,
    dataDir,
    port: int(env, 'PORT', 3000, 0, 65535),
    host,
    secretKey,
    sessionSecret,
    tendrilInProcess: bool(env, 'TENDRIL_IN_PROCESS', true),
    tendrilConcurrency: int(env, 'TENDRIL_CONCURRENCY', 4, 1, 64),
    tendrilName: str(env, 'TENDRIL_NAME') ?? `${hostname()}-${process.pid}`,
    tendrilHeartbeatSeconds: heartbeat,
    tendrilDeadAfterSeconds: deadAfter,
    terraformBin: str(env, 'TERRAFORM_BIN') ?? 'terraform',
    terraformTimeoutSeconds: int(env, 'TERRAFORM_TIMEOUT_SECONDS', 3600, 5, 86400),
    terraformKillGraceSeconds: int(env, 'TERRAFORM_KILL_GRACE_SECONDS', 20, 1, 600),
    terraformProviderMirror: directory(env, 'TERRAFORM_PROVIDER_MIRROR', cwd),
    cloudTimeoutSeconds: int(env, 'CLOUD_TIMEOUT_SECONDS', 10, 1, 300),
    cloudMaxResources: int(env, 'CLOUD_MAX_RESOURCES', 5000, 1, 100_000),
    logLevel: logLevelRaw as LogLevel,
    logPretty: logFormat ? logFormat === 'pretty' : Boolean(process.stdout.isTTY),
    signupOpen: bool(env, 'SIGNUP_OPEN', true),
    cookieSecure,
    trustProxy: bool(env, 'TRUST_PROXY', false),
    infracostBin: str(env, 'INFRACOST_BIN'),
    infracostApiKey: str(env, 'INFRACOST_API_KEY'),
    nodeEnv,
    viewsReload: bool(env, 'VIEWS_RELOAD', false),
    pageCacheMs: int(env, 'PAGE_CACHE_MS', 5000, 0, 60_000),
    sseKeepAliveSeconds: int(env, 'SSE_KEEPALIVE_SECONDS', 15, 1, 300),
  };
}
