/**
 * Both forms of a shared secret, end to end: a live tool's callback, sent by the real server to a real receiver, verifies
 * with the Standard Webhooks and Svix libraries built as the README says (a `whsec_` secret as is, any other as its
 * UTF-8 bytes in raw format); and a `whsec_` secret that is no key is refused with 400 wherever a secret is accepted.
 */
import { Webhook } from 'standardwebhooks';
import { Webhook as SvixWebhook } from 'svix';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as sdk from '../../generated/client/sdk.gen.js';
import { RecordingReceiver, type Received } from '../support/recording-receiver.js';
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

const serial = 'Q2MR-DEMO-0003';
/** A Standard Webhooks secret as Svix and the reference libraries generate them: `whsec_` and a 24-byte key in Base64. */
const whsec = `whsec_${Buffer.from('boomerang-key-24-bytes!!', 'utf8').toString('base64')}`;

/** Starts a ping whose callback goes to `path` with `callback`'s secret or HTTP server, and returns the request the receiver got. */
async function pingCallback(path: string, callback: { url?: string; sharedSecret?: string; httpServer?: { id: string } }): Promise<Received> {
  const created = await sdk.createDeviceLiveToolsPing({ client: t.client, path: { serial }, body: { target: '8.8.8.8', count: 1, callback } });
  expect(created.response.status).toBe(201);
  return (await receiver.waitOn(path))[0]!;
}

const headersOf = (request: Received) => request.headers as Record<string, string>;

describe('a whsec_ secret', () => {
  it('signs a live tool callback that the default constructors of standardwebhooks and svix verify', async () => {
    const request = await pingCallback('/whsec', { url: `${receiver.url}/whsec`, sharedSecret: whsec });
    const payload = JSON.parse(request.body);
    expect(payload.message).toMatchObject({ status: 'complete', results: { sent: 1 } });
    expect(new Webhook(whsec).verify(request.body, headersOf(request))).toEqual(payload);
    expect(new SvixWebhook(whsec).verify(request.body, headersOf(request))).toEqual(payload);
    // Keyed with the decoded key, not the text: a receiver taking the secret's UTF-8 bytes does not verify it.
    expect(() => new Webhook(Buffer.from(whsec, 'utf8'), { format: 'raw' }).verify(request.body, headersOf(request))).toThrow(/No matching signature/);
  });

  it("signs through an HTTP server's stored secret the same way", async () => {
    const networkId = t.demo.networkIds[0]!;
    const server = await sdk.createNetworkWebhooksHttpServer({ client: t.client, path: { networkId }, body: { name: 'whsec receiver', url: `${receiver.url}/whsec-server`, sharedSecret: whsec } });
    expect(server.response.status).toBe(201);
    const request = await pingCallback('/whsec-server', { httpServer: { id: server.data!.id } });
    expect(new Webhook(whsec).verify(request.body, headersOf(request))).toEqual(JSON.parse(request.body));
  });
});

describe('a plain secret', () => {
  it.each([
    ['ASCII', 'plain-shared-secret'],
    ['non-ASCII', 'sécret-ключ-🔑'],
  ])('(%s) signs with its UTF-8 bytes, which both libraries verify in raw format', async (name, secret) => {
    const path = `/plain-${name}`;
    const request = await pingCallback(path, { url: `${receiver.url}${path}`, sharedSecret: secret });
    const payload = JSON.parse(request.body);
    const key = Buffer.from(secret, 'utf8');
    expect(new Webhook(key, { format: 'raw' }).verify(request.body, headersOf(request))).toEqual(payload);
    expect(new SvixWebhook(key, { format: 'raw' }).verify(request.body, headersOf(request))).toEqual(payload);
    // The same key as Base64, the libraries' default form.
    expect(new Webhook(key.toString('base64')).verify(request.body, headersOf(request))).toEqual(payload);
  });

  it('(ASCII) may also be given to the libraries as the string itself in raw format', async () => {
    const secret = 'ascii-only-secret';
    const request = await pingCallback('/plain-string', { url: `${receiver.url}/plain-string`, sharedSecret: secret });
    expect(new Webhook(secret, { format: 'raw' }).verify(request.body, headersOf(request))).toEqual(JSON.parse(request.body));
  });
});

describe('a whsec_ secret that is no key', () => {
  const notBase64 = 'whsec_this is not base64!';
  const tooShort = `whsec_${Buffer.alloc(16, 7).toString('base64')}`;
  const notBase64Reason = 'a secret starting with whsec_ is its key in Base64, and what follows the prefix is not Base64';
  const tooShortReason = 'a secret starting with whsec_ is its key in Base64, and this key has 16 bytes: at least 24 are needed';

  it('is refused with 400 as a live tool callback secret, and no job is created', async () => {
    for (const [secret, reason] of [[notBase64, notBase64Reason], [tooShort, tooShortReason]] as const) {
      const created = await sdk.createDeviceLiveToolsPing({ client: t.client, path: { serial }, body: { target: '8.8.8.8', count: 1, callback: { url: `${receiver.url}/refused`, sharedSecret: secret } } });
      expect(created.response.status).toBe(400);
      expect(created.error).toEqual({ errors: [`callback.sharedSecret: ${reason}`] });
    }
  });

  it('is refused with 400 as an action batch callback secret, and no batch is created', async () => {
    const organizationId = t.demo.organizationId;
    const before = (await sdk.getOrganizationActionBatches({ client: t.client, path: { organizationId } })).data!.length;
    const created = await sdk.createOrganizationActionBatch({
      client: t.client,
      path: { organizationId },
      body: {
        confirmed: true,
        synchronous: true,
        actions: [{ resource: `/networks/${t.demo.networkIds[0]}`, operation: 'update', body: { notes: 'never' } }],
        callback: { url: `${receiver.url}/refused`, sharedSecret: tooShort },
      },
    });
    expect(created.response.status).toBe(400);
    expect(created.error).toEqual({ errors: [`callback.sharedSecret: ${tooShortReason}`] });
    expect((await sdk.getOrganizationActionBatches({ client: t.client, path: { organizationId } })).data).toHaveLength(before);
  });

  it('is refused with 400 by a webhook test', async () => {
    const created = await sdk.createNetworkWebhooksWebhookTest({ client: t.client, path: { networkId: t.demo.networkIds[0]! }, body: { url: `${receiver.url}/refused`, sharedSecret: notBase64 } });
    expect(created.response.status).toBe(400);
    expect(created.error).toEqual({ errors: [`sharedSecret: ${notBase64Reason}`] });
  });

  it('is refused with 400 when an HTTP server is created or updated, and the server keeps its secret', async () => {
    const networkId = t.demo.networkIds[0]!;
    const refused = await sdk.createNetworkWebhooksHttpServer({ client: t.client, path: { networkId }, body: { name: 'refused', url: `${receiver.url}/refused-server`, sharedSecret: tooShort } });
    expect(refused.response.status).toBe(400);
    expect(refused.error).toEqual({ errors: [`sharedSecret: ${tooShortReason}`] });
    const servers = (await sdk.getNetworkWebhooksHttpServers({ client: t.client, path: { networkId } })).data!;
    expect(servers.map((s) => s.url)).not.toContain(`${receiver.url}/refused-server`);

    const server = await sdk.createNetworkWebhooksHttpServer({ client: t.client, path: { networkId }, body: { name: 'kept', url: `${receiver.url}/kept-server`, sharedSecret: whsec } });
    expect(server.response.status).toBe(201);
    const update = await sdk.updateNetworkWebhooksHttpServer({ client: t.client, path: { networkId, httpServerId: server.data!.id }, body: { sharedSecret: notBase64 } });
    expect(update.response.status).toBe(400);
    expect(update.error).toEqual({ errors: [`sharedSecret: ${notBase64Reason}`] });
    const request = await pingCallback('/kept-server', { httpServer: { id: server.data!.id } });
    expect(new Webhook(whsec).verify(request.body, headersOf(request))).toEqual(JSON.parse(request.body));
  });
});
