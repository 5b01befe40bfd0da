import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createNetworkWebhooksHttpServer,
  createNetworkWebhooksPayloadTemplate,
  deleteNetworkWebhooksPayloadTemplate,
  getNetworkWebhooksPayloadTemplate,
  getNetworkWebhooksPayloadTemplates,
  updateNetworkWebhooksHttpServer,
  updateNetworkWebhooksPayloadTemplate,
} from '../../generated/client/sdk.gen.js';
import { insertNetwork } from '../../src/organizations/create-network.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const BODY = '{"event": "{{ alertType | default: callbackId }}", "secret": "{{ sharedSecret }}"}';
const HEADERS = [{ name: 'Authorization', template: 'Bearer {{ sharedSecret }}' }];

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

async function createTemplate(name: string, body = BODY, id = networkId) {
  const { data, response } = await createNetworkWebhooksPayloadTemplate({ client: t.client, path: { networkId: id }, body: { name, body } });
  expect(response.status).toBe(201);
  return data!;
}

describe('payload templates', () => {
  it('lists the six included templates first, then the custom ones', async () => {
    // A network of its own, so that only this test's templates are in it.
    const fresh = await insertNetwork(t.server.ctx.db, { organizationId: t.demo.organizationId, name: 'Templates', productTypes: ['wireless'] });
    const before = await getNetworkWebhooksPayloadTemplates({ client: t.client, path: { networkId: fresh } });
    expect(before.response.status).toBe(200);
    expect(before.data!.map((template) => [template.payloadTemplateId, template.type, template.name])).toEqual([
      ['wpt_00001', 'included', 'Meraki (included)'],
      ['wpt_00002', 'included', 'Webex (included)'],
      ['wpt_00003', 'included', 'Slack (included)'],
      ['wpt_00004', 'included', 'Microsoft Teams (included)'],
      ['wpt_00005', 'included', 'Callback (included)'],
      ['wpt_00006', 'included', 'ServiceNow (included)'],
    ]);
    expect(before.data![5]!.headers.map((header) => header.name)).toEqual(['Accept', 'Authorization']);

    const first = await createTemplate('First', BODY, fresh);
    const second = await createTemplate('Second', BODY, fresh);
    const after = await getNetworkWebhooksPayloadTemplates({ client: t.client, path: { networkId: fresh } });
    expect(after.data!.slice(6).map((template) => [template.payloadTemplateId, template.type])).toEqual([
      [first.payloadTemplateId, 'custom'],
      [second.payloadTemplateId, 'custom'],
    ]);
  });

  it('reads an included template', async () => {
    const { data, response } = await getNetworkWebhooksPayloadTemplate({ client: t.client, path: { networkId, payloadTemplateId: 'wpt_00005' } });
    expect(response.status).toBe(200);
    expect(data).toMatchObject({ payloadTemplateId: 'wpt_00005', type: 'included', name: 'Callback (included)', headers: [] });
    expect(data!.body).toContain('callbackId');
  });

  it('creates a custom template from text and reads it back', async () => {
    const created = await createNetworkWebhooksPayloadTemplate({
      client: t.client,
      path: { networkId },
      body: { name: 'Custom Template', body: BODY, headers: HEADERS },
    });
    expect(created.response.status).toBe(201);
    expect(created.data).toEqual({
      payloadTemplateId: expect.stringMatching(/^wpt_\d+$/),
      type: 'custom',
      name: 'Custom Template',
      body: BODY,
      headers: HEADERS,
      sharing: { byNetwork: { adminsCanModify: false } },
    });
    const read = await getNetworkWebhooksPayloadTemplate({ client: t.client, path: { networkId, payloadTemplateId: created.data!.payloadTemplateId } });
    expect(read.data).toEqual(created.data);
  });

  it('takes Base64 bodyFile and headersFile and returns them decoded', async () => {
    const headersFile = base64(JSON.stringify({ 'X-Alert': '{{ alertType | default: "callback" }}', Accept: 'application/json' }));
    const created = await createNetworkWebhooksPayloadTemplate({
      client: t.client,
      path: { networkId },
      body: { name: 'From files', bodyFile: base64(BODY), headersFile },
    });
    expect(created.response.status).toBe(201);
    expect(created.data).toMatchObject({
      name: 'From files',
      body: BODY,
      headers: [
        { name: 'X-Alert', template: '{{ alertType | default: "callback" }}' },
        { name: 'Accept', template: 'application/json' },
      ],
    });

    // An update by file replaces just that part.
    const newBody = '{"v": 2, "id": {{ callbackId | jsonify }}}';
    const updated = await updateNetworkWebhooksPayloadTemplate({
      client: t.client,
      path: { networkId, payloadTemplateId: created.data!.payloadTemplateId },
      body: { bodyFile: base64(newBody) },
    });
    expect(updated.response.status).toBe(200);
    expect(updated.data).toMatchObject({ name: 'From files', body: newBody, headers: created.data!.headers });
  });

  it('refuses body with bodyFile, headers with headersFile, a missing body and bad Base64', async () => {
    const cases = [
      [{ name: 'x', body: BODY, bodyFile: base64(BODY) }, /body or bodyFile, not both/],
      [{ name: 'x', body: BODY, headers: HEADERS, headersFile: base64('{}') }, /headers or headersFile, not both/],
      [{ name: 'x', headers: HEADERS }, /body or bodyFile is required/],
      [{ name: 'x', body: BODY, headersFile: base64('not json') }, /headersFile is not valid JSON/],
    ] as const;
    for (const [body, message] of cases) {
      const { response, error } = await createNetworkWebhooksPayloadTemplate({ client: t.client, path: { networkId }, body });
      expect(response.status).toBe(400);
      expect(error!.errors.join()).toMatch(message);
    }
  });

  it('refuses a template that does not parse or render, with the reason', async () => {
    const cases = [
      ['not json {{ alertType }}', /with the sample (callback|alert): body does not render to valid JSON/],
      ['{"x": "{{ alertType | nope }}"}', /unknown filter "nope"/],
      ["{% include 'x' %}", /tag "include" is not allowed/],
    ] as const;
    for (const [body, message] of cases) {
      const { response, error } = await createNetworkWebhooksPayloadTemplate({ client: t.client, path: { networkId }, body: { name: 'Bad', body } });
      expect(response.status).toBe(400);
      expect(error!.errors).toHaveLength(1);
      expect(error!.errors[0]).toMatch(message);
    }
    const badHeader = await createNetworkWebhooksPayloadTemplate({
      client: t.client,
      path: { networkId },
      body: { name: 'Bad header', body: BODY, headers: [{ name: 'Content-Length', template: '1' }] },
    });
    expect(badHeader.response.status).toBe(400);
    expect(badHeader.error!.errors[0]).toMatch(/Content-Length/);
  });

  it('merges an update and checks it again, changing nothing when it is refused', async () => {
    const template = await createTemplate('Original');
    const path = { networkId, payloadTemplateId: template.payloadTemplateId };

    const renamed = await updateNetworkWebhooksPayloadTemplate({ client: t.client, path, body: { name: 'Renamed' } });
    expect(renamed.response.status).toBe(200);
    expect(renamed.data).toMatchObject({ payloadTemplateId: template.payloadTemplateId, type: 'custom', name: 'Renamed', body: BODY, headers: [] });

    const withHeaders = await updateNetworkWebhooksPayloadTemplate({ client: t.client, path, body: { headers: HEADERS } });
    expect(withHeaders.data).toMatchObject({ name: 'Renamed', body: BODY, headers: HEADERS });

    const broken = await updateNetworkWebhooksPayloadTemplate({ client: t.client, path, body: { name: 'Broken', body: '{"a": {{ nope | boom }} }' } });
    expect(broken.response.status).toBe(400);
    expect(broken.error!.errors[0]).toMatch(/unknown filter "boom"/);
    const read = await getNetworkWebhooksPayloadTemplate({ client: t.client, path });
    expect(read.data).toEqual(withHeaders.data);
  });

  it('refuses to update or delete an included template', async () => {
    const path = { networkId, payloadTemplateId: 'wpt_00001' };
    const update = await updateNetworkWebhooksPayloadTemplate({ client: t.client, path, body: { name: 'Mine now' } });
    expect(update.response.status).toBe(400);
    expect(update.error!.errors[0]).toMatch(/wpt_00001 \(Meraki \(included\)\) is included and cannot be changed/);
    const remove = await deleteNetworkWebhooksPayloadTemplate({ client: t.client, path });
    expect(remove.response.status).toBe(400);
    expect(remove.error!.errors[0]).toMatch(/is included and cannot be deleted/);
    const read = await getNetworkWebhooksPayloadTemplate({ client: t.client, path });
    expect(read.data!.name).toBe('Meraki (included)');
  });

  it('refuses to delete a template an HTTP server uses, naming the server, and deletes it once unused', async () => {
    const template = await createTemplate('In use');
    const path = { networkId, payloadTemplateId: template.payloadTemplateId };
    const server = await createNetworkWebhooksHttpServer({
      client: t.client,
      path: { networkId },
      body: { name: 'Receiver A', url: 'https://93.184.215.14/a', payloadTemplate: { payloadTemplateId: template.payloadTemplateId } },
    });
    expect(server.response.status).toBe(201);

    const refused = await deleteNetworkWebhooksPayloadTemplate({ client: t.client, path });
    expect(refused.response.status).toBe(400);
    expect(refused.error!.errors[0]).toMatch(/used by HTTP server "Receiver A" \(https:\/\/93\.184\.215\.14\/a\)/);
    expect((await getNetworkWebhooksPayloadTemplate({ client: t.client, path })).response.status).toBe(200);

    await updateNetworkWebhooksHttpServer({
      client: t.client,
      path: { networkId, httpServerId: server.data!.id },
      body: { payloadTemplate: { payloadTemplateId: 'wpt_00005' } },
    });
    const deleted = await deleteNetworkWebhooksPayloadTemplate({ client: t.client, path });
    expect(deleted.response.status).toBe(204);
    expect((await getNetworkWebhooksPayloadTemplate({ client: t.client, path })).response.status).toBe(404);
    expect((await deleteNetworkWebhooksPayloadTemplate({ client: t.client, path })).response.status).toBe(404);
  });

  it("answers 404 for an unknown id and for another network's custom template", async () => {
    const unknown = { networkId, payloadTemplateId: 'wpt_999999' };
    expect((await getNetworkWebhooksPayloadTemplate({ client: t.client, path: unknown })).response.status).toBe(404);
    expect((await updateNetworkWebhooksPayloadTemplate({ client: t.client, path: unknown, body: { name: 'x' } })).response.status).toBe(404);
    expect((await deleteNetworkWebhooksPayloadTemplate({ client: t.client, path: unknown })).response.status).toBe(404);

    const template = await createTemplate('Network 1 only');
    const elsewhere = { networkId: t.demo.networkIds[1]!, payloadTemplateId: template.payloadTemplateId };
    expect((await getNetworkWebhooksPayloadTemplate({ client: t.client, path: elsewhere })).response.status).toBe(404);
    expect((await updateNetworkWebhooksPayloadTemplate({ client: t.client, path: elsewhere, body: { name: 'x' } })).response.status).toBe(404);
    expect((await deleteNetworkWebhooksPayloadTemplate({ client: t.client, path: elsewhere })).response.status).toBe(404);
    const list = await getNetworkWebhooksPayloadTemplates({ client: t.client, path: { networkId: t.demo.networkIds[1]! } });
    expect(list.data!.map((item) => item.payloadTemplateId)).not.toContain(template.payloadTemplateId);
  });

  it("answers 404 for another organization's network", async () => {
    const path = { networkId: t.other.networkId };
    expect((await getNetworkWebhooksPayloadTemplates({ client: t.client, path })).response.status).toBe(404);
    const write = await createNetworkWebhooksPayloadTemplate({ client: t.client, path, body: { name: 'Hijack', body: BODY } });
    expect(write.response.status).toBe(404);
    const template = await createTemplate('Demo only');
    const peek = await getNetworkWebhooksPayloadTemplate({ client: t.otherClient, path: { networkId, payloadTemplateId: template.payloadTemplateId } });
    expect(peek.response.status).toBe(404);
    const own = await getNetworkWebhooksPayloadTemplates({ client: t.otherClient, path });
    expect(own.data!.map((item) => item.type)).toEqual(Array(6).fill('included'));
  });

  it('answers 401 without a key', async () => {
    const { response } = await createNetworkWebhooksPayloadTemplate({ client: t.clientWith(), path: { networkId }, body: { name: 'x', body: BODY } });
    expect(response.status).toBe(401);
  });
});
