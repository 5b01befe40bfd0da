/** A fresh database per test file: a new Postgres database when DATABASE_URL is set, else an in-memory PGlite. */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** Where a test's database lives and how to throw it away. */
export interface TestDatabase {
  /** DATABASE_URL for the server, or undefined for PGlite. */
  databaseUrl: string | undefined;
  /** PGlite data dir (memory://) when databaseUrl is undefined. */
  dataDir: string;
  /** Which engine the suite runs on, for test names. */
  engine: 'postgres' | 'pglite';
  drop(): Promise<void>;
}

/** Creates an empty database for one test file. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const base = process.env.DATABASE_URL;
  if (!base) return { databaseUrl: undefined, dataDir: 'memory://', engine: 'pglite', drop: async () => {} };
  const name = `boomerang_t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    databaseUrl: url.toString(),
    dataDir: 'memory://',
    engine: 'postgres',
    async drop() {
      const client = new pg.Client({ connectionString: base });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    },
  };
}
