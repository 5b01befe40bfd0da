/** Live tools end to end: create a job through the SDK, receive its signed callback, read the job back. */
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as sdk from '../../generated/client/sdk.gen.js';
import { CallbackContracts } from '../../src/spec/callback-contracts.js';
import { loadSpec } from '../../src/spec/load-spec.js';
import { RecordingReceiver } from '../support/recording-receiver.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

let t: TestServer;
let receiver: RecordingReceiver;
const contracts = await CallbackContracts.compile(loadSpec());
const secret = 'live-tools-secret';

beforeAll(async () => {
  t = await startTestServer({ CALLBACK_ALLOW_HOSTS: '127.0.0.1', LIVE_TOOLS_TIMEOUT: '2' });
  receiver = await RecordingReceiver.start();
});
afterAll(async () => {
  await receiver?.close();
  await t?.stop();
});


/** Waits until the callback's status is `completed` (its delivery is recorded just after the receiver answers). */
async function completedStatus(callbackId: string) {
  for (let i = 0; i < 200; i += 1) {
    const { data } = await sdk.getOrganizationWebhooksCallbacksStatus({ client: t.client, path: { organizationId: t.demo.organizationId, callbackId } });
    if (data?.status === 'completed') return data;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`callback ${callbackId} never completed`);
}

/** Checks the callback of a job created with `url` and `secret`; returns its parsed body. */
async function checkCallback(contract: string, path: string, callbackId: string) {
  const request = (await receiver.waitOn(path))[0]!;
  const payload = JSON.parse(request.body);
  expect(contracts.check(contract, payload)).toEqual({ valid: true });
  expect(new Webhook(Buffer.from(secret, 'utf8').toString('base64')).verify(request.body, request.headers as Record<string, string>)).toEqual(payload);
  expect(payload).toMatchObject({ callbackId, organization: { id: t.demo.organizationId, name: expect.any(String) }, network: { id: expect.any(String), name: expect.any(String) } });
  expect(payload.message.callback).toBeUndefined();
  const status = await completedStatus(callbackId);
  expect(status.errors).toEqual([]);
  const logs = await sdk.getOrganizationWebhooksLogs({ client: t.client, path: { organizationId: t.demo.organizationId }, query: { url: `${receiver.url}${path}` } });
  expect(logs.data).toHaveLength(1);
  expect(logs.data![0]).toMatchObject({ organizationId: t.demo.organizationId, responseCode: 200 });
  return payload;
}

/** The job as GET answers it, without `callback`, and the callback part separately. */
function split<T extends { callback?: unknown }>(job: T) {
  const { callback, ...rest } = job;
  return { callback, rest };
}

describe('live tools end to end', () => {
  it('ping: 201 with the new job, then a signed callback carrying the complete job, equal to the GET', async () => {
    const serial = 'Q2MR-DEMO-0003';
    const path = '/ping';
    const created = await sdk.createDeviceLiveToolsPing({ client: t.client, path: { serial }, body: { target: '8.8.8.8', count: 3, callback: { url: `${receiver.url}${path}`, sharedSecret: secret } } });
    expect(created.response.status).toBe(201);
    const job = created.data!;
    expect(job.pingId).toMatch(/^[0-9]+$/);
    expect(job).toEqual({
      pingId: job.pingId,
      url: `/devices/${serial}/liveTools/ping/${job.pingId}`,
      request: { serial, target: '8.8.8.8', count: 3 },
      status: 'new',
      callback: { id: expect.stringMatching(/^[0-9]+$/), url: `${receiver.url}${path}`, status: 'new' },
    });
    const payload = await checkCallback('createDeviceLiveToolsPing.pingHost', path, job.callback!.id);
    expect(payload.message).toMatchObject({ pingId: job.pingId, status: 'complete', results: { sent: 3 } });
    const got = await sdk.getDeviceLiveToolsPing({ client: t.client, path: { serial, id: job.pingId } });
    const { callback, rest } = split(got.data!);
    expect(rest).toEqual(payload.message);
    expect(callback).toEqual({ id: job.callback!.id, url: `${receiver.url}${path}`, status: 'completed' });
  });

  it('pingDevice: the cloud pings the device at its own address', async () => {
    const serial = 'Q2MX-DEMO-0001';
    const path = '/ping-device';
    const created = await sdk.createDeviceLiveToolsPingDevice({ client: t.client, path: { serial }, body: { callback: { url: `${receiver.url}${path}`, sharedSecret: secret } } });
    expect(created.response.status).toBe(201);
    const job = created.data!;
    expect(job).toMatchObject({ url: `/devices/${serial}/liveTools/pingDevice/${job.pingId}`, request: { serial, target: '10.0.1.1', count: 5 }, status: 'new' });
    const payload = await checkCallback('createDeviceLiveToolsPingDevice.pingDevice', path, job.callback!.id);
    expect(payload.message).toMatchObject({ status: 'complete', results: { sent: 5, received: 5 } });
    const got = await sdk.getDeviceLiveToolsPingDevice({ client: t.client, path: { serial, id: job.pingId } });
    expect(split(got.data!).rest).toEqual(payload.message);
  });

  it('wakeOnLan: a complete job without results', async () => {
    const serial = 'Q2MS-DEMO-0002';
    const path = '/wol';
    const created = await sdk.createDeviceLiveToolsWakeOnLan({ client: t.client, path: { serial }, body: { vlanId: 12, mac: '00:11:22:33:44:55', callback: { url: `${receiver.url}${path}`, sharedSecret: secret } } });
    expect(created.response.status).toBe(201);
    const job = created.data!;
    expect(job).toMatchObject({ wakeOnLanId: expect.stringMatching(/^[0-9]+$/), request: { serial, vlanId: 12, mac: '00:11:22:33:44:55' }, status: 'new' });
    const payload = await checkCallback('createDeviceLiveToolsWakeOnLan.wakeOnLan', path, job.callback!.id);
    expect(payload.message).toEqual({ wakeOnLanId: job.wakeOnLanId, url: job.url, request: job.request, status: 'complete' });
    const got = await sdk.getDeviceLiveToolsWakeOnLan({ client: t.client, path: { serial, wakeOnLanId: job.wakeOnLanId } });
    expect(split(got.data!).rest).toEqual(payload.message);
  });

  it("arpTable: the HQ switch's neighbours", async () => {
    const serial = 'Q2MS-DEMO-0002';
    const path = '/arp';
    const created = await sdk.createDeviceLiveToolsArpTable({ client: t.client, path: { serial }, body: { callback: { url: `${receiver.url}${path}`, sharedSecret: secret } } });
    expect(created.response.status).toBe(201);
    const job = created.data!;
    const payload = await checkCallback('createDeviceLiveToolsArpTable.arpTable', path, job.callback!.id);
    expect(payload.message.entries.map((e: { ip: string }) => e.ip)).toEqual(['10.0.1.1', '10.0.1.3']);
    const got = await sdk.getDeviceLiveToolsArpTable({ client: t.client, path: { serial, arpTableId: job.arpTableId } });
    expect(split(got.data!).rest).toEqual(payload.message);
  });

  it('cableTest: one result per port, in request order', async () => {
    const serial = 'Q2MS-DEMO-0002';
    const path = '/cable';
    const created = await sdk.createDeviceLiveToolsCableTest({ client: t.client, path: { serial }, body: { ports: ['3', '1', '99'], callback: { url: `${receiver.url}${path}`, sharedSecret: secret } } });
    expect(created.response.status).toBe(201);
    const job = created.data!;
    expect(job.request).toEqual({ serial, ports: ['3', '1', '99'] });
    const payload = await checkCallback('createDeviceLiveToolsCableTest.cableTest', path, job.callback!.id);
    expect(payload.message.results.map((r: { port: string }) => r.port)).toEqual(['3', '1', '99']);
    expect(payload.message.results[2].status).toBe('error');
    const got = await sdk.getDeviceLiveToolsCableTest({ client: t.client, path: { serial, id: job.cableTestId } });
    expect(split(got.data!).rest).toEqual(payload.message);
  });

  it('delivers through a configured HTTP server, with its secret', async () => {
    const networkId = t.demo.networkIds[0]!;
    const server = await sdk.createNetworkWebhooksHttpServer({ client: t.client, path: { networkId }, body: { name: 'Receiver', url: `${receiver.url}/via-server`, sharedSecret: secret } });
    expect(server.response.status).toBe(201);
    const created = await sdk.createDeviceLiveToolsPing({ client: t.client, path: { serial: 'Q2MS-DEMO-0002' }, body: { target: 'example.com', count: 1, callback: { httpServer: { id: server.data!.id } } } });
    expect(created.response.status).toBe(201);
    expect(created.data!.callback).toMatchObject({ url: `${receiver.url}/via-server`, status: 'new' });
    const payload = await checkCallback('createDeviceLiveToolsPing.pingHost', '/via-server', created.data!.callback!.id);
    expect(payload.message).toMatchObject({ status: 'complete', request: { target: 'example.com', count: 1 } });
  });

  it("renders a custom Liquid template: the seed's alerts-vs-callbacks example takes the callback branch", async () => {
    const networkId = t.demo.networkIds[0]!;
    const body = [
      '{% if callbackId %}{"kind": "callback", "id": {{ callbackId | jsonify }}, "status": {{ message.status | jsonify }}, "results": {{ message.results | jsonify }}}',
      '{% elsif alertId %}{"kind": "alert"}',
      '{% else %}{"kind": "unknown"}{% endif %}',
    ].join('');
    const template = await sdk.createNetworkWebhooksPayloadTemplate({ client: t.client, path: { networkId }, body: { name: 'Alerts vs callbacks', body } });
    expect(template.response.status).toBe(201);
    const path = '/custom-template';
    const created = await sdk.createDeviceLiveToolsPing({
      client: t.client,
      path: { serial: 'Q2MS-DEMO-0002' },
      body: { target: '8.8.4.4', count: 2, callback: { url: `${receiver.url}${path}`, sharedSecret: secret, payloadTemplate: { id: template.data!.payloadTemplateId } } },
    });
    expect(created.response.status).toBe(201);
    const request = (await receiver.waitOn(path))[0]!;
    const rendered = JSON.parse(request.body);
    expect(rendered).toMatchObject({ kind: 'callback', id: created.data!.callback!.id, status: 'complete', results: { sent: 2 } });
    expect(new Webhook(Buffer.from(secret, 'utf8').toString('base64')).verify(request.body, request.headers as Record<string, string>)).toEqual(rendered);
    await completedStatus(created.data!.callback!.id);
  });

  it('works without a callback: the job is read with GET', async () => {
    const serial = 'Q2MS-DEMO-0002';
    const created = await sdk.createDeviceLiveToolsPing({ client: t.client, path: { serial }, body: { target: '2001:db8::1' } });
    expect(created.response.status).toBe(201);
    expect(created.data!.callback).toBeUndefined();
    expect(created.data!.request).toEqual({ serial, target: '2001:db8::1', count: 5 });
    for (let i = 0; i < 100; i += 1) {
      const got = await sdk.getDeviceLiveToolsPing({ client: t.client, path: { serial, id: created.data!.pingId } });
      if (got.data!.status === 'complete') {
        expect(got.data!.results!.sent).toBe(5);
        return;
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error('the job never completed');
  });

  it('an offline device: the job fails at its deadline and the callback says so', async () => {
    const serial = 'Q2MR-DEMO-0005';
    const path = '/offline';
    const started = Date.now();
    const created = await sdk.createDeviceLiveToolsPing({ client: t.client, path: { serial }, body: { target: '10.0.2.3', count: 2, callback: { url: `${receiver.url}${path}`, sharedSecret: secret } } });
    expect(created.response.status).toBe(201);
    const job = created.data!;
    const running = await sdk.getDeviceLiveToolsPing({ client: t.client, path: { serial, id: job.pingId } });
    // Claimed by the runner after the 201 (scheduled), then on the device until the deadline (running).
    expect(['new', 'scheduled', 'running']).toContain(running.data!.status);
    const payload = await checkCallback('createDeviceLiveToolsPing.pingHost', path, job.callback!.id);
    // LIVE_TOOLS_TIMEOUT is 2 s in this file.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
    expect(payload.message).toEqual({ pingId: job.pingId, url: job.url, request: job.request, status: 'failed', error: 'The device is unreachable.' });
    const got = await sdk.getDeviceLiveToolsPing({ client: t.client, path: { serial, id: job.pingId } });
    expect(split(got.data!).rest).toEqual(payload.message);
  });
});

describe('live tools refuse bad input', () => {
  const url = () => `${receiver.url}/never`;

  it('answers 400 for what the spec forbids', async () => {
    const serial = 'Q2MS-DEMO-0002';
    const missingTarget = await sdk.createDeviceLiveToolsPing({ client: t.client, path: { serial }, body: {} as never });
    expect(missingTarget.response.status).toBe(400);
    expect(missingTarget.error!.errors.join()).toMatch(/target/);
    for (const count of [0, 6]) {
      const { response } = await sdk.createDeviceLiveToolsPing({ client: t.client, path: { serial }, body: { target: '8.8.8.8', count } });
      expect(response.status, `count ${count}`).toBe(400);
      const device = await sdk.createDeviceLiveToolsPingDevice({ client: t.client, path: { serial }, body: { count } });
      expect(device.response.status, `pingDevice count ${count}`).toBe(400);
    }
    const vlan = await sdk.createDeviceLiveToolsWakeOnLan({ client: t.client, path: { serial }, body: { vlanId: 0, mac: '00:11:22:33:44:55' } });
    expect(vlan.response.status).toBe(400);
    for (const mac of ['00:11:22:33:44', 'zz:11:22:33:44:55', '0011.2233.4455']) {
      const { response } = await sdk.createDeviceLiveToolsWakeOnLan({ client: t.client, path: { serial }, body: { vlanId: 1, mac } });
      expect(response.status, mac).toBe(400);
    }
    const noPorts = await sdk.createDeviceLiveToolsCableTest({ client: t.client, path: { serial }, body: { ports: [] } });
    expect(noPorts.response.status).toBe(400);
  });

  it("answers 404 for an unknown serial and for another organization's device", async () => {
    const unknown = await sdk.createDeviceLiveToolsPing({ client: t.client, path: { serial: 'Q2XX-NONE-0000' }, body: { target: '8.8.8.8' } });
    expect(unknown.response.status).toBe(404);
    const other = await sdk.createDeviceLiveToolsPing({ client: t.client, path: { serial: t.other.serial }, body: { target: '8.8.8.8' } });
    expect(other.response.status).toBe(404);
    // …and the other admin cannot read the demo organization's jobs.
    const created = await sdk.createDeviceLiveToolsPing({ client: t.client, path: { serial: 'Q2MS-DEMO-0002' }, body: { target: '8.8.8.8', count: 1 } });
    const hidden = await sdk.getDeviceLiveToolsPing({ client: t.otherClient, path: { serial: 'Q2MS-DEMO-0002', id: created.data!.pingId } });
    expect(hidden.response.status).toBe(404);
  });

  it("answers 404 for an unknown job, another device's job and another tool's job", async () => {
    const created = await sdk.createDeviceLiveToolsPing({ client: t.client, path: { serial: 'Q2MS-DEMO-0002' }, body: { target: '8.8.8.8', count: 1 } });
    const id = created.data!.pingId;
    expect((await sdk.getDeviceLiveToolsPing({ client: t.client, path: { serial: 'Q2MS-DEMO-0002', id: '999999999999' } })).response.status).toBe(404);
    expect((await sdk.getDeviceLiveToolsPing({ client: t.client, path: { serial: 'Q2MX-DEMO-0001', id } })).response.status).toBe(404);
    expect((await sdk.getDeviceLiveToolsPingDevice({ client: t.client, path: { serial: 'Q2MS-DEMO-0002', id } })).response.status).toBe(404);
  });

  it('answers 400 for a tool the device does not support, with the reason', async () => {
    const { response, error } = await sdk.createDeviceLiveToolsCableTest({ client: t.client, path: { serial: 'Q2MR-DEMO-0003' }, body: { ports: ['1'] } });
    expect(response.status).toBe(400);
    expect(error!.errors).toEqual(['cableTest is supported on switches only; Q2MR-DEMO-0003 is a MR46 (wireless).']);
    const dongle = await sdk.createDeviceLiveToolsPing({ client: t.client, path: { serial: 'Q2AP-DEMO-0101' }, body: { target: '8.8.8.8' } });
    expect(dongle.response.status).toBe(400);
    expect(dongle.error!.errors[0]).toMatch(/dongles/);
  });

  it('answers 400 for a callback with both url and httpServer, and for a private callback URL', async () => {
    const serial = 'Q2MS-DEMO-0002';
    const countJobs = async () => (await t.server.ctx.db.selectFrom('live_tool_jobs').select('id').where('kind', '=', 'arpTable').execute()).length;
    const before = await countJobs();
    const both = await sdk.createDeviceLiveToolsArpTable({ client: t.client, path: { serial }, body: { callback: { url: url(), httpServer: { id: 'aHR0cHM6Ly9leGFtcGxlLmNvbQ==' } } } });
    expect(both.response.status).toBe(400);
    expect(both.error!.errors.join()).toMatch(/not both/);
    for (const privateUrl of ['http://10.0.0.1/hook', 'http://169.254.169.254/latest/meta-data', 'http://localhost:9/x']) {
      const { response } = await sdk.createDeviceLiveToolsArpTable({ client: t.client, path: { serial }, body: { callback: { url: privateUrl } } });
      expect(response.status, privateUrl).toBe(400);
    }
    // A refused request creates nothing.
    expect(await countJobs()).toBe(before);
  });
});
