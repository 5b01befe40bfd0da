/**
 * Headers the server sets on a delivery (Content-Type, User-Agent, the Standard Webhooks trio, X-Request-Signature) are
 * its alone: a template naming one in any letter case is refused at save, fails its callback if it was stored before
 * that rule, and is dropped from a delivery rendered before it. Receivers see each of these headers exactly once.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createDeviceLiveToolsPing,
  createNetworkWebhooksPayloadTemplate,
  createNetworkWebhooksWebhookTest,
  getDevice,
  getOrganizationWebhooksCallbacksStatus,
} from '../../generated/client/sdk.gen.js';
import { DELIVERY_CHANNEL } from '../../src/db/channels.js';
import { RecordingReceiver, type Received } from '../support/recording-receiver.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

let t: TestServer;
let receiver: RecordingReceiver;
let networkId: string;

beforeAll(async () => {
  t = await startTestServer({ CALLBACK_ALLOW_HOSTS: '127.0.0.1' });
  receiver = await RecordingReceiver.start();
  networkId = t.demo.networkIds[0]!;
});
afterAll(async () => {
  await receiver?.close();
  await t?.stop();
});

/** Every value of header `name` as it arrived, however it was spelled (Node would join or drop repeats). */
function rawValues(request: Received, name: string): string[] {
  const values: string[] = [];
  for (let i = 0; i < request.rawHeaders.length; i += 2) if (request.rawHeaders[i]!.toLowerCase() === name) values.push(request.rawHeaders[i + 1]!);
  return values;
}

async function callbackStatus(callbackId: string, status: string) {
  for (let i = 0; i < 200; i += 1) {
    const { data } = await getOrganizationWebhooksCallbacksStatus({ client: t.client, path: { organizationId: t.demo.organizationId, callbackId } });
    if (data!.status === status) return data!;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`callback ${callbackId} never became ${status}`);
}

describe("the server's own headers", () => {
  it('refuses a template naming one of them in any letter case, with 400 naming the header', async () => {
    for (const name of ['CONTENT-type', 'user-AGENT', 'webhook-ID', 'Webhook-Signature', 'WEBHOOK-TIMESTAMP', 'x-request-SIGNATURE']) {
      const { response, error } = await createNetworkWebhooksPayloadTemplate({
        client: t.client,
        path: { networkId },
        body: { name: `forge ${name}`, body: '{}', headers: [{ name, template: 'msg_forged' }] },
      });
      expect(response.status, name).toBe(400);
      expect(error, name).toEqual({ errors: [`header "${name}" is set by the server on every delivery and cannot be templated`] });
    }
  });

  it('fails the callback of a template stored before that rule, and sends nothing', async () => {
    const serial = 'Q2MR-DEMO-0003';
    const { data: device } = await getDevice({ client: t.client, path: { serial } });
    const { data: template } = await createNetworkWebhooksPayloadTemplate({
      client: t.client,
      path: { networkId: device!.networkId! },
      body: { name: 'Stored before the rule', body: '{"ok": true}', headers: [{ name: 'X-Note', template: 'a' }] },
    });
    // What a template saved before header names were checked against the server's would hold.
    await t.server.ctx.db
      .updateTable('payload_templates')
      .set({ headers: JSON.stringify([{ name: 'Webhook-Id', template: 'msg_forged' }]) as never })
      .where('id', '=', template!.payloadTemplateId)
      .execute();
    const reason = `payload template ${template!.payloadTemplateId}: header "Webhook-Id" is set by the server on every delivery and cannot be templated`;
    const before = receiver.received.length;
    // A live tool job's callback: the job completes, its callback fails with the reason.
    const created = await createDeviceLiveToolsPing({
      client: t.client,
      path: { serial },
      body: { target: '8.8.8.8', count: 1, callback: { url: `${receiver.url}/stored-template`, payloadTemplate: { id: template!.payloadTemplateId } } },
    });
    expect(created.response.status).toBe(201);
    const status = await callbackStatus(created.data!.callback!.id, 'failed');
    expect(status.errors).toEqual([reason]);
    // A webhook test renders at once, so the same template is a 400 naming the reason, and nothing is created.
    const test = await createNetworkWebhooksWebhookTest({
      client: t.client,
      path: { networkId: device!.networkId! },
      body: { url: `${receiver.url}/stored-template`, payloadTemplateId: template!.payloadTemplateId },
    });
    expect(test.response.status).toBe(400);
    expect(test.error).toEqual({ errors: [reason] });
    await new Promise((r) => setTimeout(r, 200));
    expect(receiver.received.length).toBe(before);
  });

  it('drops them from a delivery rendered before that rule: exactly one webhook-id arrives, the server\'s', async () => {
    const created = await createNetworkWebhooksWebhookTest({ client: t.client, path: { networkId }, body: { url: `${receiver.url}/first`, sharedSecret: 'shh' } });
    expect(created.response.status).toBe(201);
    const callbackId = created.data!.id;
    await receiver.waitOn('/first');
    // A second payload of the same callback, queued with what a template could render before names were checked.
    const forged = {
      'Webhook-Id': 'msg_forged',
      'WEBHOOK-SIGNATURE': 'v1,forged',
      'webhook-Timestamp': '1',
      'Content-Type': 'text/plain',
      'USER-AGENT': 'forged',
      'X-Request-Signature': 'forged',
      'X-Kept': 'yes',
    };
    const { rows } = await sql<{ webhook_id: string }>`
      insert into deliveries (callback_id, organization_id, webhook_id, label, url, body, headers)
      values (${callbackId}, (select organization_id from callbacks where id = ${callbackId}), 'msg_server_own', null, ${`${receiver.url}/forged`}, '{"again":true}', ${JSON.stringify(forged)}::jsonb)
      returning webhook_id, pg_notify(${DELIVERY_CHANNEL}, '')`.execute(t.server.ctx.db);
    expect(rows[0]!.webhook_id).toBe('msg_server_own');
    const [request] = await receiver.waitOn('/forged');
    expect(rawValues(request!, 'webhook-id')).toEqual(['msg_server_own']);
    expect(rawValues(request!, 'content-type')).toEqual(['application/json']);
    expect(rawValues(request!, 'user-agent')).toEqual(['Boomerang/0.1.0']);
    expect(rawValues(request!, 'webhook-signature')).toEqual([expect.stringMatching(/^v1,[A-Za-z0-9+/]+=*$/)]);
    expect(rawValues(request!, 'webhook-signature')).not.toEqual(['v1,forged']);
    expect(rawValues(request!, 'webhook-timestamp')).toEqual([expect.stringMatching(/^\d{10}$/)]);
    expect(rawValues(request!, 'x-request-signature')).toEqual([]);
    expect(rawValues(request!, 'x-kept')).toEqual(['yes']);
  });
});
