/** A template that passes its save check but fails on real data fails its callback, never the operation or the request. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as sdk from '../../generated/client/sdk.gen.js';
import { MAX_JSON_DEPTH } from '../../src/callbacks/template-json.js';
import { RecordingReceiver } from '../support/recording-receiver.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

let t: TestServer;
let receiver: RecordingReceiver;
let networkId: string;
beforeAll(async () => {
  t = await startTestServer({ CALLBACK_ALLOW_HOSTS: '127.0.0.1', LIVE_TOOLS_TIMEOUT: '2' });
  receiver = await RecordingReceiver.start();
  // The seed's first network is "Headquarters"; the samples templates are checked against say "Branch 1".
  networkId = t.demo.networkIds[0]!;
});
afterAll(async () => {
  await receiver?.close();
  await t?.stop();
});

const DEEP = `${'['.repeat(20_000)}${']'.repeat(20_000)}`;
const DEPTH_REASON = `body nests deeper than ${MAX_JSON_DEPTH} levels of arrays and objects`;

/** Saves a template that renders 20,000 levels of arrays when `condition` holds, and `{}` otherwise (so for the samples). */
async function deepBehind(condition: string): Promise<string> {
  const body = `{% if ${condition} %}${DEEP}{% else %}{}{% endif %}`;
  const { data, response, error } = await sdk.createNetworkWebhooksPayloadTemplate({ client: t.client, path: { networkId }, body: { name: `deep ${condition}`, body } });
  expect(response.status, JSON.stringify(error)).toBe(201);
  return data!.payloadTemplateId;
}

/** The callback's status once it is no longer `running` (bounded: 10 s). */
async function settledCallback(callbackId: string) {
  for (let i = 0; i < 400; i += 1) {
    const { data } = await sdk.getOrganizationWebhooksCallbacksStatus({ client: t.client, path: { organizationId: t.demo.organizationId, callbackId } });
    if (data && data.status !== 'running') return data;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`callback ${callbackId} never settled`);
}

/** Asserts that nothing reached `path` within a short grace period. */
async function nothingOn(path: string): Promise<void> {
  await new Promise((r) => setTimeout(r, 300));
  expect(receiver.on(path)).toEqual([]);
}

describe('a template that fails on real data', () => {
  it('fails the callback of a synchronous batch, which answers 201 with its change committed', async () => {
    const id = await deepBehind('network.name == "Headquarters"');
    const path = '/sync-batch';
    const { data, response, error } = await sdk.createOrganizationActionBatch({
      client: t.client,
      path: { organizationId: t.demo.organizationId },
      body: {
        confirmed: true,
        synchronous: true,
        actions: [{ resource: `/networks/${networkId}`, operation: 'update', body: { notes: 'sync batch with a poisoned callback' } }],
        callback: { url: `${receiver.url}${path}`, payloadTemplate: { id } },
      },
    });
    expect(response.status, JSON.stringify(error)).toBe(201);
    expect(data!.status).toMatchObject({ completed: true, failed: false, errors: [] });
    expect((await sdk.getNetwork({ client: t.client, path: { networkId } })).data!.notes).toBe('sync batch with a poisoned callback');
    const status = await settledCallback(data!.callback!.id);
    expect(status).toMatchObject({ status: 'failed', errors: [`payload template ${id}: ${DEPTH_REASON}`] });
    await nothingOn(path);
  });

  it('fails the callback of an asynchronous batch, which completes once', async () => {
    const id = await deepBehind('network.name == "Headquarters"');
    const path = '/async-batch';
    const created = await sdk.createOrganizationActionBatch({
      client: t.client,
      path: { organizationId: t.demo.organizationId },
      body: {
        confirmed: true,
        synchronous: false,
        actions: [{ resource: `/networks/${networkId}`, operation: 'update', body: { notes: 'async batch with a poisoned callback' } }],
        callback: { url: `${receiver.url}${path}`, payloadTemplate: { id } },
      },
    });
    expect(created.response.status).toBe(201);
    const batchId = created.data!.id;
    let batch = created.data!;
    for (let i = 0; i < 400 && !batch.status.completed && !batch.status.failed; i += 1) {
      await new Promise((r) => setTimeout(r, 25));
      batch = (await sdk.getOrganizationActionBatch({ client: t.client, path: { organizationId: t.demo.organizationId, actionBatchId: batchId } })).data!;
    }
    expect(batch.status).toMatchObject({ completed: true, failed: false, errors: [] });
    expect((await sdk.getNetwork({ client: t.client, path: { networkId } })).data!.notes).toBe('async batch with a poisoned callback');
    const status = await settledCallback(created.data!.callback!.id);
    expect(status).toMatchObject({ status: 'failed', errors: [`payload template ${id}: ${DEPTH_REASON}`] });
    await nothingOn(path);
  });

  it('fails the callback of a live tool job, which is complete', async () => {
    const id = await deepBehind('network.name == "Headquarters"');
    const path = '/live-tool';
    const serial = 'Q2MR-DEMO-0003';
    const created = await sdk.createDeviceLiveToolsPing({
      client: t.client,
      path: { serial },
      body: { target: '8.8.8.8', count: 2, callback: { url: `${receiver.url}${path}`, payloadTemplate: { id } } },
    });
    expect(created.response.status).toBe(201);
    const status = await settledCallback(created.data!.callback!.id);
    expect(status).toMatchObject({ status: 'failed', errors: [`payload template ${id}: ${DEPTH_REASON}`] });
    const job = await sdk.getDeviceLiveToolsPing({ client: t.client, path: { serial, id: created.data!.pingId } });
    expect(job.data!.status).toBe('complete');
    await nothingOn(path);
  });

  it('answers a webhook test whose template fails to render with 400 and the reason, and sends nothing', async () => {
    const id = await deepBehind('networkName == "Headquarters"');
    const path = '/webhook-test';
    const { response, error } = await sdk.createNetworkWebhooksWebhookTest({ client: t.client, path: { networkId }, body: { url: `${receiver.url}${path}`, payloadTemplateId: id } });
    expect(response.status).toBe(400);
    expect(error).toEqual({ errors: [`payload template ${id}: ${DEPTH_REASON}`] });
    await nothingOn(path);
  });
});
