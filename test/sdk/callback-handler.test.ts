/**
 * The receiver kit's handler on real HTTP: Node's http and express, answering each kind of request as documented,
 * de-duplicating on webhook-id (and refusing another body under a known one), and receiving a real Boomerang callback
 * end to end.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as sdk from '../../generated/client/index.js';
import type { PingCallback } from '../../generated/client/types.gen.js';
import { requestSignature } from '../../src/callbacks/signing.js';
import { callbackHandler } from '../../src/sdk/callback-handler.js';
import { MemoryDedupe } from '../../src/sdk/memory-dedupe.js';
import type { ReceivedCallback } from '../../src/sdk/receive-callback.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const SECRET = `whsec_${Buffer.from('handler-test-key-thirty-two-byte').toString('base64')}`;
const spec = (await import('../../generated/openapi.json', { with: { type: 'json' } })).default as unknown as {
  webhooks: Record<string, { post: { requestBody: { content: { 'application/json': { example: unknown } } } } }>;
  paths: Record<string, Record<string, { callbacks?: Record<string, Record<string, { post: { requestBody: { content: { 'application/json': { example: unknown } } } } }>> }>>;
};
const pingExample = Object.values(spec.paths['/api/v1/devices/{serial}/liveTools/ping']!.post!.callbacks!.pingHost!)[0]!.post.requestBody.content['application/json'].example;
const alertExample = spec.webhooks.deviceWentDown!.post.requestBody.content['application/json'].example;

type Got = ReceivedCallback<'createDeviceLiveToolsPing', 'deviceWentDown'>;
let received: Got[] = [];
let failNext = false;
let holdNext: Promise<void> | undefined;
const handler = callbackHandler({
  callbacks: ['createDeviceLiveToolsPing'],
  alerts: ['deviceWentDown'],
  secret: SECRET,
  dedupe: new MemoryDedupe(100),
  maxBodyBytes: 64 * 1024,
  async onCallback(callback) {
    if (holdNext) {
      const hold = holdNext;
      holdNext = undefined;
      await hold;
    }
    if (failNext) {
      failNext = false;
      throw new Error('database down');
    }
    received.push(callback);
  },
  onError: () => {},
});

let plain: Server;
let app: Server;
let plainUrl: string;
let appUrl: string;

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  plain = createServer(handler);
  plainUrl = await listen(plain);
  const e = express();
  e.post('/hooks', handler);
  // A raw body parser before the handler is fine: the bytes stay the bytes.
  e.post('/raw', express.raw({ type: '*/*' }), handler);
  e.post('/parsed', express.json(), handler);
  app = e.listen(0, '127.0.0.1');
  await new Promise((resolve) => app.once('listening', resolve));
  appUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => plain.close(resolve));
  await new Promise((resolve) => app.close(resolve));
});

let sequence = 0;
function signedPost(url: string, body: unknown, { id = `msg_${++sequence}`, secret = SECRET } = {}) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const headers = { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(Math.floor(Date.now() / 1000)) };
  const signature = new Webhook(secret).sign(id, new Date(Number(headers['webhook-timestamp']) * 1000), text);
  return fetch(url, { method: 'POST', headers: { ...headers, 'webhook-signature': signature }, body: text });
}

async function answer(response: Response): Promise<{ status: number; errors?: string[] }> {
  const text = await response.text();
  return text === '' ? { status: response.status } : { status: response.status, ...(JSON.parse(text) as { errors: string[] }) };
}

describe('callbackHandler', () => {
  it('answers 204 to a verified callback and hands over its typed payload, on Node http and on express', async () => {
    received = [];
    for (const url of [plainUrl, `${appUrl}/hooks`, `${appUrl}/raw`]) expect(await answer(await signedPost(url, pingExample, { id: `msg_ok_${url}` }))).toEqual({ status: 204 });
    expect(received.map((r) => [r.kind, r.kind === 'callback' ? r.operation : r.alert, r.webhookId])).toEqual([
      ['callback', 'createDeviceLiveToolsPing', `msg_ok_${plainUrl}`],
      ['callback', 'createDeviceLiveToolsPing', `msg_ok_${appUrl}/hooks`],
      ['callback', 'createDeviceLiveToolsPing', `msg_ok_${appUrl}/raw`],
    ]);
    expect(received[0]!.payload).toEqual(pingExample);
  });

  it('tells an alert from a callback by its schema', async () => {
    received = [];
    expect((await signedPost(plainUrl, alertExample)).status).toBe(204);
    expect(received.map((r) => [r.kind, r.kind === 'alert' ? r.alert : r.operation])).toEqual([['alert', 'deviceWentDown']]);
    expect(received[0]!.payload).toEqual(alertExample);
  });

  it('acts once on a redelivery with the same webhook-id, and again after a failed attempt', async () => {
    received = [];
    expect((await signedPost(plainUrl, pingExample, { id: 'msg_dup' })).status).toBe(204);
    expect((await signedPost(plainUrl, pingExample, { id: 'msg_dup' })).status).toBe(204);
    expect(received).toHaveLength(1);

    failNext = true;
    expect(await answer(await signedPost(plainUrl, pingExample, { id: 'msg_retry' }))).toEqual({ status: 500, errors: ['the receiver could not handle this callback; retry later'] });
    expect((await signedPost(plainUrl, pingExample, { id: 'msg_retry' })).status).toBe(204);
    expect(received.map((r) => r.webhookId)).toEqual(['msg_dup', 'msg_retry']);
  });

  it('answers 422 to another body under a webhook-id it has handled or is handling, and acts on neither', async () => {
    received = [];
    const other = { ...(pingExample as object), callbackId: '643451796760560999' };
    expect((await signedPost(plainUrl, pingExample, { id: 'msg_reused' })).status).toBe(204);
    expect(await answer(await signedPost(plainUrl, other, { id: 'msg_reused' }))).toEqual({
      status: 422,
      errors: ['webhook-id msg_reused was received before with another body: each message needs its own webhook-id'],
    });
    // The refusal leaves the first message's claim as it was: its redelivery is still acknowledged.
    expect((await signedPost(plainUrl, pingExample, { id: 'msg_reused' })).status).toBe(204);

    let release!: () => void;
    holdNext = new Promise<void>((resolve) => (release = resolve));
    const first = signedPost(plainUrl, pingExample, { id: 'msg_reused_slow' });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await signedPost(plainUrl, other, { id: 'msg_reused_slow' })).status).toBe(422);
    release();
    expect((await first).status).toBe(204);
    expect(received.map((r) => [r.webhookId, (r.payload as { callbackId: string }).callbackId])).toEqual([
      ['msg_reused', '643451796760560204'],
      ['msg_reused_slow', '643451796760560204'],
    ]);
  });

  it('answers 409 to a redelivery while the first attempt is still being handled', async () => {
    received = [];
    let release!: () => void;
    holdNext = new Promise<void>((resolve) => (release = resolve));
    const first = signedPost(plainUrl, pingExample, { id: 'msg_slow' });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const second = await signedPost(plainUrl, pingExample, { id: 'msg_slow' });
    expect(second.status).toBe(409);
    expect(second.headers.get('retry-after')).toBe('5');
    release();
    expect((await first).status).toBe(204);
    expect(received).toHaveLength(1);
  });

  it('answers 401, 400, 405 and 413 with {"errors": [...]}, and never calls back on them', async () => {
    received = [];
    const wrong = `whsec_${Buffer.from('not-the-handler-key-thirty-two-b').toString('base64')}`;
    expect(await answer(await signedPost(plainUrl, pingExample, { secret: wrong }))).toEqual({ status: 401, errors: ['no webhook-signature matches the body for the secret'] });
    expect(await answer(await fetch(plainUrl, { method: 'POST', body: JSON.stringify(pingExample) }))).toEqual({ status: 401, errors: ['missing webhook-signature header'] });
    const broken = await answer(await signedPost(plainUrl, { ...(pingExample as object), callbackId: 7 }));
    expect(broken.status).toBe(400);
    expect(broken.errors).toEqual(expect.arrayContaining([expect.stringMatching(/^createDeviceLiveToolsPing: callbackId must be string/)]));
    expect((await answer(await signedPost(plainUrl, 'not json'))).errors).toEqual(expect.arrayContaining([expect.stringMatching(/is not JSON/)]));
    const get = await fetch(plainUrl);
    expect([get.status, get.headers.get('allow')]).toEqual([405, 'POST']);
    expect(await answer(await signedPost(plainUrl, { pad: 'x'.repeat(70_000) }))).toEqual({ status: 413, errors: ['the body is over 65536 bytes'] });
    expect(received).toEqual([]);
  });

  it('refuses to guess when express.json() consumed the bytes before it', async () => {
    const got = await answer(await signedPost(`${appUrl}/parsed`, pingExample));
    expect(got).toEqual({ status: 500, errors: ['the receiver parsed the body before verifying it; mount callbackHandler before express.json()'] });
  });

  it('refuses options it cannot work with', () => {
    expect(() => callbackHandler({ callbacks: [], onCallback() {}, secret: SECRET })).toThrow(/give the callbacks and\/or alerts/);
    expect(() => callbackHandler({ callbacks: ['createDeviceLiveToolsPing'], onCallback() {} })).toThrow(/give a secret/);
    expect(() => callbackHandler({ callbacks: ['getOrganizations' as 'createDeviceLiveToolsPing'], onCallback() {}, secret: SECRET })).toThrow(/no callback "getOrganizations"/);
  });
});

describe('callbackHandler with a real Boomerang server', () => {
  let t: TestServer;
  let server: Server;
  let url: string;
  const callbacks: { operation: string; payload: unknown }[] = [];
  const TOKEN_SECRET = 'a plain secret, keyed by its UTF-8 bytes';

  beforeAll(async () => {
    t = await startTestServer({ CALLBACK_ALLOW_HOSTS: '127.0.0.1', LIVE_TOOLS_TIMEOUT: '2' });
    const e = express();
    e.post(
      '/boomerang',
      callbackHandler({
        callbacks: ['createDeviceLiveToolsPing', 'dongle_devices_execute_create'],
        secret: TOKEN_SECRET,
        token: 'a'.repeat(40),
        onCallback: (r) => void callbacks.push({ operation: r.operation, payload: r.payload }),
      }),
    );
    server = e.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/boomerang`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await t?.stop();
  });

  it('receives a ping callback (Standard Webhooks) and a dongle command callback (X-Request-Signature)', async () => {
    const { data: job } = await sdk.createDeviceLiveToolsPing({ client: t.client, path: { serial: 'Q2MX-DEMO-0001' }, body: { target: '10.0.1.2', count: 1, callback: { url, sharedSecret: TOKEN_SECRET } }, throwOnError: true });
    const { data: dongles } = await sdk.dongleDevicesList({ client: t.client, throwOnError: true });
    await sdk.dongleDevicesExecuteCreate({ client: t.client, path: { id: dongles[0]!.id }, body: { command: 'test.ping', callback_url: url, callback_timeout: 10 }, throwOnError: true });
    for (let i = 0; i < 200 && callbacks.length < 2; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    const ping = callbacks.find((c) => c.operation === 'createDeviceLiveToolsPing')?.payload as PingCallback | undefined;
    expect(ping?.message.pingId).toBe(job.pingId);
    expect(callbacks.find((c) => c.operation === 'dongle_devices_execute_create')?.payload).toMatchObject({ state: 'COMMAND_EXECUTED' });
  }, 30_000);
});
