/** Environment → typed, validated configuration (the README's Configuration section lists every variable). */
import { isAbsolute, resolve } from 'node:path';
import { parseSchedule } from './delivery/retry-policy.js';

/** Everything the server reads from its environment, parsed once at start. */
export interface Config {
  /** TCP port to listen on (default 8080; 0 picks a free port). */
  port: number;
  /** Interface to bind (default 127.0.0.1). */
  host: string;
  /** Postgres connection string; absent means the embedded PGlite database. */
  databaseUrl: string | undefined;
  /** PGlite data directory (default ./data), or `memory://` for an in-memory database. */
  dataDir: string;
  /** Key material for encrypting stored secrets; generated into DATA_DIR when absent on the embedded database. */
  secretKey: string | undefined;
  /** The demo admin's API key when the demo data are seeded; generated and printed when absent. */
  seedApiKey: string | undefined;
  /** Seed the demo organization on an empty database (default true; SEED_DEMO=false turns it off). */
  seedDemo: boolean;
  /** Callback hosts allowed even when they resolve to private addresses (comma-separated). */
  callbackAllowHosts: string[];
  /** Allow callbacks to private, loopback and link-local addresses (default false). */
  callbackAllowPrivate: boolean;
  /** pino log level (default info). */
  logLevel: string;
  /** How log lines are written (LOG_FORMAT; default pretty when stdout is a terminal, else json). */
  logFormat: LogFormat;
  /** Validate responses against the spec too (default: on unless NODE_ENV=production). */
  validateResponses: boolean;
  /** Per-organization request rate, in requests per second (default 10). */
  rateLimitPerSecond: number;
  /** Per-organization burst allowance, in requests (default 10). */
  rateLimitBurst: number;
  /** Delays before each delivery retry, in milliseconds (RETRY_SCHEDULE, default 10s,30s,2m,10m,1h). */
  retryScheduleMs: number[];
  /** How long callbacks, deliveries and their logs are kept, in seconds (CALLBACK_RETENTION_SECONDS, default 172800 = 2 days). */
  callbackRetentionSeconds: number;
  /** Connect timeout of callback requests, in milliseconds (CALLBACK_CONNECT_TIMEOUT_MS, default 5000). */
  callbackConnectTimeoutMs: number;
  /** Whole-request timeout of callback requests, in milliseconds (CALLBACK_TIMEOUT_MS, default 15000). */
  callbackTimeoutMs: number;
  /** How long a live tool job waits for its device before failing, in seconds (LIVE_TOOLS_TIMEOUT, default 30). */
  liveToolsTimeoutSeconds: number;
  /** Most actions in a synchronous action batch (ACTION_BATCH_MAX_SYNC, default 20, Meraki's figure). */
  actionBatchMaxSync: number;
  /** Most actions in an asynchronous action batch (ACTION_BATCH_MAX_ASYNC, default 100, Meraki's figure). */
  actionBatchMaxAsync: number;
  /** Most confirmed action batches executing at once per organization (ACTION_BATCH_MAX_RUNNING, default 5, Meraki's figure). */
  actionBatchMaxRunning: number;
  /** Asynchronous batches this process runs at once (ACTION_BATCH_WORKERS, default 2; 0 leaves them to other processes). */
  actionBatchWorkers: number;
  /**
   * Origins whose pages may call the API from a browser (CORS_ORIGINS, comma-separated; `*` for any origin; default
   * none: no CORS headers, so only pages served by Boomerang itself, such as /docs, can call it).
   */
  corsOrigins: string[] | '*';
  /** Whether loopback callbacks are allowed only because this is the embedded demo (said at start-up). */
  demoAllowsLoopback: boolean;
}

/** How log lines are written: readable lines for a person at a terminal, or one JSON object per line for machines. */
export type LogFormat = 'pretty' | 'json';

/** Thrown when an environment variable has a value the server cannot use. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer between ${min} and ${max}, got "${raw}"`);
  }
  return value;
}

function boolean(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(`${name} must be true or false, got "${env[name]}"`);
}

function logFormat(env: NodeJS.ProcessEnv, terminal: boolean): LogFormat {
  const raw = env.LOG_FORMAT?.trim().toLowerCase();
  if (raw === undefined || raw === '') return terminal ? 'pretty' : 'json';
  if (raw === 'pretty' || raw === 'json') return raw;
  throw new ConfigError(`LOG_FORMAT must be pretty or json, got "${env.LOG_FORMAT}"`);
}

function schedule(env: NodeJS.ProcessEnv): number[] {
  try {
    return parseSchedule(env.RETRY_SCHEDULE || '10s,30s,2m,10m,1h');
  } catch (err) {
    throw new ConfigError(`RETRY_SCHEDULE: ${(err as Error).message}`);
  }
}

/**
 * CORS_ORIGINS as a list of canonical origins (`scheme://host[:port]`, as browsers send them in `Origin`), or `*`;
 * anything that is not an http(s) origin (a path, a typo, `*` among others) is refused, since it would never match.
 */
function corsOrigins(env: NodeJS.ProcessEnv): string[] | '*' {
  const entries = (env.CORS_ORIGINS ?? '').split(',').map((o) => o.trim()).filter(Boolean);
  if (entries.length === 1 && entries[0] === '*') return '*';
  return entries.map((entry) => {
    let url: URL | undefined;
    try {
      url = new URL(entry);
    } catch {
      url = undefined;
    }
    // The origin must be all there is (a trailing slash aside): a path or a query would suggest a matching it never does.
    // The URL parser takes `*` and other oddities in host names, which no browser sends as an origin.
    const bare = url && url.pathname === '/' && !url.search && !url.hash && !url.username && !url.password && !/[?#]/.test(entry) && /^(?:\[[0-9a-f:.]+\]|[a-z0-9.-]+)$/.test(url.hostname);
    if (!url || !bare || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      throw new ConfigError(`CORS_ORIGINS must be * or comma-separated origins such as https://app.example.com or http://localhost:3000, got "${entry}"`);
    }
    return url.origin;
  });
}

/** Loopback names allowed by default on the embedded database, so the local demo can call back to a local receiver. */
const DEMO_LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '::1'];

/**
 * Reads the configuration from an environment (default `process.env`); `terminal` says whether stdout is a terminal
 * (default: asks `process.stdout`), which picks the log format when LOG_FORMAT is unset.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, terminal = process.stdout.isTTY === true): Config {
  const dataDir = env.DATA_DIR || './data';
  const demoAllowsLoopback = !env.DATABASE_URL && env.CALLBACK_ALLOW_HOSTS === undefined && !env.CALLBACK_ALLOW_PRIVATE;
  return {
    port: integer(env, 'PORT', 8080, 0, 65535),
    host: env.HOST || '127.0.0.1',
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir: dataDir.startsWith('memory://') || isAbsolute(dataDir) ? dataDir : resolve(dataDir),
    secretKey: env.SECRET_KEY || undefined,
    seedApiKey: env.SEED_API_KEY || undefined,
    seedDemo: boolean(env, 'SEED_DEMO', true),
    callbackAllowHosts: (demoAllowsLoopback ? DEMO_LOOPBACK_HOSTS.join(',') : (env.CALLBACK_ALLOW_HOSTS ?? ''))
      .split(',')
      .map((h) => h.trim().toLowerCase())
      .filter(Boolean),
    callbackAllowPrivate: boolean(env, 'CALLBACK_ALLOW_PRIVATE', false),
    logLevel: env.LOG_LEVEL || 'info',
    logFormat: logFormat(env, terminal),
    validateResponses: boolean(env, 'VALIDATE_RESPONSES', env.NODE_ENV !== 'production'),
    rateLimitPerSecond: integer(env, 'RATE_LIMIT_PER_SECOND', 10, 1, 1_000_000),
    rateLimitBurst: integer(env, 'RATE_LIMIT_BURST', 10, 1, 1_000_000),
    retryScheduleMs: schedule(env),
    callbackRetentionSeconds: integer(env, 'CALLBACK_RETENTION_SECONDS', 172_800, 1, 365 * 86_400),
    callbackConnectTimeoutMs: integer(env, 'CALLBACK_CONNECT_TIMEOUT_MS', 5_000, 1, 600_000),
    callbackTimeoutMs: integer(env, 'CALLBACK_TIMEOUT_MS', 15_000, 1, 600_000),
    liveToolsTimeoutSeconds: integer(env, 'LIVE_TOOLS_TIMEOUT', 30, 1, 3600),
    actionBatchMaxSync: integer(env, 'ACTION_BATCH_MAX_SYNC', 20, 1, 1000),
    actionBatchMaxAsync: integer(env, 'ACTION_BATCH_MAX_ASYNC', 100, 1, 10_000),
    actionBatchMaxRunning: integer(env, 'ACTION_BATCH_MAX_RUNNING', 5, 1, 1000),
    actionBatchWorkers: integer(env, 'ACTION_BATCH_WORKERS', 2, 0, 64),
    corsOrigins: corsOrigins(env),
    demoAllowsLoopback,
  };
}
