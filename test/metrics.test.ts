/** `/metrics` after known traffic: Prometheus' own linter accepts it, and each new series counts what was done. */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as sdk from '../generated/client/sdk.gen.js';
import type { ActionBatchAction } from '../generated/client/types.gen.js';
import { RecordingReceiver } from './support/recording-receiver.js';
import { DEMO_KEY, startTestServer, type TestServer } from './support/test-server.js';

let t: TestServer;
let receiver: RecordingReceiver;

beforeAll(async () => {
  // A short retry delay, so the callback answered 500 once is retried within the test.
  t = await startTestServer({ CALLBACK_ALLOW_HOSTS: '127.0.0.1', RETRY_SCHEDULE: '100ms' });
  receiver = await RecordingReceiver.start();
  // The first request to /flaky fails, every other request succeeds.
  receiver.reply((_n, request) => (request.path === '/flaky' && receiver.on('/flaky').length === 1 ? { status: 500 } : { status: 200 }));
});
afterAll(async () => {
  await receiver?.close();
  await t?.stop();
});

async function scrape(): Promise<string> {
  const res = await fetch(`${t.url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return res.text();
}

/** The value of the series `name{labels}` (labels as exposed, in order), or undefined when it is absent. */
function value(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** Scrapes until `done` holds for the text (deliveries are recorded a moment after they arrive). */
async function scrapeUntil(done: (text: string) => boolean): Promise<string> {
  for (let i = 0; i < 100; i += 1) {
    const text = await scrape();
    if (done(text)) return text;
    await new Promise((r) => setTimeout(r, 50));
  }
  return scrape();
}

const ping = (path: string) =>
  sdk.createDeviceLiveToolsPing({ client: t.client, path: { serial: 'Q2MS-DEMO-0002' }, body: { target: '8.8.8.8', count: 1, callback: { url: `${receiver.url}${path}` } } });

describe('/metrics', () => {
  let text: string;

  beforeAll(async () => {
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${t.url}/api/v1/organizations`, { headers: { Authorization: `Bearer ${DEMO_KEY}` } })).status).toBe(200);
    expect((await fetch(`${t.url}/api/v1/organizations?perPage=0`, { headers: { Authorization: `Bearer ${DEMO_KEY}` } })).status).toBe(400);
    expect((await fetch(`${t.url}/no/such/path`, { headers: { Authorization: `Bearer ${DEMO_KEY}` } })).status).toBe(404);
    expect((await ping('/ok')).response.status).toBe(201);
    expect((await ping('/flaky')).response.status).toBe(201);
    const networkId = t.demo.networkIds[0]!;
    const batch = (actions: ActionBatchAction[]) =>
      sdk.createOrganizationActionBatch({ client: t.client, path: { organizationId: t.demo.organizationId }, body: { confirmed: true, synchronous: true, actions } });
    expect((await batch([{ resource: `/networks/${networkId}`, operation: 'update', body: { notes: 'metrics' } }])).data!.status.completed).toBe(true);
    // Valid for the schema; the SSID code refuses it when it runs.
    expect((await batch([{ resource: `/networks/${networkId}/wireless/ssids/4`, operation: 'update', body: { authMode: 'psk' } }])).data!.status.failed).toBe(true);
    await receiver.waitOn('/ok');
    await receiver.waitOn('/flaky', 2);
    text = await scrapeUntil((s) => value(s, 'boomerang_delivery_attempts_total{status_class="2xx"}') === 2 && value(s, 'boomerang_deliveries_pending') === 0);
  });

  it('passes promtool check metrics', (context) => {
    const which = spawnSync('promtool', ['--version']);
    if (which.error) {
      console.log('SKIPPED: promtool check metrics (promtool is not installed; Debian package prometheus)');
      context.skip();
    }
    const lint = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect({ status: lint.status, output: lint.stdout + lint.stderr }).toEqual({ status: 0, output: '' });
  });

  it('keeps the standard default metric names, and names no gauge _total', () => {
    for (const name of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_heap_size_used_bytes']) {
      expect(text).toMatch(new RegExp(`^# TYPE ${name} `, 'm'));
    }
    expect(text).not.toMatch(/boomerang_process_|boomerang_nodejs_/);
    const types = [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map(([, name, type]) => ({ name: name!, type: type! }));
    expect(types.filter(({ name, type }) => name.endsWith('_total') !== (type === 'counter'))).toEqual([]);
  });

  it('times requests by route pattern and status code, never by raw URL', () => {
    const count = (method: string, route: string, status: number) =>
      value(text, `boomerang_http_request_duration_seconds_count{method="${method}",route="${route}",status_code="${status}"}`);
    expect(count('GET', '/healthz', 200)).toBe(1);
    expect(count('GET', '/api/v1/organizations', 200)).toBe(1);
    // Refused by the validator before its route ran: still named by its pattern.
    expect(count('GET', '/api/v1/organizations', 400)).toBe(1);
    expect(count('POST', '/api/v1/devices/:serial/liveTools/ping', 201)).toBe(2);
    expect(count('POST', '/api/v1/organizations/:organizationId/actionBatches', 201)).toBe(2);
    expect(count('GET', 'none', 404)).toBe(1);
    expect(text).not.toContain('Q2MS-DEMO-0002');
    expect(text).not.toContain('/no/such/path');
    expect(text).toMatch(/^boomerang_http_request_duration_seconds_bucket\{le="0\.005",method="GET",route="\/healthz",status_code="200"\} [01]$/m);
  });

  it('counts live tool jobs and action batches by outcome', () => {
    expect(value(text, 'boomerang_live_tool_jobs_total{tool="ping",outcome="complete"}')).toBe(2);
    expect(value(text, 'boomerang_action_batches_total{outcome="completed"}')).toBe(1);
    expect(value(text, 'boomerang_action_batches_total{outcome="failed"}')).toBe(1);
  });

  it('counts delivery attempts by status class, and deliveries by outcome', () => {
    expect(value(text, 'boomerang_delivery_attempts_total{status_class="2xx"}')).toBe(2);
    expect(value(text, 'boomerang_delivery_attempts_total{status_class="5xx"}')).toBe(1);
    expect(value(text, 'boomerang_delivery_attempt_duration_seconds_count')).toBe(3);
    expect(value(text, 'boomerang_deliveries_total{outcome="delivered"}')).toBe(2);
    expect(value(text, 'boomerang_deliveries_total{outcome="retried"}')).toBe(1);
    expect(value(text, 'boomerang_deliveries_pending')).toBe(0);
    expect(value(text, 'boomerang_oldest_pending_delivery_age_seconds')).toBe(0);
  });
});
