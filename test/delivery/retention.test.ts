import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNetworkWebhooksWebhookTest, getOrganizationWebhooksCallbacksStatus } from '../../generated/client/sdk.gen.js';
import { sweepExpired } from '../../src/delivery/sweep-expired.js';
import { RecordingReceiver } from '../support/recording-receiver.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

let t: TestServer;
let receiver: RecordingReceiver;
beforeAll(async () => {
  t = await startTestServer({ CALLBACK_ALLOW_HOSTS: '127.0.0.1', CALLBACK_RETENTION_SECONDS: '1' });
  receiver = await RecordingReceiver.start();
});
afterAll(async () => {
  await receiver?.close();
  await t?.stop();
});

describe('retention', () => {
  it('an expired callback answers 404, and the sweeper deletes it with its deliveries, logs and secret', async () => {
    const { data } = await createNetworkWebhooksWebhookTest({
      client: t.client,
      path: { networkId: t.demo.networkIds[0]! },
      body: { url: `${receiver.url}/short-lived`, sharedSecret: 'gone-soon' },
    });
    await receiver.waitFor(1);
    const path = { organizationId: t.demo.organizationId, callbackId: data!.id };
    const fresh = await getOrganizationWebhooksCallbacksStatus({ client: t.client, path });
    expect(fresh.response.status).toBe(200);
    const db = t.server.ctx.db;
    const row = await db.selectFrom('callbacks').select('secret_ciphertext').where('id', '=', data!.id).executeTakeFirstOrThrow();
    expect(row.secret_ciphertext).toMatch(/^v1:/);

    await new Promise((r) => setTimeout(r, 1200));
    const expired = await getOrganizationWebhooksCallbacksStatus({ client: t.client, path });
    expect(expired.response.status).toBe(404);

    expect(await sweepExpired(db, new Date())).toBeGreaterThanOrEqual(1);
    expect(await db.selectFrom('callbacks').select('id').where('id', '=', data!.id).execute()).toEqual([]);
    expect(await db.selectFrom('deliveries').select('id').where('callback_id', '=', data!.id).execute()).toEqual([]);
    expect(await db.selectFrom('delivery_attempts').select('id').where('url', '=', `${receiver.url}/short-lived`).execute()).toEqual([]);
  });
});
