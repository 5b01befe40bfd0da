/** Opens the database: Postgres through `pg` when DATABASE_URL is set, else embedded PGlite. */
import { mkdirSync } from 'node:fs';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { lockDataDir } from './data-dir-lock.js';
import type { Database } from './database.js';
import { migrate } from './migrate.js';

/** Which engine a database handle runs on. */
export type DbKind = 'pg' | 'pglite';

/** Stops listening. */
export type Unlisten = () => Promise<void>;

/** A Kysely handle plus the engine it runs on (PGlite is one connection: no parallel transactions) and LISTEN. */
export type Db = Kysely<Database> & {
  readonly kind: DbKind;
  /** Calls `onNotify` with the payload of each NOTIFY on `channel` (delivered after the notifying transaction commits; '' after a reconnect). */
  listen(channel: string, onNotify: (payload: string) => void): Promise<Unlisten>;
  /** Resolves when the database answers a trivial query within `timeoutMs` milliseconds; rejects otherwise. */
  ping(timeoutMs: number): Promise<void>;
};

/** Rejects after `ms` milliseconds unless `promise` settles first. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** How long opening a connection may take before it counts as a failure, in milliseconds: an outage answers 503 promptly instead of hanging. */
const CONNECT_TIMEOUT_MS = 5_000;
/** How long a query may wait for a free pooled connection, in milliseconds: longer than that is an outage or an overload, answered 503. */
const POOL_WAIT_TIMEOUT_MS = 10_000;
/** First and longest pause between attempts to reopen a dropped LISTEN connection, in milliseconds (doubling, with jitter). */
const LISTEN_RETRY_MIN_MS = 250;
const LISTEN_RETRY_MAX_MS = 5_000;

/**
 * LISTEN on a dedicated pg connection (a pooled one would be handed to other queries). When it drops (a restart, a
 * crash, a network cut) it is reopened with backoff until it succeeds, then `onNotify('')` is called once: NOTIFYs sent
 * meanwhile are lost, so the listener must look for work itself.
 */
function pgListen(connectionString: string, logger: Logger | undefined) {
  return async (channel: string, onNotify: (payload: string) => void): Promise<Unlisten> => {
    let client: pg.Client | undefined;
    let stopped = false;
    let retryTimer: NodeJS.Timeout | undefined;
    let failures = 0;
    const reconnectLater = (): void => {
      if (stopped || retryTimer) return;
      const delay = Math.min(LISTEN_RETRY_MAX_MS, LISTEN_RETRY_MIN_MS * 2 ** failures) * (0.5 + Math.random() / 2);
      retryTimer = setTimeout(() => {
        retryTimer = undefined;
        open().then(
          () => {
            if (stopped) return;
            if (failures > 0) logger?.info({ channel, attempts: failures + 1 }, 'LISTEN connection restored');
            failures = 0;
            onNotify('');
          },
          (err: unknown) => {
            failures += 1;
            if (failures === 1) logger?.warn({ channel, err: String(err) }, 'LISTEN connection cannot be reopened yet; retrying with backoff');
            reconnectLater();
          },
        );
      }, delay);
      retryTimer.unref();
    };
    const open = async (): Promise<void> => {
      const c = new pg.Client({ connectionString, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, keepAlive: true, keepAliveInitialDelayMillis: 10_000 });
      let live = false;
      // 'error' and 'end' both come when the server goes away: the first one starts the reconnect.
      const lost = () => {
        if (!live) return;
        live = false;
        if (client === c) client = undefined;
        c.end().catch(() => {});
        if (!stopped) logger?.warn({ channel }, 'LISTEN connection lost; reconnecting');
        reconnectLater();
      };
      c.on('error', lost);
      c.on('end', lost);
      c.on('notification', (message) => onNotify(message.payload ?? ''));
      try {
        await c.connect();
        await c.query(`listen ${pg.escapeIdentifier(channel)}`);
      } catch (err) {
        c.end().catch(() => {});
        throw err;
      }
      if (stopped) {
        await c.end().catch(() => {});
        return;
      }
      live = true;
      client = c;
    };
    await open();
    return async () => {
      stopped = true;
      clearTimeout(retryTimer);
      await client?.end().catch(() => {});
    };
  };
}

/** Statement names by SQL text: the same text always gets the same name. */
const statementNames = new Map<string, string>();

/**
 * A pg client that prepares each distinct data statement once per connection (a named statement) and then only binds
 * and executes it, so Postgres stops parsing (and, once it settles on a generic plan, planning) the same text again and
 * again: the outbox and the hot routes send the same few texts thousands of times a second.
 */
class PreparingClient extends pg.Client {
  constructor(config?: pg.ClientConfig) {
    // The pool's option bounds the wait for a free client; opening one is bounded more tightly.
    super({ ...config, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
    // The pool listens for errors only on idle clients: a checked-out one (between two statements of a transaction,
    // say) whose connection drops would emit an unhandled 'error' and crash the process. Its queries fail on their own
    // ("not queryable") and the pool discards it when it is released.
    this.on('error', () => {});
  }

  override query(...args: unknown[]): never {
    const [text, values] = args;
    if (typeof text === 'string' && Array.isArray(values) && /^\s*(select|insert|update|delete|with)\b/i.test(text)) {
      let name = statementNames.get(text);
      if (name === undefined) {
        name = `b${statementNames.size}`;
        // Bounded: texts that vary (IN lists of varying length) would otherwise grow the map and every connection's cache.
        if (statementNames.size < 2000) statementNames.set(text, name);
        else return (super.query as (...a: unknown[]) => never)(...args);
      }
      return (super.query as (...a: unknown[]) => never)({ name, text, values }, ...args.slice(2));
    }
    return (super.query as (...a: unknown[]) => never)(...args);
  }
}

/** How to open the embedded database beyond its configuration. */
export interface OpenOptions {
  /** A PGlite data directory dump (`dumpDataDir()`) to start an in-memory database from, instead of an empty one. */
  loadDataDir?: Blob;
}

/** Connects (or opens the embedded database), runs migrations, and returns the handle; `logger` hears of LISTEN reconnects. */
export async function createDb(config: Pick<Config, 'databaseUrl' | 'dataDir'>, logger?: Logger, options: OpenOptions = {}): Promise<Db> {
  const db = await openDb(config, logger, options);
  try {
    await migrate(db);
  } catch (err) {
    await db.destroy();
    throw err;
  }
  return db;
}

/**
 * Connects (or opens the embedded database, holding its data directory's lock until destroy()) without migrating:
 * `boomerang migrate` runs the migrations itself to say which it applied.
 */
export async function openDb(config: Pick<Config, 'databaseUrl' | 'dataDir'>, logger?: Logger, options: OpenOptions = {}): Promise<Db> {
  let db: Kysely<Database>;
  let kind: DbKind;
  let listen: Db['listen'];
  let ping: Db['ping'];
  if (config.databaseUrl) {
    // int8 stays a string (the pg default), so ids read the same on both engines.
    // pg-pool's connectionTimeoutMillis bounds both the wait for a free client and (overridden by PreparingClient's
    // shorter one) opening a new one; TCP keepalive (first probe after 10 s idle) lets the kernel find connections whose
    // peer vanished without a word.
    const pool = new pg.Pool({
      connectionString: config.databaseUrl,
      max: 10,
      Client: PreparingClient,
      connectionTimeoutMillis: POOL_WAIT_TIMEOUT_MS,
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
    });
    // An idle client whose connection drops (a database restart) must not crash the process: the pool discards it,
    // and any query that needed it reports its own error.
    pool.on('error', () => {});
    db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    kind = 'pg';
    listen = pgListen(config.databaseUrl, logger);
    // query_timeout (known to pg, missing from its types) ends the query and discards its client even when the server never answers.
    ping = async (timeoutMs) => {
      await within(pool.query({ text: 'select 1', query_timeout: timeoutMs } as pg.QueryConfig), timeoutMs, 'database');
    };
  } else {
    let unlock = () => {};
    if (!config.dataDir.startsWith('memory://')) {
      mkdirSync(config.dataDir, { recursive: true });
      unlock = lockDataDir(config.dataDir, process.argv.slice(1).join(' ').slice(0, 200) || 'a Boomerang process');
    }
    // Loaded only when used: the embedded engine's modules weigh about 90 MB of RSS that a Postgres deployment never needs.
    const [{ PGlite, types }, { PGliteDialect }] = await Promise.all([import('@electric-sql/pglite'), import('kysely-pglite-dialect')]);
    let pglite: InstanceType<typeof PGlite>;
    try {
      pglite = await PGlite.create(config.dataDir, {
        parsers: { [types.INT8]: (value: string) => value },
        ...(options.loadDataDir ? { loadDataDir: options.loadDataDir } : {}),
      });
    } catch (err) {
      unlock();
      throw err;
    }
    db = new Kysely<Database>({ dialect: new PGliteDialect(pglite) });
    // The lock outlives the database by nothing: released once PGlite has closed its files.
    const destroy = db.destroy.bind(db);
    db.destroy = async () => {
      try {
        await destroy();
      } finally {
        unlock();
      }
    };
    kind = 'pglite';
    listen = async (channel, onNotify) => {
      const stop = await pglite.listen(channel, (payload) => onNotify(payload));
      return async () => {
        if (!pglite.closed) await stop();
      };
    };
    ping = async (timeoutMs) => {
      await within(pglite.query('select 1'), timeoutMs, 'database');
    };
  }
  return Object.assign(db, { kind, listen, ping });
}
