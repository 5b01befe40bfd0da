/** Boots a real server on a random loopback port with a fresh database, the demo data, and a second organization. */
import { readFileSync } from 'node:fs';
import { inject } from 'vitest';
import { loadConfig, type Config } from '../../src/config.js';
import { createDb } from '../../src/db/create-db.js';
import { createAdmin } from '../../src/auth/create-admin.js';
import { insertNetwork } from '../../src/organizations/create-network.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { createClient, createConfig, type Client } from '../../generated/client/client/index.js';
import { createTestDatabase, type TestDatabase } from './test-db.js';

/** The demo admin's key in every test server. */
export const DEMO_KEY = 'a'.repeat(40);
/** The key of an admin who sees only the second ("other") organization. */
export const OTHER_KEY = 'b'.repeat(40);

/** A running test server with typed SDK clients for both admins. */
export interface TestServer {
  server: RunningServer;
  database: TestDatabase;
  url: string;
  /** Client authenticated as the demo admin. */
  client: Client;
  /** Client authenticated as the other organization's admin. */
  otherClient: Client;
  /** Client for `key` (or none). */
  clientWith(key?: string): Client;
  demo: { organizationId: string; networkIds: string[] };
  other: { organizationId: string; networkId: string; serial: string; dongleId: string };
  stop(): Promise<void>;
}

/** Starts a server; `env` overrides configuration (e.g. RATE_LIMIT_PER_SECOND). */
export async function startTestServer(env: Record<string, string> = {}): Promise<TestServer> {
  const database = await createTestDatabase();
  const config: Config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: database.dataDir,
    ...(database.databaseUrl ? { DATABASE_URL: database.databaseUrl } : {}),
    SEED_API_KEY: DEMO_KEY,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
    VALIDATE_RESPONSES: 'true',
    // Tests make many requests in a row; the rate-limit test sets its own figures.
    RATE_LIMIT_PER_SECOND: '100000',
    RATE_LIMIT_BURST: '100000',
    ...env,
  });
  // On PGlite, the run's migrated dump (test/support/pglite-snapshot.ts) instead of initdb and the migrations again;
  // the server still migrates it, which finds nothing to do.
  const snapshot = database.databaseUrl ? '' : inject('pgliteSnapshot');
  const loaded = snapshot ? await createDb(config, undefined, { loadDataDir: new Blob([readFileSync(snapshot)]) }) : undefined;
  const server = await startServer(config, loaded ? { db: loaded } : {});
  const db = server.ctx.db;
  const seeded = server.seeded!;
  const other = await db.transaction().execute(async (trx) => {
    const { id: organizationId } = await trx.insertInto('organizations').values({ name: 'Other Organization' }).returning('id').executeTakeFirstOrThrow();
    const networkId = await insertNetwork(trx, { organizationId, name: 'Other network', productTypes: ['wireless'] });
    const dongleId = '00000000-0000-4000-8000-000000000001';
    await trx
      .insertInto('devices')
      .values([
        { serial: 'Q2OT-HER0-0001', organization_id: organizationId, network_id: networkId, name: 'Other AP', model: 'MR46', mac: '0c:8d:db:99:00:01', lan_ip: '10.9.0.1', product_type: 'wireless', behaviour: '{}' },
        { serial: 'Q2OT-HER0-0002', organization_id: organizationId, network_id: networkId, name: 'Other dongle', model: 'AutoPi TMU CM4', mac: '0c:8d:db:99:00:02', lan_ip: '10.9.0.2', product_type: 'dongle', dongle_id: dongleId, unit_id: '00000000-0000-4000-8000-000000000002', behaviour: '{}' },
      ])
      .execute();
    await createAdmin(trx, { name: 'Other Admin', email: 'other@example.test', apiKey: OTHER_KEY, organizationIds: [organizationId] });
    return { organizationId, networkId, serial: 'Q2OT-HER0-0001', dongleId };
  });
  const clientWith = (key?: string) =>
    createClient(createConfig({ baseUrl: server.url, ...(key ? { auth: () => key } : {}) }));
  return {
    server,
    database,
    url: server.url,
    client: clientWith(DEMO_KEY),
    otherClient: clientWith(OTHER_KEY),
    clientWith,
    demo: { organizationId: seeded.organizationId, networkIds: seeded.networkIds },
    other,
    async stop() {
      await server.close();
      // A database handed to the server is the caller's to close.
      if (loaded) await loaded.destroy();
      await database.drop();
    },
  };
}
