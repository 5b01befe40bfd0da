/** The delivery engine end to end: webhook tests through the outbox to a recording receiver, retries, signatures, logs. */
import { execFileSync } from 'node:child_process';
import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createNetworkWebhooksWebhookTest,
  getNetworkWebhooksWebhookTest,
  getOrganizationWebhooksCallbacksStatus,
  getOrganizationWebhooksLogs,
} from '../../generated/client/sdk.gen.js';
import { CallbackContracts } from '../../src/spec/callback-contracts.js';
import { loadSpec } from '../../src/spec/load-spec.js';
import { RecordingReceiver } from '../support/recording-receiver.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

let t: TestServer;
let receiver: RecordingReceiver;
const contracts = await CallbackContracts.compile(loadSpec());

beforeAll(async () => {
  t = await startTestServer({
    CALLBACK_ALLOW_HOSTS: '127.0.0.1',
    // Short delays so that the whole schedule plays out within a test; the production figures are tested in retry-policy.test.ts.
    RETRY_SCHEDULE: '150ms,150ms,150ms,150ms,150ms',
    CALLBACK_TIMEOUT_MS: '400',
  });
});
afterAll(async () => {
  await t?.stop();
});
afterEach(async () => {
  await receiver?.close();
});

async function sendTest(body: { url: string; sharedSecret?: string; payloadTemplateId?: string }) {
  const networkId = t.demo.networkIds[0]!;
  const created = await createNetworkWebhooksWebhookTest({ client: t.client, path: { networkId }, body });
  expect(created.response.status).toBe(201);
  return { networkId, id: created.data!.id, created: created.data! };
}

async function settled(networkId: string, id: string, status: string) {
  for (let i = 0; i < 200; i += 1) {
    const { data } = await getNetworkWebhooksWebhookTest({ client: t.client, path: { networkId, webhookTestId: id } });
    if (data!.status === status) return data!;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`webhook test ${id} never became ${status}`);
}

describe('delivery', () => {
  it('delivers a signed sample alert, and status, callback status and logs say so', async () => {
    receiver = await RecordingReceiver.start();
    const secret = 'shh-its-a-secret';
    const { networkId, id, created } = await sendTest({ url: `${receiver.url}/hooks?x=1`, sharedSecret: secret });
    expect(created).toMatchObject({ id, url: `${receiver.url}/hooks?x=1` });
    expect(['enqueued', 'processing', 'delivered']).toContain(created.status);
    const [request] = await receiver.waitFor(1);
    expect(request!.path).toBe('/hooks?x=1');
    expect(request!.headers['content-type']).toBe('application/json');
    expect(request!.headers['user-agent']).toBe('Boomerang/0.1.0');
    // Meraki's included template carries the shared secret in the body, and the body is a valid alert.
    const alert = JSON.parse(request!.body);
    expect(alert.sharedSecret).toBe(secret);
    expect(alert.networkId).toBe(networkId);
    expect(contracts.check('webhook.deviceWentDown', alert)).toEqual({ valid: true });
    // Standard Webhooks signature, checked by the reference implementation.
    const verified = new Webhook(Buffer.from(secret, 'utf8').toString('base64')).verify(request!.body, request!.headers as Record<string, string>);
    expect(verified).toEqual(alert);
    expect(new Webhook(secret, { format: 'raw' }).verify(request!.body, request!.headers as Record<string, string>)).toEqual(alert);

    await settled(networkId, id, 'delivered');
    const status = await getOrganizationWebhooksCallbacksStatus({ client: t.client, path: { organizationId: t.demo.organizationId, callbackId: id } });
    expect(status.data).toMatchObject({ callbackId: id, status: 'completed', errors: [], webhook: { url: `${receiver.url}/hooks?x=1`, payloadTemplate: { id: 'wpt_00001' } } });
    expect(Date.parse(status.data!.webhook.sentAt!)).toBeGreaterThan(Date.now() - 60_000);
    const logs = await getOrganizationWebhooksLogs({ client: t.client, path: { organizationId: t.demo.organizationId }, query: { url: `${receiver.url}/hooks?x=1` } });
    expect(logs.data).toHaveLength(1);
    expect(logs.data![0]).toMatchObject({ organizationId: t.demo.organizationId, networkId, responseCode: 200, alertType: 'Power supply went down' });
    // Another organization sees neither the callback nor its log.
    const hidden = await getOrganizationWebhooksCallbacksStatus({ client: t.otherClient, path: { organizationId: t.demo.organizationId, callbackId: id } });
    expect(hidden.response.status).toBe(404);
    const otherLogs = await getOrganizationWebhooksLogs({ client: t.otherClient, path: { organizationId: t.other.organizationId } });
    expect(otherLogs.data).toEqual([]);
  });

  it('retries 5xx, timeouts and resets with the same webhook-id, then delivers', async () => {
    receiver = await RecordingReceiver.start();
    receiver.reply((n) => (n === 1 ? { status: 500 } : n === 2 ? { status: 200, delayMs: 1000 } : n === 3 ? { reset: true } : { status: 200 }));
    const { networkId, id } = await sendTest({ url: `${receiver.url}/flaky` });
    const requests = await receiver.waitFor(4);
    await settled(networkId, id, 'delivered');
    expect(new Set(requests.map((r) => r.headers['webhook-id'])).size).toBe(1);
    expect(new Set(requests.map((r) => r.body)).size).toBe(1);
    for (let i = 1; i < 4; i += 1) expect(requests[i]!.at - requests[i - 1]!.at).toBeGreaterThanOrEqual(110);
    const status = await getOrganizationWebhooksCallbacksStatus({ client: t.client, path: { organizationId: t.demo.organizationId, callbackId: id } });
    expect(status.data!.status).toBe('completed');
    expect(status.data!.errors).toEqual([
      expect.stringMatching(/^attempt 1 .*: HTTP 500$/),
      expect.stringMatching(/^attempt 2 .*: timed out/),
      expect.stringMatching(/^attempt 3 .*: network error/),
    ]);
    const logs = await getOrganizationWebhooksLogs({ client: t.client, path: { organizationId: t.demo.organizationId }, query: { url: `${receiver.url}/flaky` } });
    expect(logs.data!.map((l) => l.responseCode)).toEqual([500, null, null, 200]);
  });

  it('gives up after the last retry: 1 + 5 attempts, callback failed with every error', async () => {
    receiver = await RecordingReceiver.start();
    receiver.reply(() => ({ status: 503 }));
    const { networkId, id } = await sendTest({ url: `${receiver.url}/down` });
    await settled(networkId, id, 'abandoned');
    expect(receiver.received).toHaveLength(6);
    const status = await getOrganizationWebhooksCallbacksStatus({ client: t.client, path: { organizationId: t.demo.organizationId, callbackId: id } });
    expect(status.data!.status).toBe('failed');
    expect(status.data!.errors).toHaveLength(6);
    expect(status.data!.errors.at(-1)).toMatch(/no retries left after 6 attempts/);
  });

  it('stops at once on 410 and on other 4xx, but retries 408 and 429', async () => {
    receiver = await RecordingReceiver.start();
    receiver.reply((_n, r) => (r.path === '/gone' ? { status: 410 } : r.path === '/bad' ? { status: 400 } : { status: 200 }));
    const gone = await sendTest({ url: `${receiver.url}/gone` });
    const bad = await sendTest({ url: `${receiver.url}/bad` });
    await settled(gone.networkId, gone.id, 'abandoned');
    await settled(bad.networkId, bad.id, 'abandoned');
    expect(receiver.received.filter((r) => r.path === '/gone')).toHaveLength(1);
    expect(receiver.received.filter((r) => r.path === '/bad')).toHaveLength(1);

    let calls = 0;
    receiver.reply((_n, r) => (r.path === '/busy' ? ((calls += 1), calls === 1 ? { status: 408 } : calls === 2 ? { status: 429, headers: { 'retry-after': '1' } } : { status: 200 }) : { status: 200 }));
    const busy = await sendTest({ url: `${receiver.url}/busy` });
    await settled(busy.networkId, busy.id, 'delivered');
    const times = receiver.received.filter((r) => r.path === '/busy').map((r) => r.at);
    expect(times).toHaveLength(3);
    // Retry-After: 1 is honoured (the schedule alone would have retried after ~150 ms).
    expect(times[2]! - times[1]!).toBeGreaterThanOrEqual(950);
  });

  it('refuses private, loopback and metadata destinations with 400', async () => {
    for (const url of ['http://10.0.0.1/hook', 'http://169.254.169.254/latest/meta-data', 'http://[::1]:9/x', 'http://localhost:9/x', 'ftp://example.com/x']) {
      const { response, error } = await createNetworkWebhooksWebhookTest({ client: t.client, path: { networkId: t.demo.networkIds[0]! }, body: { url } });
      expect(response.status, url).toBe(400);
      expect(error!.errors[0], url).toMatch(/callback (url|host)/);
    }
  });

  it('serves delivery metrics in Prometheus format', async () => {
    const text = await (await fetch(`${t.url}/metrics`)).text();
    expect(text).toMatch(/^boomerang_deliveries_total\{outcome="delivered"\} [1-9]\d*$/m);
    expect(text).toMatch(/^boomerang_delivery_attempts_total\{status_class="2xx"\} [1-9]\d*$/m);
    expect(text).toMatch(/^boomerang_delivery_attempt_duration_seconds_bucket\{le="0\.005"\} \d+$/m);
    expect(text).toMatch(/^boomerang_deliveries_pending \d+$/m);
    expect(text).toMatch(/^boomerang_oldest_pending_delivery_age_seconds [\d.e+-]+$/m);
  });
});

describe('X-Request-Signature', () => {
  it("matches the seed's Python snippet and Node's crypto", async () => {
    const { requestSignature } = await import('../../src/callbacks/signing.js');
    const token = 'token-ünïcode-1234';
    const body = JSON.stringify({ jid: '20240101000000000000', state: 'COMMAND_EXECUTED', success: true, note: 'quote " and \n newline' });
    const signature = requestSignature(token, body);
    const python = execFileSync(
      'python3',
      ['-c', 'import hmac, hashlib, sys\nsecret, body, sig = sys.argv[1], sys.argv[2], sys.argv[3]\ncalculated = hmac.new(secret.encode("utf-8"), body.encode("utf-8"), hashlib.sha256).hexdigest()\nprint(hmac.compare_digest(calculated, sig))', token, body, signature],
      { encoding: 'utf8' },
    );
    expect(python.trim()).toBe('True');
    expect(signature).toMatch(/^[0-9a-f]{64}$/);
  });
});
