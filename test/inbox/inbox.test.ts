/**
 * Callback inboxes on a real server: the API and its bounds, receiving, long polling, what each request is said to
 * be (by the SDK kit), and the destination guard letting callbacks reach this server's own inbox and nothing else there.
 */
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as sdk from '../../generated/client/index.js';
import type { Inbox, InboxRequest } from '../../generated/client/types.gen.js';
import { HttpSender, defaultSenderOptions } from '../../src/delivery/http-sender.js';
import { sweepExpired } from '../../src/delivery/sweep-expired.js';
import { EXAMPLE_INBOX_URL, servedSpec } from '../../src/http/served-spec.js';
import { MAX_INBOXES_PER_ORGANIZATION, MAX_INBOX_BODY_BYTES, MAX_REQUESTS_PER_INBOX } from '../../src/inbox/inbox-limits.js';
import { RecordingReceiver } from '../support/recording-receiver.js';
import { DEMO_KEY, startTestServer, type TestServer } from '../support/test-server.js';

const SECRET = `whsec_${Buffer.from('inbox-test-key-of-thirty-two-byt').toString('base64')}`;
let t: TestServer;
let receiver: RecordingReceiver;
let org: string;

beforeAll(async () => {
  // CALLBACK_ALLOW_HOSTS set (to nothing) turns the demo's loopback allowance off: only the server's own inbox is reachable.
  t = await startTestServer({ CALLBACK_ALLOW_HOSTS: '', CALLBACK_ALLOW_PRIVATE: 'false', LIVE_TOOLS_TIMEOUT: '2' });
  receiver = await RecordingReceiver.start();
  org = t.demo.organizationId;
});

afterAll(async () => {
  await receiver?.close();
  await t?.stop();
});

const auth = { Authorization: `Bearer ${DEMO_KEY}` };

async function createInbox(name: string): Promise<Inbox> {
  const { data } = await sdk.createOrganizationInbox({ client: t.client, path: { organizationId: org }, body: { name }, throwOnError: true });
  return data;
}

async function requests(inbox: Inbox, options: { after?: string; waitSeconds?: number; secret?: string } = {}): Promise<InboxRequest[]> {
  const { data } = await sdk.getOrganizationInboxRequests({
    client: t.client,
    path: { organizationId: org, inboxId: inbox.id },
    query: { ...(options.after ? { after: options.after } : {}), ...(options.waitSeconds ? { waitSeconds: options.waitSeconds } : {}) },
    ...(options.secret ? { headers: { 'X-Inbox-Secret': options.secret } } : {}),
    throwOnError: true,
  });
  return data;
}

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > end) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('the inbox API', () => {
  it('creates an inbox with an unguessable URL on the origin the API was reached at, lists, reads and deletes it', async () => {
    const inbox = await createInbox('api-basics');
    expect(inbox).toMatchObject({ name: 'api-basics', requestCount: 0 });
    expect(inbox.url).toMatch(new RegExp(`^${t.url}/inbox/[A-Za-z0-9_-]{32}$`));
    const other = await createInbox('api-basics-2');
    expect(other.url).not.toBe(inbox.url);
    const { data: list } = await sdk.getOrganizationInboxes({ client: t.client, path: { organizationId: org }, throwOnError: true });
    expect(list.map((i) => i.name)).toEqual(expect.arrayContaining(['api-basics', 'api-basics-2']));
    const { data: one } = await sdk.getOrganizationInbox({ client: t.client, path: { organizationId: org, inboxId: inbox.id }, throwOnError: true });
    expect(one).toEqual(inbox);
    const removed = await sdk.deleteOrganizationInbox({ client: t.client, path: { organizationId: org, inboxId: other.id } });
    expect(removed.response.status).toBe(204);
    expect((await fetch(other.url, { method: 'POST', body: '{}' })).status).toBe(404);
  });

  it('refuses a taken name, a bad name, and more than the limit, with {"errors": [...]}', async () => {
    await createInbox('taken');
    const again = await sdk.createOrganizationInbox({ client: t.client, path: { organizationId: org }, body: { name: 'taken' } });
    expect([again.response.status, again.error]).toEqual([400, { errors: ['an inbox named "taken" already exists in this organization'] }]);
    const bad = await sdk.createOrganizationInbox({ client: t.client, path: { organizationId: org }, body: { name: 'Not OK!' } });
    expect(bad.response.status).toBe(400);
    const { data: now } = await sdk.getOrganizationInboxes({ client: t.client, path: { organizationId: org }, throwOnError: true });
    for (let i = now.length; i < MAX_INBOXES_PER_ORGANIZATION; i++) await createInbox(`filler-${i}`);
    const over = await sdk.createOrganizationInbox({ client: t.client, path: { organizationId: org }, body: { name: 'one-too-many' } });
    expect([over.response.status, over.error]).toEqual([400, { errors: [`an organization may have at most ${MAX_INBOXES_PER_ORGANIZATION} inboxes; delete one first`] }]);
    // Make room again for the other tests.
    const { data: all } = await sdk.getOrganizationInboxes({ client: t.client, path: { organizationId: org }, throwOnError: true });
    for (const inbox of all.filter((i) => i.name.startsWith('filler-') || i.name === 'taken')) {
      await sdk.deleteOrganizationInbox({ client: t.client, path: { organizationId: org, inboxId: inbox.id } });
    }
  });

  it("hides another organization's inbox (404) and needs a key for the API but not for sending", async () => {
    const inbox = await createInbox('private');
    const other = await sdk.getOrganizationInbox({ client: t.otherClient, path: { organizationId: org, inboxId: inbox.id } });
    expect(other.response.status).toBe(404);
    const keyless = await fetch(`${t.url}/api/v1/organizations/${org}/inboxes/${inbox.id}/requests`);
    expect(keyless.status).toBe(401);
    const sent = await fetch(inbox.url, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hello' });
    expect(sent.status).toBe(200);
    expect(await sent.json()).toEqual({ received: expect.stringMatching(/^\d+$/) });
  });

  it('answers 404 for an unknown token, 405 for other methods, 413 past the size limit, and keeps the latest requests only', async () => {
    const inbox = await createInbox('bounds');
    expect((await fetch(`${t.url}/inbox/${'x'.repeat(32)}`, { method: 'POST', body: '{}' })).status).toBe(404);
    const get = await fetch(inbox.url);
    expect([get.status, get.headers.get('allow'), await get.json()]).toEqual([405, 'POST', { errors: [`GET is not allowed on ${new URL(inbox.url).pathname}; inboxes receive POSTs`] }]);
    const big = await fetch(inbox.url, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: new Uint8Array(MAX_INBOX_BODY_BYTES + 1) });
    expect(big.status).toBe(413);
    expect((await big.json()).errors).toHaveLength(1);
    for (let i = 0; i < MAX_REQUESTS_PER_INBOX + 5; i++) {
      expect((await fetch(inbox.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ n: i }) })).status).toBe(200);
    }
    const kept = await requests(inbox);
    expect(kept).toHaveLength(MAX_REQUESTS_PER_INBOX);
    expect(kept.map((r) => JSON.parse(r.body).n)).toEqual(Array.from({ length: MAX_REQUESTS_PER_INBOX }, (_, i) => i + 5));
    expect(kept[0]).toMatchObject({ method: 'POST', size: 7, identified: { kind: 'unknown', name: null, by: 'none' }, schema: { valid: null }, signature: { status: 'unsigned' }, callback: null });
  });

  it('lets what it holds expire with callback retention', async () => {
    const inbox = await createInbox('expiry');
    await fetch(inbox.url, { method: 'POST', body: 'soon gone' });
    expect(await requests(inbox)).toHaveLength(1);
    await sweepExpired(t.server.ctx.db, new Date(Date.now() + t.server.ctx.callbacks.retentionMs + 60_000));
    expect(await requests(inbox)).toHaveLength(0);
  });
});

describe('callbacks to an inbox', () => {
  it('receives a ping callback, says it is one (by its delivery), that it matches its schema and verifies, with its attempts', async () => {
    const inbox = await createInbox('pings');
    // A long poll started before anything arrives answers when the callback does.
    const waiting = requests(inbox, { after: '0', waitSeconds: 20, secret: SECRET });
    const started = Date.now();
    const { data: job } = await sdk.createDeviceLiveToolsPing({ client: t.client, path: { serial: 'Q2MX-DEMO-0001' }, body: { target: '10.0.1.2', count: 2, callback: { url: inbox.url, sharedSecret: SECRET } }, throwOnError: true });
    const [first] = await waiting;
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(first).toMatchObject({
      identified: { kind: 'callback', name: 'createDeviceLiveToolsPing', by: 'delivery' },
      schema: { valid: true, errors: [] },
      signature: { status: 'verified', scheme: 'standard-webhooks', reason: null },
      callback: { id: job.callback!.id },
    });
    expect(JSON.parse(first!.body).message.pingId).toBe(job.pingId);
    expect(first!.headers['webhook-id']).toMatch(/^msg_/);
    // The attempt is recorded once the inbox has answered it.
    const [settled] = await until(() => requests(inbox), ([r]) => r?.callback?.status === 'completed');
    expect(settled!.callback).toEqual({ id: job.callback!.id, status: 'completed', attempts: [{ sentAt: expect.any(String), responseCode: 200, error: null }] });
    expect(settled!.signature).toEqual({ status: 'unchecked', scheme: 'standard-webhooks', reason: null });
    const [wrong] = await requests(inbox, { secret: `whsec_${Buffer.from('a different key, thirty-two byte').toString('base64')}` });
    expect(wrong!.signature).toEqual({ status: 'invalid', scheme: 'standard-webhooks', reason: 'no webhook-signature matches the body for the secret' });
  });

  it('receives a dongle command callback and verifies its X-Request-Signature with the API token', async () => {
    const inbox = await createInbox('dongles');
    const { data: dongles } = await sdk.dongleDevicesList({ client: t.client, throwOnError: true });
    await sdk.dongleDevicesExecuteCreate({ client: t.client, path: { id: dongles[0]!.id }, body: { command: 'test.ping', callback_url: inbox.url }, throwOnError: true });
    const [got] = await until(() => requests(inbox, { secret: DEMO_KEY }), (r) => r.length > 0);
    expect(got).toMatchObject({
      identified: { kind: 'callback', name: 'dongle_devices_execute_create', by: 'delivery' },
      schema: { valid: true },
      signature: { status: 'verified', scheme: 'x-request-signature' },
      callback: { id: expect.any(String) },
    });
    // Sent by someone else (no delivery behind it), the same body is told by its schema, shared by both execute operations.
    await fetch(inbox.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: got!.body });
    const copied = (await requests(inbox)).at(-1)!;
    expect(copied).toMatchObject({ identified: { kind: 'callback', name: 'dongle_devices_execute_create or dongle_devices_execute_raw_create', by: 'schema' }, schema: { valid: true }, callback: null });
  });

  it('identifies an alert sent by someone else by its schema, and checks its signature', async () => {
    const inbox = await createInbox('alerts');
    const spec = (await (await fetch(`${t.url}/openapi.json`)).json()) as { webhooks: Record<string, { post: { requestBody: { content: { 'application/json': { example: unknown } } } } }> };
    const body = JSON.stringify(spec.webhooks.deviceCameUp!.post.requestBody.content['application/json'].example);
    const stamp = new Date();
    const headers = { 'content-type': 'application/json', 'webhook-id': 'msg_external', 'webhook-timestamp': String(Math.floor(stamp.getTime() / 1000)), 'webhook-signature': new Webhook(SECRET).sign('msg_external', stamp, body) };
    expect((await fetch(inbox.url, { method: 'POST', headers, body })).status).toBe(200);
    const [got] = await requests(inbox, { secret: SECRET });
    // Both alerts share one payload schema, so the schema alone cannot say which.
    expect(got).toMatchObject({ identified: { kind: 'alert', name: 'deviceCameUp or deviceWentDown', by: 'schema' }, schema: { valid: true }, signature: { status: 'verified' }, callback: null });
    await fetch(inbox.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"not":"a payload"}' });
    expect((await requests(inbox)).at(-1)!.identified).toEqual({ kind: 'unknown', name: null, by: 'none' });
  });
});

describe('the destination guard and the inbox', () => {
  it("lets callbacks reach this server's own inbox, also as localhost, and nothing else on loopback", async () => {
    const inbox = await createInbox('guard');
    const ping = (url: string) => sdk.createDeviceLiveToolsPing({ client: t.client, path: { serial: 'Q2MX-DEMO-0001' }, body: { target: '10.0.1.2', count: 1, callback: { url } } });
    const own = new URL(inbox.url);
    expect((await ping(inbox.url)).response.status).toBe(201);
    expect((await ping(inbox.url.replace('127.0.0.1', 'localhost'))).response.status).toBe(201);
    for (const refused of [`${own.origin}/metrics`, `${own.origin}/inbox/short`, `${inbox.url}?x=1`, `${receiver.url}/hook`, `http://127.0.0.1:1${own.pathname}`]) {
      const res = await ping(refused);
      expect([refused, res.response.status]).toEqual([refused, 400]);
      expect(res.error!.errors.join(' ')).toMatch(/loopback|ALLOW/);
    }
    await until(() => requests(inbox), (r) => r.length >= 2);
    expect((await requests(inbox)).length).toBe(2);
  });

  it('refuses, when sending, any other path of its own address, which the connector would otherwise reach', async () => {
    const sender = new HttpSender(t.server.ctx.callbacks.destinations, defaultSenderOptions);
    try {
      const own = new URL(t.url);
      const refused = await sender.send(`${own.origin}/metrics`, {}, '{}');
      expect(JSON.stringify(refused.outcome)).toContain('only its callback inboxes');
      expect(refused.outcome.kind).toBe('blocked');
      const inbox = await createInbox('sender');
      const sent = await sender.send(inbox.url, { 'content-type': 'application/json' }, '{"direct":true}');
      expect(sent.outcome).toEqual({ kind: 'response', status: 200 });
      const elsewhere = await sender.send(`${receiver.url}/x`, {}, '{}');
      expect(elsewhere.outcome.kind).toBe('blocked');
    } finally {
      await sender.close();
    }
  });
});

describe('the inbox page', () => {
  it('is served at /inbox, self-contained, and linked from the spec that /docs shows', async () => {
    const page = await fetch(`${t.url}/inbox`, { headers: auth });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await page.text();
    expect(html).toContain('<title>Boomerang callback inbox</title>');
    expect(html).not.toMatch(/(src|href)="https?:/);
    const spec = await (await fetch(`${t.url}/openapi.json`)).json();
    expect(spec.info.description).toContain('(/inbox)');
  });
});

describe('the demo inbox and the examples', () => {
  it("points the served examples' callbacks at the demo inbox on this server, so the ping example is delivered there as is", async () => {
    const token = t.server.seeded!.inboxToken;
    const spec = await (await fetch(`${t.url}/openapi.json`)).json();
    const media = spec.paths['/api/v1/devices/{serial}/liveTools/ping'].post.requestBody.content['application/json'];
    const example = media.example as { callback: { url: string; sharedSecret: string } };
    expect(example.callback.url).toBe(`${t.url}/inbox/${token}`);
    expect(JSON.stringify(spec)).not.toContain('demo-inbox-token-from-the-seed00');
    const { data: inboxes } = await sdk.getOrganizationInboxes({ client: t.client, path: { organizationId: org }, throwOnError: true });
    const demo = inboxes.find((i) => i.name === 'demo')!;
    expect(demo.url).toBe(example.callback.url);
    const before = (await requests(demo)).length;
    const res = await fetch(`${t.url}/api/v1/devices/Q2MX-DEMO-0001/liveTools/ping`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify(example) });
    expect(res.status).toBe(201);
    const got = await until(() => requests(demo, { secret: example.callback.sharedSecret }), (r) => r.length > before);
    expect(got.at(-1)).toMatchObject({ identified: { name: 'createDeviceLiveToolsPing', by: 'delivery' }, schema: { valid: true }, signature: { status: 'verified' } });
  });

  it('keeps the placeholder where there is no demo inbox to name (no demo data, or an older database)', () => {
    const spec = t.server.ctx.spec;
    const served = servedSpec(spec, 'http://127.0.0.1:9999', undefined);
    expect(JSON.stringify(served)).toContain(EXAMPLE_INBOX_URL);
    expect(served.servers).toEqual([{ url: 'http://127.0.0.1:9999', description: expect.any(String) }]);
    expect(JSON.stringify(servedSpec(spec, 'http://h:1', 'T'.repeat(32)))).toContain('http://h:1/inbox/' + 'T'.repeat(32));
  });
});
