import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createNetworkWebhooksHttpServer,
  createNetworkWebhooksPayloadTemplate,
  deleteNetworkWebhooksHttpServer,
  getNetworkWebhooksHttpServer,
  getNetworkWebhooksHttpServers,
  updateNetworkWebhooksHttpServer,
} from '../../generated/client/sdk.gen.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

// IP literals: public, so the SSRF check passes without any DNS lookup.
const RECEIVER = 'https://93.184.215.14/callbacks';
// Its Base64 holds `/`, `+` and `=`, all of which a path parameter must survive.
const AWKWARD_URL = 'https://93.184.215.14/hook?aa~a';
const AWKWARD_ID = 'aHR0cHM6Ly85My4xODQuMjE1LjE0L2hvb2s/YWF+YQ==';
const SECRET = 'correct-horse-battery-staple';

let t: TestServer;
let networkId: string;
beforeAll(async () => {
  t = await startTestServer();
  networkId = t.demo.networkIds[0]!;
});
afterAll(async () => {
  await t?.stop();
});

const base64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

describe('HTTP servers', () => {
  it('creates a server whose id is the Base64 of its URL, with the Meraki template by default and the secret sealed', async () => {
    const created = await createNetworkWebhooksHttpServer({
      client: t.client,
      path: { networkId },
      body: { name: 'Main receiver', url: RECEIVER, sharedSecret: SECRET },
    });
    expect(created.response.status).toBe(201);
    const expected = {
      id: base64(RECEIVER),
      name: 'Main receiver',
      url: RECEIVER,
      networkId,
      payloadTemplate: { payloadTemplateId: 'wpt_00001', name: 'Meraki (included)' },
    };
    expect(created.data).toEqual(expected);

    const read = await getNetworkWebhooksHttpServer({ client: t.client, path: { networkId, httpServerId: expected.id } });
    expect(read.response.status).toBe(200);
    expect(read.data).toEqual(expected);
    const list = await getNetworkWebhooksHttpServers({ client: t.client, path: { networkId } });
    expect(list.data).toContainEqual(expected);

    // Stored encrypted: the row holds no plain text, and the key opens it.
    const row = await t.server.ctx.db
      .selectFrom('http_servers')
      .select('secret_ciphertext')
      .where('network_id', '=', networkId)
      .where('id', '=', expected.id)
      .executeTakeFirstOrThrow();
    expect(row.secret_ciphertext).not.toContain(SECRET);
    expect(row.secret_ciphertext).toMatch(/^v1:/);
    expect(t.server.ctx.callbacks.secrets.open(row.secret_ciphertext!)).toBe(SECRET);
  });

  it('never returns the shared secret, in any response', async () => {
    const url = 'https://93.184.215.14/secretive';
    const id = base64(url);
    const responses = [
      await createNetworkWebhooksHttpServer({ client: t.client, path: { networkId }, body: { name: 'Secretive', url, sharedSecret: SECRET } }),
      await getNetworkWebhooksHttpServer({ client: t.client, path: { networkId, httpServerId: id } }),
      await getNetworkWebhooksHttpServers({ client: t.client, path: { networkId } }),
      await updateNetworkWebhooksHttpServer({ client: t.client, path: { networkId, httpServerId: id }, body: { sharedSecret: `${SECRET}-2` } }),
    ];
    for (const { response, data } of responses) {
      expect(response.ok).toBe(true);
      expect(JSON.stringify(data)).not.toMatch(/sharedSecret|correct-horse/);
    }
  });

  it('serves GET, PUT and DELETE for an id holding "/", "+" and "="', async () => {
    const created = await createNetworkWebhooksHttpServer({ client: t.client, path: { networkId }, body: { name: 'Awkward', url: AWKWARD_URL } });
    expect(created.response.status).toBe(201);
    expect(created.data!.id).toBe(AWKWARD_ID);
    const path = { networkId, httpServerId: AWKWARD_ID };

    const read = await getNetworkWebhooksHttpServer({ client: t.client, path });
    expect(read.response.status).toBe(200);
    expect(read.data!.url).toBe(AWKWARD_URL);

    const updated = await updateNetworkWebhooksHttpServer({
      client: t.client,
      path,
      body: { name: 'Awkward, renamed', payloadTemplate: { payloadTemplateId: 'wpt_00005' } },
    });
    expect(updated.response.status).toBe(200);
    expect(updated.data).toEqual({
      id: AWKWARD_ID,
      name: 'Awkward, renamed',
      url: AWKWARD_URL,
      networkId,
      payloadTemplate: { payloadTemplateId: 'wpt_00005', name: 'Callback (included)' },
    });

    const deleted = await deleteNetworkWebhooksHttpServer({ client: t.client, path });
    expect(deleted.response.status).toBe(204);
    const gone = await getNetworkWebhooksHttpServer({ client: t.client, path });
    expect(gone.response.status).toBe(404);
  });

  it('updates name, secret and template, keeping what is not given', async () => {
    const url = 'https://93.184.215.14/updatable';
    const path = { networkId, httpServerId: base64(url) };
    await createNetworkWebhooksHttpServer({ client: t.client, path: { networkId }, body: { name: 'Before', url, sharedSecret: 'one' } });

    const renamed = await updateNetworkWebhooksHttpServer({ client: t.client, path, body: { name: 'After' } });
    expect(renamed.data).toMatchObject({ name: 'After', url, payloadTemplate: { payloadTemplateId: 'wpt_00001' } });
    const secretOf = async () =>
      (await t.server.ctx.db.selectFrom('http_servers').select('secret_ciphertext').where('id', '=', path.httpServerId).executeTakeFirstOrThrow())
        .secret_ciphertext;
    expect(t.server.ctx.callbacks.secrets.open((await secretOf())!)).toBe('one');

    const changed = await updateNetworkWebhooksHttpServer({
      client: t.client,
      path,
      body: { sharedSecret: 'two', payloadTemplate: { payloadTemplateId: 'wpt_00003' } },
    });
    expect(changed.data).toMatchObject({ name: 'After', payloadTemplate: { payloadTemplateId: 'wpt_00003', name: 'Slack (included)' } });
    expect(t.server.ctx.callbacks.secrets.open((await secretOf())!)).toBe('two');

    // An empty secret removes it.
    await updateNetworkWebhooksHttpServer({ client: t.client, path, body: { sharedSecret: '' } });
    expect(await secretOf()).toBeNull();
  });

  it('refuses to change the URL, and accepts the same URL sent back', async () => {
    const url = 'https://93.184.215.14/fixed';
    const path = { networkId, httpServerId: base64(url) };
    await createNetworkWebhooksHttpServer({ client: t.client, path: { networkId }, body: { name: 'Fixed', url } });

    const moved = await updateNetworkWebhooksHttpServer({ client: t.client, path, body: { name: 'Moved', url: 'https://93.184.215.14/elsewhere' } as never });
    expect(moved.response.status).toBe(400);
    expect(moved.error!.errors.join()).toMatch(/url cannot be changed/);
    const unchanged = await getNetworkWebhooksHttpServer({ client: t.client, path });
    expect(unchanged.data).toMatchObject({ name: 'Fixed', url });

    const same = await updateNetworkWebhooksHttpServer({ client: t.client, path, body: { name: 'Same', url } as never });
    expect(same.response.status).toBe(200);
    expect(same.data).toMatchObject({ name: 'Same', url });
  });

  it('refuses a second server with the same URL in a network, but not in another network', async () => {
    const url = 'https://93.184.215.14/twice';
    const first = await createNetworkWebhooksHttpServer({ client: t.client, path: { networkId }, body: { name: 'First', url } });
    expect(first.response.status).toBe(201);
    const second = await createNetworkWebhooksHttpServer({ client: t.client, path: { networkId }, body: { name: 'Second', url } });
    expect(second.response.status).toBe(400);
    expect(second.error!.errors.join()).toMatch(/already exists/);
    const elsewhere = await createNetworkWebhooksHttpServer({ client: t.client, path: { networkId: t.demo.networkIds[1]! }, body: { name: 'Second', url } });
    expect(elsewhere.response.status).toBe(201);
    const kept = await getNetworkWebhooksHttpServer({ client: t.client, path: { networkId, httpServerId: base64(url) } });
    expect(kept.data!.name).toBe('First');
  });

  it('refuses a private URL with the reason', async () => {
    const { response, error } = await createNetworkWebhooksHttpServer({
      client: t.client,
      path: { networkId },
      body: { name: 'Internal', url: 'http://10.0.0.5/hook' },
    });
    expect(response.status).toBe(400);
    expect(error!.errors.join()).toMatch(/10\.0\.0\.5.*private/);
    const list = await getNetworkWebhooksHttpServers({ client: t.client, path: { networkId } });
    expect(list.data!.map((server) => server.url)).not.toContain('http://10.0.0.5/hook');
  });

  it('refuses an unknown template, or another network’s custom one', async () => {
    const unknown = await createNetworkWebhooksHttpServer({
      client: t.client,
      path: { networkId },
      body: { name: 'X', url: 'https://93.184.215.14/x', payloadTemplate: { payloadTemplateId: 'wpt_99999' } },
    });
    expect(unknown.response.status).toBe(400);
    expect(unknown.error!.errors.join()).toMatch(/wpt_99999 does not exist/);

    const foreign = await createNetworkWebhooksPayloadTemplate({
      client: t.client,
      path: { networkId: t.demo.networkIds[1]! },
      body: { name: 'Elsewhere', body: '{"ok": true}' },
    });
    const wrongNetwork = await createNetworkWebhooksHttpServer({
      client: t.client,
      path: { networkId },
      body: { name: 'X', url: 'https://93.184.215.14/x', payloadTemplate: { payloadTemplateId: foreign.data!.payloadTemplateId } },
    });
    expect(wrongNetwork.response.status).toBe(400);

    const update = await updateNetworkWebhooksHttpServer({
      client: t.client,
      path: { networkId, httpServerId: base64(RECEIVER) },
      body: { payloadTemplate: { payloadTemplateId: 'wpt_99999' } },
    });
    expect(update.response.status).toBe(400);
  });

  it("uses a custom template of the network, by id or by name, and shows the template's name", async () => {
    const template = await createNetworkWebhooksPayloadTemplate({ client: t.client, path: { networkId }, body: { name: 'Mine', body: '{"id": "{{ callbackId }}"}' } });
    const templateId = template.data!.payloadTemplateId;
    const byId = await createNetworkWebhooksHttpServer({
      client: t.client,
      path: { networkId },
      body: { name: 'Custom by id', url: 'https://93.184.215.14/custom-id', payloadTemplate: { payloadTemplateId: templateId } },
    });
    expect(byId.response.status).toBe(201);
    expect(byId.data!.payloadTemplate).toEqual({ payloadTemplateId: templateId, name: 'Mine' });
    const read = await getNetworkWebhooksHttpServer({ client: t.client, path: { networkId, httpServerId: byId.data!.id } });
    expect(read.data!.payloadTemplate).toEqual({ payloadTemplateId: templateId, name: 'Mine' });

    const byName = await createNetworkWebhooksHttpServer({
      client: t.client,
      path: { networkId },
      body: { name: 'Custom by name', url: 'https://93.184.215.14/custom-name', payloadTemplate: { name: 'Webex (included)' } },
    });
    expect(byName.data!.payloadTemplate).toEqual({ payloadTemplateId: 'wpt_00002', name: 'Webex (included)' });

    const mismatch = await createNetworkWebhooksHttpServer({
      client: t.client,
      path: { networkId },
      body: { name: 'Mismatch', url: 'https://93.184.215.14/mismatch', payloadTemplate: { payloadTemplateId: 'wpt_00002', name: 'Slack (included)' } },
    });
    expect(mismatch.response.status).toBe(400);
  });

  it('answers 404 for an unknown id', async () => {
    const path = { networkId, httpServerId: base64('https://93.184.215.14/nobody') };
    expect((await getNetworkWebhooksHttpServer({ client: t.client, path })).response.status).toBe(404);
    expect((await updateNetworkWebhooksHttpServer({ client: t.client, path, body: { name: 'x' } })).response.status).toBe(404);
    expect((await deleteNetworkWebhooksHttpServer({ client: t.client, path })).response.status).toBe(404);
  });

  it("answers 404 for another organization's network, and keeps each organization's servers apart", async () => {
    const path = { networkId: t.other.networkId };
    expect((await getNetworkWebhooksHttpServers({ client: t.client, path })).response.status).toBe(404);
    const write = await createNetworkWebhooksHttpServer({ client: t.client, path, body: { name: 'Hijack', url: RECEIVER } });
    expect(write.response.status).toBe(404);
    const peek = await getNetworkWebhooksHttpServer({ client: t.otherClient, path: { networkId, httpServerId: base64(RECEIVER) } });
    expect(peek.response.status).toBe(404);
    const own = await getNetworkWebhooksHttpServers({ client: t.otherClient, path });
    expect(own.data).toEqual([]);
  });

  it('answers 401 without a key', async () => {
    const { response } = await getNetworkWebhooksHttpServers({ client: t.clientWith(), path: { networkId } });
    expect(response.status).toBe(401);
  });
});
