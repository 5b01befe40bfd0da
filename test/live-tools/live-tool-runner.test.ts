/** The job runner on its own: restart recovery with stored deadlines, and the per-device and overall bounds. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as sdk from '../../generated/client/sdk.gen.js';
import { SimulatorDriver } from '../../src/devices/simulator-driver.js';
import { LiveToolRunner } from '../../src/live-tools/live-tool-runner.js';
import { RecordingReceiver } from '../support/recording-receiver.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

let t: TestServer;
let receiver: RecordingReceiver;

beforeAll(async () => {
  t = await startTestServer({ CALLBACK_ALLOW_HOSTS: '127.0.0.1', LIVE_TOOLS_TIMEOUT: '2' });
  receiver = await RecordingReceiver.start();
  // The server's own runner is stopped: jobs created below stay `new`, as if the server had gone down right after the 201.
  await t.server.runners.liveTools.stop();
});
afterAll(async () => {
  await receiver?.close();
  await t?.stop();
});

async function ping(serial: string, body: { target: string; count?: number; callback?: { url: string } }) {
  const created = await sdk.createDeviceLiveToolsPing({ client: t.client, path: { serial }, body });
  expect(created.response.status).toBe(201);
  return created.data!;
}

async function job(id: string) {
  return t.server.ctx.db.selectFrom('live_tool_jobs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

async function untilFinished(id: string, timeoutMs = 5000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const row = await job(id);
    if (row.status === 'complete' || row.status === 'failed') return row;
    if (Date.now() > until) throw new Error(`job ${id} still ${row.status}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('job runner', () => {
  it('on start, fails at once a job whose deadline passed while down, and runs the others', async () => {
    const { db, callbacks } = t.server.ctx;
    const late = await ping('Q2MR-DEMO-0005', { target: '8.8.8.8', count: 1, callback: { url: `${receiver.url}/late` } });
    const due = await ping('Q2MX-DEMO-0001', { target: '8.8.8.8', count: 1 });
    expect((await job(late.pingId)).status).toBe('new');
    await db.updateTable('live_tool_jobs').set({ deadline: new Date(Date.now() - 1000) }).where('id', '=', late.pingId).execute();

    const runner = new LiveToolRunner(db, callbacks, new SimulatorDriver());
    const started = Date.now();
    await runner.start();
    try {
      const failed = await untilFinished(late.pingId);
      expect(failed).toMatchObject({ status: 'failed', error: 'The device is unreachable.' });
      expect(Date.now() - started).toBeLessThan(1000);
      const [request] = await receiver.waitFor(1);
      expect(JSON.parse(request!.body).message).toMatchObject({ pingId: late.pingId, status: 'failed', error: 'The device is unreachable.' });
      expect(await untilFinished(due.pingId)).toMatchObject({ status: 'complete' });
    } finally {
      await runner.stop();
    }
  });

  it('runs at most maxPerDevice jobs per device, and an offline device holds up no other device', async () => {
    const { db, callbacks } = t.server.ctx;
    await db.updateTable('devices').set({ behaviour: JSON.stringify({ latencyMs: 1, answerDelayMs: 300 }) }).where('serial', '=', 'Q2MS-DEMO-0002').execute();
    const slow = [];
    for (let i = 0; i < 3; i += 1) slow.push(await ping('Q2MS-DEMO-0002', { target: '8.8.8.8', count: 1 }));
    const offline = await ping('Q2MR-DEMO-0005', { target: '8.8.8.8', count: 1 });
    const fast = await ping('Q2MX-DEMO-0001', { target: '8.8.8.8', count: 1 });

    const runner = new LiveToolRunner(db, callbacks, new SimulatorDriver(), { maxInFlight: 3, maxPerDevice: 1 });
    const started = Date.now();
    await runner.start();
    try {
      const fastRow = await untilFinished(fast.pingId);
      expect(fastRow.status).toBe('complete');
      expect(fastRow.finished_at!.getTime() - started).toBeLessThan(250);
      const rows = [];
      for (const s of slow) rows.push(await untilFinished(s.pingId));
      expect(rows.map((r) => r.status)).toEqual(['complete', 'complete', 'complete']);
      // One at a time on the switch: each starts once the previous one has answered.
      const times = rows.map((r) => r.finished_at!.getTime()).sort((a, b) => a - b);
      expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(250);
      expect(times[2]! - times[1]!).toBeGreaterThanOrEqual(250);
      expect(await untilFinished(offline.pingId)).toMatchObject({ status: 'failed', error: 'The device is unreachable.' });
    } finally {
      await runner.stop();
    }
  });
});
