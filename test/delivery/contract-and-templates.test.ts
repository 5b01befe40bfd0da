import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createNetworkWebhooksPayloadTemplate,
  createNetworkWebhooksWebhookTest,
  getNetworkWebhooksWebhookTest,
  getOrganizationWebhooksCallbacksStatus,
  getOrganizationWebhooksLogs,
} from '../../generated/client/sdk.gen.js';
import { enqueuePayload } from '../../src/callbacks/enqueue-payload.js';
import { insertCallback } from '../../src/callbacks/insert-callback.js';
import { sampleCallback } from '../../src/callbacks/sample-payloads.js';
import { webhookTestStatus } from '../../src/webhooks/webhook-test.routes.js';
import { linkQuery, parseLinkHeader } from '../support/link-header.js';
import { RecordingReceiver } from '../support/recording-receiver.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

let t: TestServer;
let receiver: RecordingReceiver;
beforeAll(async () => {
  t = await startTestServer({ CALLBACK_ALLOW_HOSTS: '127.0.0.1' });
  receiver = await RecordingReceiver.start();
});
afterAll(async () => {
  await receiver?.close();
  await t?.stop();
});

describe('contract before dispatch', () => {
  it('never sends a payload that fails its spec contract: the callback fails with the reason', async () => {
    const { db, callbacks } = t.server.ctx;
    const broken = structuredClone(sampleCallback) as unknown as { message: { results: { sent: unknown } } };
    broken.message.results.sent = 'three';
    const { callbackId, result } = await db.transaction().execute(async (trx) => {
      const callbackId = await insertCallback(trx, callbacks, {
        organizationId: t.demo.organizationId,
        networkId: t.demo.networkIds[0]!,
        contract: 'createDeviceLiveToolsPing.pingHost',
        target: { url: `${receiver.url}/never`, httpServerId: null, payloadTemplateId: 'wpt_00005', sharedSecret: null },
        signing: 'standard-webhooks',
        secret: null,
        createdBy: null,
      });
      return { callbackId, result: await enqueuePayload(trx, callbacks, callbackId, broken) };
    });
    expect(result).toEqual({ queued: false, errors: ['payload fails the createDeviceLiveToolsPing.pingHost contract: message.results.sent must be integer'] });
    expect(await db.selectFrom('deliveries').select('id').where('callback_id', '=', callbackId).execute()).toEqual([]);
    const status = await getOrganizationWebhooksCallbacksStatus({ client: t.client, path: { organizationId: t.demo.organizationId, callbackId } });
    expect(status.data).toMatchObject({ status: 'failed', errors: result.queued ? [] : result.errors });
    await new Promise((r) => setTimeout(r, 100));
    expect(receiver.received.filter((r) => r.path === '/never')).toEqual([]);
  });
});

describe('custom templates in delivery', () => {
  it('renders the body and headers of a custom Liquid template, with hostile values kept valid JSON', async () => {
    const networkId = t.demo.networkIds[0]!;
    const created = await createNetworkWebhooksPayloadTemplate({
      client: t.client,
      path: { networkId },
      body: {
        name: 'Alerts vs callbacks',
        body: '{% if callbackId %}{"kind": "callback", "id": "{{callbackId}}"}{% elsif alertId %}{"kind": "alert", "type": "{{alertType}}", "network": "{{networkName}}", "data": {{alertData | jsonify}}}{% else %}{"kind": "unknown"}{% endif %}',
        headers: [{ name: 'X-Alert-Type', template: '{{alertTypeId}}' }],
      },
    });
    expect(created.response.status).toBe(201);
    const id = created.data!.payloadTemplateId;
    const test = await createNetworkWebhooksWebhookTest({
      client: t.client,
      path: { networkId },
      body: { url: `${receiver.url}/custom`, payloadTemplateId: id, alertTypeId: 'settings_changed' },
    });
    expect(test.response.status).toBe(201);
    const [request] = (await receiver.waitFor(1)).filter((r) => r.path === '/custom');
    expect(JSON.parse(request!.body)).toEqual({ kind: 'alert', type: 'Settings changed', network: 'Headquarters', data: { test: true } });
    expect(request!.headers['x-alert-type']).toBe('settings_changed');
    const status = await getOrganizationWebhooksCallbacksStatus({ client: t.client, path: { organizationId: t.demo.organizationId, callbackId: test.data!.id } });
    expect(status.data!.webhook.payloadTemplate).toEqual({ id });
  });
});

describe('webhook test status and logs', () => {
  it('derives enqueued → processing → retrying → delivered | abandoned from the delivery', () => {
    const now = new Date('2026-01-01T00:00:00Z');
    const later = new Date('2026-01-01T00:01:00Z');
    expect(webhookTestStatus({ status: 'pending', attempts: 0, leased_until: null }, now)).toBe('enqueued');
    expect(webhookTestStatus({ status: 'pending', attempts: 0, leased_until: later }, now)).toBe('processing');
    expect(webhookTestStatus({ status: 'pending', attempts: 2, leased_until: null }, now)).toBe('retrying');
    expect(webhookTestStatus({ status: 'pending', attempts: 2, leased_until: new Date(0) }, now)).toBe('retrying');
    expect(webhookTestStatus({ status: 'delivered', attempts: 1, leased_until: null }, now)).toBe('delivered');
    expect(webhookTestStatus({ status: 'failed', attempts: 6, leased_until: null }, now)).toBe('abandoned');
    expect(webhookTestStatus(undefined, now)).toBe('abandoned');
  });

  it('pages webhook logs with relative Link headers, filters by url and time, and refuses bad windows', async () => {
    const networkId = t.demo.networkIds[1]!;
    const url = `${receiver.url}/paged`;
    const ids = [];
    for (let i = 0; i < 5; i += 1) ids.push((await createNetworkWebhooksWebhookTest({ client: t.client, path: { networkId }, body: { url } })).data!.id);
    for (const id of ids) {
      for (let i = 0; i < 100; i += 1) {
        if ((await getNetworkWebhooksWebhookTest({ client: t.client, path: { networkId, webhookTestId: id } })).data!.status === 'delivered') break;
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    const path = { organizationId: t.demo.organizationId };
    const first = await getOrganizationWebhooksLogs({ client: t.client, path, query: { url, perPage: 3 } });
    expect(first.data).toHaveLength(3);
    const links = parseLinkHeader(first.response.headers.get('link'));
    expect(links.next!.startsWith(`/organizations/${t.demo.organizationId}/webhooks/logs?`)).toBe(true);
    const second = await getOrganizationWebhooksLogs({ client: t.client, path, query: linkQuery(links.next!) as never });
    expect(second.data).toHaveLength(2);
    expect(second.data!.every((l) => l.url === url && l.responseCode === 200 && l.networkId === networkId)).toBe(true);
    const old = await getOrganizationWebhooksLogs({ client: t.client, path, query: { url, t0: '2020-01-01T00:00:00Z' } });
    expect(old.response.status).toBe(400);
    expect(old.error).toEqual({ errors: ['t0 may be at most 90 days ago'] });
    const future = await getOrganizationWebhooksLogs({ client: t.client, path, query: { url, t0: new Date(Date.now() + 3_600_000).toISOString() } });
    expect(future.error).toEqual({ errors: ['t0 must not be in the future'] });
    const window = await getOrganizationWebhooksLogs({ client: t.client, path, query: { url, timespan: 3600 } });
    expect(window.data).toHaveLength(5);
    const mixed = await getOrganizationWebhooksLogs({ client: t.client, path, query: { timespan: 60, t1: new Date().toISOString() } });
    expect(mixed.response.status).toBe(400);
  });
});
