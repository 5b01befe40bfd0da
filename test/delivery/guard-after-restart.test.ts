/**
 * The destination guard judges each attempt by the configuration in force when it is made: a delivery queued to
 * 127.0.0.1 while loopback was allowed is refused, not sent, once the server restarts without that permission, and
 * its callback fails at once with the reason (on PGlite through a data directory, on PostgreSQL through the database).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, createConfig } from '../../generated/client/client/index.js';
import * as sdk from '../../generated/client/sdk.gen.js';
import { loadConfig } from '../../src/config.js';
import { DELIVERY_CHANNEL } from '../../src/db/channels.js';
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
  dataDir = database.databaseUrl ? 'memory://' : mkdtempSync(join(tmpdir(), 'boomerang-guard-'));
  receiver = await RecordingReceiver.start();
});
afterAll(async () => {
  for (const server of running.splice(0)) await server.close();
  await receiver?.close();
  await database?.drop();
  if (dataDir && dataDir !== 'memory://') rmSync(dataDir, { recursive: true, force: true });
});

/** Starts a server on this file's database; `allowHosts` is CALLBACK_ALLOW_HOSTS ('' allows nothing, even on PGlite). */
async function start(allowHosts: string): Promise<RunningServer> {
  const config = loadConfig({
    PORT: '0',
    DATA_DIR: dataDir,
    ...(database.databaseUrl ? { DATABASE_URL: database.databaseUrl } : {}),
    SECRET_KEY: 'guard-restart-secret-key',
    SEED_API_KEY: DEMO_KEY,
    LOG_LEVEL: 'silent',
    CALLBACK_ALLOW_HOSTS: allowHosts,
    // Retries an hour apart: the test makes the stored one due when it wants it, not when a clock says.
    RETRY_SCHEDULE: '1h,1h',
    RATE_LIMIT_PER_SECOND: '100000',
    RATE_LIMIT_BURST: '100000',
  });
  const server = await startServer(config);
  running.push(server);
  return server;
}

async function stop(server: RunningServer): Promise<void> {
  running.splice(running.indexOf(server), 1);
  await server.close();
}

describe('the destination guard after a restart', () => {
  it('refuses a delivery stored while loopback was allowed, and fails its callback with the reason', async () => {
    const first = await start('127.0.0.1');
    const { organizationId, networkIds } = first.seeded!;
    const client = createClient(createConfig({ baseUrl: first.url, auth: () => DEMO_KEY }));
    const callbackStatus = async (c: typeof client, callbackId: string) =>
      (await sdk.getOrganizationWebhooksCallbacksStatus({ client: c, path: { organizationId, callbackId } })).data!;
    // The first attempt is answered 503, so the delivery is still queued (for its retry) when the server stops.
    receiver.reply(() => ({ status: 503 }));
    const url = `${receiver.url}/stored`;
    const created = await sdk.createNetworkWebhooksWebhookTest({ client, path: { networkId: networkIds[0]! }, body: { url } });
    expect(created.response.status).toBe(201);
    const callbackId = created.data!.id;
    await receiver.waitOn('/stored');
    for (let i = 0; (await callbackStatus(client, callbackId)).errors.length === 0; i += 1) {
      if (i > 200) throw new Error('the first attempt was never recorded');
      await new Promise((r) => setTimeout(r, 25));
    }
    await stop(first);
    const sentBefore = receiver.on('/stored').length;
    expect(sentBefore).toBeGreaterThanOrEqual(1);

    receiver.reply(() => ({ status: 200 }));
    const second = await start('');
    const again = createClient(createConfig({ baseUrl: second.url, auth: () => DEMO_KEY }));
    // As if the hour had passed while the server was down.
    const due = await sql<{ id: string }>`
      update deliveries set next_attempt_at = now() where callback_id = ${callbackId} and status = 'pending'
      returning id, pg_notify(${DELIVERY_CHANNEL}, '')`.execute(second.ctx.db);
    expect(due.rows).toHaveLength(1);
    let status = await callbackStatus(again, callbackId);
    for (let i = 0; status.status !== 'failed'; i += 1) {
      if (i > 400) throw new Error(`the callback is still ${status.status}`);
      await new Promise((r) => setTimeout(r, 25));
      status = await callbackStatus(again, callbackId);
    }
    const reason = 'destination refused: 127.0.0.1 is a loopback address; allow it with CALLBACK_ALLOW_HOSTS or CALLBACK_ALLOW_PRIVATE';
    expect(status.errors.at(-1)).toBe(`attempt ${status.errors.length} to ${url} (Power supply went down): ${reason}`);
    // Failed at once, not put back on the retry schedule: the webhook test is abandoned and nothing more is sent.
    const test = await sdk.getNetworkWebhooksWebhookTest({ client: again, path: { networkId: networkIds[0]!, webhookTestId: callbackId } });
    expect(test.data!.status).toBe('abandoned');
    const attempts = await second.ctx.db
      .selectFrom('delivery_attempts')
      .innerJoin('deliveries', 'deliveries.id', 'delivery_attempts.delivery_id')
      .select(['delivery_attempts.response_code', 'delivery_attempts.error', 'deliveries.status', 'deliveries.last_error'])
      .where('deliveries.callback_id', '=', callbackId)
      .orderBy('delivery_attempts.id')
      .execute();
    expect(attempts.at(-1)).toEqual({ response_code: null, error: reason, status: 'failed', last_error: reason });
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.on('/stored')).toHaveLength(sentBefore);
    await stop(second);
  }, 60_000);
});
