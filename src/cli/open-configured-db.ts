/** Opens the database the server is configured with (src/config.ts: DATABASE_URL, else PGlite in DATA_DIR). */
import { loadConfig } from '../config.js';
import { createDb, openDb, type Db } from '../db/create-db.js';

/** The configured database, migrated unless `migrate: false`; refused when DATA_DIR is in memory or held by a server. */
export async function openConfiguredDb(env: NodeJS.ProcessEnv, options: { migrate: boolean }): Promise<{ db: Db; where: string }> {
  const config = loadConfig(env);
  if (!config.databaseUrl && config.dataDir.startsWith('memory://')) {
    throw new Error(`DATA_DIR=${config.dataDir} lives in one process's memory: another process cannot reach it; set DATA_DIR or DATABASE_URL`);
  }
  // The lock error (a server holds DATA_DIR) comes from opening, with its own explanation.
  const db = options.migrate ? await createDb(config) : await openDb(config);
  return { db, where: config.databaseUrl ? 'PostgreSQL (DATABASE_URL)' : `the embedded database in ${config.dataDir}` };
}
