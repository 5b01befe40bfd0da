/** Batches survive a stopped server (the next start runs them), and servers sharing one PostgreSQL database run each batch once. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as sdk from '../../generated/client/sdk.gen.js';
import { createClient, createConfig } from '../../generated/client/client/index.js';
import { loadConfig } from '../../src/config.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { RecordingReceiver } from '../support/recording-receiver.js';
import { createTestDatabase, type TestDatabase } from '../support/test-db.js';
import { DEMO_KEY } from '../support/test-server.js';

let database: TestDatabase;
let dataDir: string;
let receiver: RecordingReceiver;
const running: RunningServer[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  dataDir = database.databaseUrl ? 'memory://' : mkdtempSync(join(tmpdir(), 'boomerang-batches-'));
  receiver = await RecordingReceiver.start();
});
afterAll(async () => {
  for (const server of running) await server.close();
  await receiver?.close();
  await database?.drop();
  if (dataDir && dataDir !== 'memory://') rmSync(dataDir, { recursive: true, force: true });
});

/** Starts a server on this file's database. */
async function start(env: Record<string, string> = {}): Promise<RunningServer> {
  const config = loadConfig({
    PORT: '0',
    DATA_DIR: dataDir,
    ...(database.databaseUrl ? { DATABASE_URL: database.databaseUrl } : {}),
    SECRET_KEY: 'restart-test-secret-key',
    SEED_API_KEY: DEMO_KEY,
    LOG_LEVEL: 'silent',
    CALLBACK_ALLOW_HOSTS: '127.0.0.1',
    RATE_LIMIT_PER_SECOND: '100000',
    RATE_LIMIT_BURST: '100000',
    ...env,
  });
  const server = await startServer(config);
  running.push(server);
  return server;
}

async function stop(server: RunningServer): Promise<void> {
  running.splice(running.indexOf(server), 1);
  await server.close();
}

const clientOf = (server: RunningServer) => createClient(createConfig({ baseUrl: server.url, auth: () => DEMO_KEY }));

describe('action batches across restarts and servers', () => {
  it('a confirmed batch left pending by a stopped server is run by the next start, with its callback', async () => {
    const first = await start({ ACTION_BATCH_WORKERS: '0' });
    const { organizationId, networkIds } = first.seeded!;
    const client = clientOf(first);
    const created = await sdk.createOrganizationActionBatch({
      client,
      path: { organizationId },
      body: {
        confirmed: true,
        actions: [{ resource: `/networks/${networkIds[0]}/wireless/ssids/2`, operation: 'update', body: { name: 'After restart' } }],
        callback: { url: `${receiver.url}/restart` },
      },
    });
    expect(created.data!.status).toMatchObject({ completed: false, failed: false });
    await stop(first);

    const second = await start();
    const again = clientOf(second);
    for (let i = 0; ; i += 1) {
      const { data } = await sdk.getOrganizationActionBatch({ client: again, path: { organizationId, actionBatchId: created.data!.id } });
      if (data!.status.completed) break;
      if (i > 400) throw new Error('the batch never ran after the restart');
      await new Promise((r) => setTimeout(r, 25));
    }
    const ssid = await sdk.getNetworkWirelessSsid({ client: again, path: { networkId: networkIds[0]!, number: 2 } });
    expect(ssid.data!.name).toBe('After restart');
    const [callback] = await receiver.waitFor(1);
    expect(JSON.parse(callback!.body)).toMatchObject({ actionBatchId: created.data!.id, message: { status: { completed: true } } });
    await stop(second);
    // Two server starts inside the test: more than the default 30 s on a loaded 2-core machine.
  }, 120_000);

  it('two servers sharing one PostgreSQL database run each batch exactly once', async (ctx) => {
    if (!database.databaseUrl) ctx.skip();
    const env = { ACTION_BATCH_MAX_RUNNING: '100', ACTION_BATCH_WORKERS: '3' };
    const [a, b] = [await start(env), await start(env)];
    const organizationId = (await a.ctx.db.selectFrom('organizations').select('id').orderBy('id').executeTakeFirstOrThrow()).id;
    const networkId = (await a.ctx.db.selectFrom('networks').select('id').where('organization_id', '=', organizationId).orderBy('id').executeTakeFirstOrThrow()).id;
    const before = receiver.received.length;
    const n = 30;
    const ids = await Promise.all(
      Array.from({ length: n }, async (_, i) => {
        const { data } = await sdk.createOrganizationActionBatch({
          client: clientOf(i % 2 === 0 ? a : b),
          path: { organizationId },
          body: {
            confirmed: true,
            actions: [
              { resource: `/networks/${networkId}/wireless/ssids/${i % 15}`, operation: 'update', body: { name: `Shared ${i}` } },
              { resource: `/organizations/${organizationId}/networks`, operation: 'create', body: { name: `Shared net ${i}`, productTypes: ['switch'] } },
            ],
            callback: { url: `${receiver.url}/shared/${i}` },
          },
        });
        return data!.id;
      }),
    );
    await receiver.waitFor(before + n, 20_000);
    const rows = await a.ctx.db.selectFrom('action_batches').select(['id', 'status', 'created_resources']).where('id', 'in', ids).execute();
    expect(rows.map((r) => r.status)).toEqual(Array(n).fill('completed'));
    expect(rows.every((r) => r.created_resources.length === 1)).toBe(true);
    const made = await a.ctx.db.selectFrom('networks').select('name').where('name', 'like', 'Shared net %').execute();
    expect(made).toHaveLength(n);
    // Give a duplicate run a moment to show up: there must be none.
    await new Promise((r) => setTimeout(r, 300));
    const shared = receiver.received.filter((r) => r.path.startsWith('/shared/'));
    expect(shared).toHaveLength(n);
    expect(new Set(shared.map((r) => r.path)).size).toBe(n);
  }, 120_000);
});
