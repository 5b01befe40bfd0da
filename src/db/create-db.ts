/** Opens the database: Postgres through `pg` when DATABASE_URL is set, else embedded PGlite. */
import { mkdirSync } from 'node:fs';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Config } from '../config.js';
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
};

/** LISTEN on a dedicated pg connection (a pooled one would be handed to other queries), reconnecting if it drops. */
function pgListen(connectionString: string) {
  return async (channel: string, onNotify: (payload: string) => void): Promise<Unlisten> => {
    let client: pg.Client | undefined;
    let stopped = false;
    const connect = async (): Promise<void> => {
      const c = new pg.Client({ connectionString });
      c.on('notification', (message) => onNotify(message.payload ?? ''));
      c.on('error', () => {
        // The connection dropped: reconnect, and wake the listener in case a NOTIFY was missed meanwhile.
        c.end().catch(() => {});
        if (!stopped) setTimeout(() => void connect().then(() => onNotify(''), () => {}), 1000).unref();
      });
      await c.connect();
      await c.query(`listen ${pg.escapeIdentifier(channel)}`);
      client = c;
    };
    await connect();
    return async () => {
      stopped = true;
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

/** Connects (or opens the embedded database), runs migrations, and returns the handle. */
export async function createDb(config: Pick<Config, 'databaseUrl' | 'dataDir'>): Promise<Db> {
  let db: Kysely<Database>;
  let kind: DbKind;
  let listen: Db['listen'];
  if (config.databaseUrl) {
    // int8 stays a string (the pg default), so ids read the same on both engines.
    const pool = new pg.Pool({ connectionString: config.databaseUrl, max: 10, Client: PreparingClient });
    // An idle client whose connection drops (a database restart) must not crash the process: the pool discards it,
    // and any query that needed it reports its own error.
    pool.on('error', () => {});
    db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    kind = 'pg';
    listen = pgListen(config.databaseUrl);
  } else {
    if (!config.dataDir.startsWith('memory://')) mkdirSync(config.dataDir, { recursive: true });
    // Loaded only when used: the embedded engine's modules weigh about 90 MB of RSS that a Postgres deployment never needs.
    const [{ PGlite, types }, { PGliteDialect }] = await Promise.all([import('@electric-sql/pglite'), import('kysely-pglite-dialect')]);
    const pglite = await PGlite.create(config.dataDir, {
      parsers: { [types.INT8]: (value: string) => value },
    });
    db = new Kysely<Database>({ dialect: new PGliteDialect(pglite) });
    kind = 'pglite';
    listen = async (channel, onNotify) => {
      const stop = await pglite.listen(channel, (payload) => onNotify(payload));
      return async () => {
        if (!pglite.closed) await stop();
      };
    };
  }
  await migrate(db);
  return Object.assign(db, { kind, listen });
}
