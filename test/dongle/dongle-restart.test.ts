/** Stored deadlines: a dongle command whose timeout passes while the server is down still gets its TIMEOUT callback after restart. */
import { afterAll, describe, expect, it } from 'vitest';
import { createClient, createConfig } from '../../generated/client/client/index.js';
import * as sdk from '../../generated/client/sdk.gen.js';
import { loadConfig } from '../../src/config.js';
import { createDb, type Db } from '../../src/db/create-db.js';
import { startServer } from '../../src/server.js';
import { RecordingReceiver } from '../support/recording-receiver.js';
import { createTestDatabase, type TestDatabase } from '../support/test-db.js';
import { DEMO_KEY } from '../support/test-server.js';

let database: TestDatabase | undefined;
let db: Db | undefined;
let receiver: RecordingReceiver | undefined;

afterAll(async () => {
  await receiver?.close();
  await db?.destroy();
  await database?.drop();
});

describe('restart across a deadline', () => {
  it('sends the TIMEOUT once a server is up again', async () => {
    database = await createTestDatabase();
    receiver = await RecordingReceiver.start();
    const config = loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: database.dataDir,
      ...(database.databaseUrl ? { DATABASE_URL: database.databaseUrl } : {}),
      SEED_API_KEY: DEMO_KEY,
      // Both runs must open the caller's sealed token to sign the callback.
      SECRET_KEY: 'restart-test-secret',
      CALLBACK_ALLOW_HOSTS: '127.0.0.1',
      LOG_LEVEL: 'silent',
      RATE_LIMIT_PER_SECOND: '1000',
      RATE_LIMIT_BURST: '1000',
    });
    // One database outlives both servers, as a data directory or a Postgres database would.
    db = await createDb(config);

    const first = await startServer(config, { db });
    const client = createClient(createConfig({ baseUrl: first.url, auth: () => DEMO_KEY }));
    const offline = (await sdk.dongleDevicesList({ client })).data!.find((d) => d.display.includes('offline'))!;
    const sentAt = Date.now();
    const { data } = await sdk.dongleDevicesExecuteCreate({
      client,
      path: { id: offline.id },
      body: { command: 'test.ping', callback_url: `${receiver.url}/restart`, callback_timeout: 1 },
    });
    await first.close();

    // The deadline passes while no server runs.
    await new Promise((r) => setTimeout(r, sentAt + 1500 - Date.now()));
    expect(receiver.received).toHaveLength(0);

    const second = await startServer(config, { db });
    const restartedAt = Date.now();
    try {
      const [request] = await receiver.waitFor(1);
      expect(JSON.parse(request!.body)).toEqual({ response: null, jid: data!.jid, state: 'TIMEOUT', success: false, device_id: offline.id });
      expect(request!.at - restartedAt).toBeLessThan(1000);
      // Exactly one TIMEOUT, however many times the server looks again.
      await new Promise((r) => setTimeout(r, 300));
      expect(receiver.received).toHaveLength(1);
    } finally {
      await second.close();
    }
    // Two server starts and a database set up inside the test: more than the default 30 s on a loaded 2-core machine.
  }, 120_000);
});
