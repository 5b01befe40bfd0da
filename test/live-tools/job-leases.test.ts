/** Leased job claiming: statuses as a job waits for its device and a runner slot, take-over of a dead runner's jobs, and one callback per job. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as sdk from '../../generated/client/sdk.gen.js';
import { SimulatorDriver } from '../../src/devices/simulator-driver.js';
import { LiveToolRunner } from '../../src/live-tools/live-tool-runner.js';
import { RecordingReceiver } from '../support/recording-receiver.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

let t: TestServer;
let receiver: RecordingReceiver;
const OFFLINE_AP = 'Q2MR-DEMO-0005';
const SWITCH = 'Q2MS-DEMO-0002';
const APPLIANCE = 'Q2MX-DEMO-0001';

beforeAll(async () => {
  t = await startTestServer({ CALLBACK_ALLOW_HOSTS: '127.0.0.1', LIVE_TOOLS_TIMEOUT: '3' });
  receiver = await RecordingReceiver.start();
  // The server's own runner is stopped: the runners below (other "servers" on the same database) claim every job.
  await t.server.runners.liveTools.stop();
});
afterAll(async () => {
  await receiver?.close();
  await t?.stop();
});

async function ping(serial: string, path: string) {
  const created = await sdk.createDeviceLiveToolsPing({ client: t.client, path: { serial }, body: { target: '8.8.8.8', count: 1, callback: { url: `${receiver.url}${path}` } } });
  expect(created.response.status).toBe(201);
  expect(created.data!.status).toBe('new');
  return created.data!;
}

function row(id: string) {
  return t.server.ctx.db.selectFrom('live_tool_jobs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

/** Polls GET until the job shows `status`; returns the statuses seen on the way. */
async function untilStatus(serial: string, id: string, status: string, timeoutMs = 10_000): Promise<string[]> {
  const seen: string[] = [];
  const until = Date.now() + timeoutMs;
  for (;;) {
    const { data } = await sdk.getDeviceLiveToolsPing({ client: t.client, path: { serial, id } });
    if (seen.at(-1) !== data!.status) seen.push(data!.status);
    if (data!.status === status) return seen;
    if (Date.now() > until) throw new Error(`job ${id} is ${data!.status}, never ${status} (saw ${seen.join(' → ')})`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The callback bodies received at `path`. */
function callbacksAt(path: string) {
  return receiver.received.filter((r) => r.path === path).map((r) => JSON.parse(r.body));
}

async function untilCallback(path: string, timeoutMs = 10_000) {
  const until = Date.now() + timeoutMs;
  while (callbacksAt(path).length === 0) {
    if (Date.now() > until) throw new Error(`no callback at ${path}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return callbacksAt(path)[0];
}

describe('leased live tool jobs', () => {
  it('shows scheduled while its device is busy, ready while every runner slot is taken, running on the device', async () => {
    const { db, callbacks } = t.server.ctx;
    await db.updateTable('devices').set({ behaviour: JSON.stringify({ offline: true }) }).where('serial', '=', SWITCH).execute();
    // Two slots overall, one per device; it learns of each job through the create transaction's NOTIFY.
    const runner = new LiveToolRunner(db, callbacks, new SimulatorDriver(), { maxInFlight: 2, maxPerDevice: 1 });
    await runner.start();
    try {
      const a = await ping(OFFLINE_AP, '/a');
      await untilStatus(OFFLINE_AP, a.pingId, 'running');
      const b = await ping(OFFLINE_AP, '/b');
      // The access point runs `a` until its deadline: `b` is claimed and waits for the device.
      await untilStatus(OFFLINE_AP, b.pingId, 'scheduled');
      const c = await ping(SWITCH, '/c');
      await untilStatus(SWITCH, c.pingId, 'running');
      const d = await ping(APPLIANCE, '/d');
      // Its device is free, but `a` and `c` hold both runner slots.
      await untilStatus(APPLIANCE, d.pingId, 'ready');
      expect((await row(b.pingId)).status).toBe('scheduled');
      expect((await row(a.pingId)).status).toBe('running');
      for (const job of [a, b, c, d]) expect((await row(job.pingId)).lease_owner).toBe(runner.owner);

      // At the deadlines the offline devices' jobs fail, and `d` gets a slot and completes.
      expect(await untilCallback('/d')).toMatchObject({ message: { pingId: d.pingId, status: 'complete', results: { sent: 1 } } });
      for (const [path, job] of [['/a', a], ['/b', b], ['/c', c]] as const) {
        expect(await untilCallback(path)).toMatchObject({ message: { pingId: job.pingId, status: 'failed', error: 'The device is unreachable.' } });
      }
      const dRow = await row(d.pingId);
      expect(dRow).toMatchObject({ status: 'complete', lease_owner: runner.owner, leased_until: null, runs: 1 });
      // It ran only once `a` or `c` reached its deadline and gave back its slot (timers may fire a millisecond early).
      const firstDeadline = Math.min((await row(a.pingId)).deadline.getTime(), (await row(c.pingId)).deadline.getTime());
      expect(dRow.started_at!.getTime()).toBeGreaterThanOrEqual(firstDeadline - 5);
      for (const path of ['/a', '/b', '/c', '/d']) expect(callbacksAt(path)).toHaveLength(1);
    } finally {
      await runner.stop();
      await db.updateTable('devices').set({ behaviour: '{}' }).where('serial', '=', SWITCH).execute();
    }
  });

  it("takes over a dead runner's job when its lease runs out, fails one whose deadline passed, and leaves a live runner's alone", async () => {
    const { db, callbacks } = t.server.ctx;
    // No runner is up: the jobs stay `new`, then are made to look held by runners.
    const crashed = await ping(APPLIANCE, '/crashed');
    const expired = await ping(APPLIANCE, '/expired');
    const alive = await ping(APPLIANCE, '/alive');
    const inOneSecond = new Date(Date.now() + 1000);
    await db.updateTable('live_tool_jobs').set({ status: 'running', runs: 1, lease_owner: 'crashed-server', leased_until: inOneSecond }).where('id', '=', crashed.pingId).execute();
    await db
      .updateTable('live_tool_jobs')
      .set({ status: 'running', runs: 1, lease_owner: 'crashed-server', leased_until: new Date(Date.now() - 1000), deadline: new Date(Date.now() - 500) })
      .where('id', '=', expired.pingId)
      .execute();
    await db.updateTable('live_tool_jobs').set({ status: 'running', runs: 1, lease_owner: 'alive-server', leased_until: new Date(Date.now() + 3_600_000) }).where('id', '=', alive.pingId).execute();

    const runner = new LiveToolRunner(db, callbacks, new SimulatorDriver());
    await runner.start();
    try {
      // Claimed by the first scan, and failed at once: its deadline passed while no live runner held it.
      expect(await untilCallback('/expired')).toMatchObject({ message: { pingId: expired.pingId, status: 'failed', error: 'The device is unreachable.' } });
      expect((await row(crashed.pingId)).lease_owner).toBe('crashed-server');
      // The idle runner wakes when the dead runner's lease runs out, and runs the job again.
      expect(await untilCallback('/crashed')).toMatchObject({ message: { pingId: crashed.pingId, status: 'complete' } });
      const taken = await row(crashed.pingId);
      expect(taken).toMatchObject({ status: 'complete', lease_owner: runner.owner, runs: 2 });
      expect(taken.finished_at!.getTime()).toBeGreaterThanOrEqual(inOneSecond.getTime() - 50);
      expect(await row(alive.pingId)).toMatchObject({ status: 'running', lease_owner: 'alive-server', runs: 1 });
      expect(callbacksAt('/crashed')).toHaveLength(1);
      expect(callbacksAt('/expired')).toHaveLength(1);
      expect(callbacksAt('/alive')).toHaveLength(0);
    } finally {
      await runner.stop();
    }
  });

  it('a runner whose job was taken over finishes nothing: no second result, no callback', async () => {
    const { db, callbacks } = t.server.ctx;
    // A short lease, renewed every 500 ms: the runner notices the take-over while the job still waits on the offline device.
    const runner = new LiveToolRunner(db, callbacks, new SimulatorDriver(), { leaseMs: 1500 });
    await runner.start();
    try {
      const lost = await ping(OFFLINE_AP, '/lost');
      const kept = await ping(OFFLINE_AP, '/kept');
      await untilStatus(OFFLINE_AP, lost.pingId, 'running');
      await untilStatus(OFFLINE_AP, kept.pingId, 'running');
      expect(runner.pending).toBe(2);
      // Another server claims `lost` (as if our lease had run out while we stalled).
      await db.updateTable('live_tool_jobs').set({ status: 'scheduled', lease_owner: 'other-server', leased_until: new Date(Date.now() + 3_600_000) }).where('id', '=', lost.pingId).execute();
      expect(await untilCallback('/kept')).toMatchObject({ message: { pingId: kept.pingId, status: 'failed' } });
      expect(await row(lost.pingId)).toMatchObject({ status: 'scheduled', lease_owner: 'other-server', finished_at: null, error: null });
      expect(callbacksAt('/lost')).toHaveLength(0);
      expect(runner.pending).toBe(0);
    } finally {
      await runner.stop();
    }
  });

  it('a stopping runner hands its unfinished jobs back, and the next runner claims them at once', async () => {
    const { db, callbacks } = t.server.ctx;
    const first = new LiveToolRunner(db, callbacks, new SimulatorDriver());
    await first.start();
    const job = await ping(OFFLINE_AP, '/handed-back');
    await untilStatus(OFFLINE_AP, job.pingId, 'running');
    await first.stop();
    expect(await row(job.pingId)).toMatchObject({ status: 'running', lease_owner: null, leased_until: null, runs: 1 });
    const second = new LiveToolRunner(db, callbacks, new SimulatorDriver());
    await second.start();
    try {
      expect((await row(job.pingId)).lease_owner).toBe(second.owner);
      expect(await untilCallback('/handed-back')).toMatchObject({ message: { pingId: job.pingId, status: 'failed', error: 'The device is unreachable.' } });
      expect(await row(job.pingId)).toMatchObject({ status: 'failed', lease_owner: second.owner, runs: 2 });
      expect(callbacksAt('/handed-back')).toHaveLength(1);
    } finally {
      await second.stop();
    }
  });
});
