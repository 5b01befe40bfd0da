/** Opens the database: Postgres through `pg` when DATABASE_URL is set, else embedded PGlite. */
import { mkdirSync } from 'node:fs';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { PGlite, types } from '@electric-sql/pglite';
import { PGliteDialect } from 'kysely-pglite-dialect';
import type { Config } from '../config.js';
import type { Database } from './database.js';
import { migrate } from './migrate.js';

/** Which engine a database handle runs on. */
export type DbKind = 'pg' | 'pglite';

/** A Kysely handle plus the engine it runs on (PGlite is one connection: no parallel transactions). */
export type Db = Kysely<Database> & { readonly kind: DbKind };

/** Connects (or opens the embedded database), runs migrations, and returns the handle. */
export async function createDb(config: Pick<Config, 'databaseUrl' | 'dataDir'>): Promise<Db> {
  let db: Kysely<Database>;
  let kind: DbKind;
  if (config.databaseUrl) {
    // int8 stays a string (the pg default), so ids read the same on both engines.
    const pool = new pg.Pool({ connectionString: config.databaseUrl, max: 10 });
    db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    kind = 'pg';
  } else {
    if (!config.dataDir.startsWith('memory://')) mkdirSync(config.dataDir, { recursive: true });
    const pglite = await PGlite.create(config.dataDir, {
      parsers: { [types.INT8]: (value: string) => value },
    });
    db = new Kysely<Database>({ dialect: new PGliteDialect(pglite) });
    kind = 'pglite';
  }
  await migrate(db);
  return Object.assign(db, { kind });
}
