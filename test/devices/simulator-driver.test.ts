import { describe, expect, it } from 'vitest';
import {
  DeviceUnreachableError,
  type DeviceFacts,
  type LiveToolResult,
  LiveToolParamsError,
  type RunContext,
  UnsupportedLiveToolError,
} from '../../src/devices/device-driver.js';
import { externalPathLatencyMs } from '../../src/devices/simulate-ping.js';
import { SimulatorDriver, answerDelayMs } from '../../src/devices/simulator-driver.js';
import { schemaErrors } from '../support/job-schemas.js';
import { accessPoint, appliance, behaving, dongle, headquarters, hqSwitch } from '../support/fleet.js';
import { seededRandom } from '../support/seeded-random.js';

const driver = new SimulatorDriver();
const now = new Date('2025-03-01T12:00:00.000Z');

function ctx(overrides: Partial<RunContext> = {}): RunContext {
  return { signal: AbortSignal.timeout(5000), neighbours: headquarters, now: () => now, random: seededRandom(11), ...overrides };
}

/** A signal that never aborts, for runs that must settle without one. */
const never = new AbortController().signal;

/** Settles with 'pending' if `promise` has not settled after `ms`. */
async function stateAfter(promise: Promise<unknown>, ms: number): Promise<string> {
  const timer = new Promise((resolve) => setTimeout(() => resolve('pending'), ms));
  return Promise.race([promise.then(() => 'resolved', () => 'rejected'), timer]) as Promise<string>;
}

function results<K extends LiveToolResult['kind']>(result: LiveToolResult, kind: K): Extract<LiveToolResult, { kind: K }> {
  expect(result.kind).toBe(kind);
  return result as Extract<LiveToolResult, { kind: K }>;
}

describe('SimulatorDriver results match the job schemas', () => {
  it('ping', async () => {
    const { results: r } = results(await driver.runLiveTool(hqSwitch, 'ping', { target: '8.8.8.8', count: 3 }, ctx()), 'ping');
    const job = { pingId: '1', url: `/devices/${hqSwitch.serial}/liveTools/ping/1`, request: { serial: hqSwitch.serial, target: '8.8.8.8', count: 3 }, status: 'complete', results: r };
    expect(schemaErrors('PingJob', job)).toEqual([]);
    expect(r.sent).toBe(3);
  });

  it('pingDevice (count defaults to 5)', async () => {
    const { results: r } = results(await driver.runLiveTool(accessPoint, 'pingDevice', {}, ctx()), 'pingDevice');
    const job = { pingId: '2', url: `/devices/${accessPoint.serial}/liveTools/pingDevice/2`, request: { serial: accessPoint.serial, target: accessPoint.lanIp, count: 5 }, status: 'complete', results: r };
    expect(schemaErrors('PingDeviceJob', job)).toEqual([]);
    expect(r.sent).toBe(5);
  });

  it('wakeOnLan returns the magic packet it sent; the job has no results to check', async () => {
    const { packet } = results(await driver.runLiveTool(appliance, 'wakeOnLan', { vlanId: 12, mac: '00:11:22:33:44:55' }, ctx()), 'wakeOnLan');
    expect(packet.toString('hex')).toBe('ff'.repeat(6) + '001122334455'.repeat(16));
    const job = { wakeOnLanId: '3', url: `/devices/${appliance.serial}/liveTools/wakeOnLan/3`, request: { serial: appliance.serial, vlanId: 12, mac: '00:11:22:33:44:55' }, status: 'complete' };
    expect(schemaErrors('WakeOnLanJob', job)).toEqual([]);
  });

  it('arpTable lists the neighbours, updated before ctx.now', async () => {
    const { entries } = results(await driver.runLiveTool(hqSwitch, 'arpTable', {}, ctx()), 'arpTable');
    expect(entries.map((e) => [e.ip, e.mac])).toEqual([
      ['10.0.1.1', appliance.mac],
      ['10.0.1.3', accessPoint.mac],
    ]);
    for (const e of entries) expect(Date.parse(e.lastUpdatedAt)).toBeLessThan(now.getTime());
    const job = { arpTableId: '4', url: `/devices/${hqSwitch.serial}/liveTools/arpTable/4`, request: { serial: hqSwitch.serial }, status: 'complete', entries };
    expect(schemaErrors('ArpTableJob', job)).toEqual([]);
  });

  it('cableTest', async () => {
    const ports = ['1', '2', '8', '9'];
    const { results: r } = results(await driver.runLiveTool(hqSwitch, 'cableTest', { ports }, ctx()), 'cableTest');
    expect(r.map((p) => p.port)).toEqual(ports);
    expect(r[3]!.status).toBe('error');
    const job = { cableTestId: '5', url: `/devices/${hqSwitch.serial}/liveTools/cableTest/5`, request: { serial: hqSwitch.serial, ports }, status: 'complete', results: r };
    expect(schemaErrors('CableTestJob', job)).toEqual([]);
  });

  it('the same seed gives the same results', async () => {
    const run = async () => driver.runLiveTool(accessPoint, 'ping', { target: 'meraki.com', count: 5 }, ctx({ random: seededRandom(5) }));
    expect(await run()).toEqual(await run());
  });
});

describe('SimulatorDriver ping follows the behaviour data', () => {
  const pingLatencies = async (device: DeviceFacts, target: string, neighbours = headquarters) => {
    const latencies: number[] = [];
    let sent = 0;
    const random = seededRandom(21);
    for (let run = 0; run < 40; run++) {
      const { results: r } = results(await driver.runLiveTool(device, 'ping', { target, count: 5 }, ctx({ random, neighbours })), 'ping');
      sent += r.sent;
      latencies.push(...r.replies.map((reply) => reply.latency));
    }
    return { latencies, lossShare: 1 - latencies.length / sent };
  };

  it('pingDevice: latency ± jitter and the loss of the device', async () => {
    const flaky = behaving(accessPoint, { latencyMs: 1, jitterMs: 0.5, lossPercent: 25 });
    const random = seededRandom(8);
    let sent = 0;
    let received = 0;
    for (let run = 0; run < 100; run++) {
      const { results: r } = results(await driver.runLiveTool(flaky, 'pingDevice', { count: 5 }, ctx({ random })), 'pingDevice');
      sent += r.sent;
      received += r.received;
      for (const reply of r.replies) expect(Math.abs(reply.latency - 1)).toBeLessThanOrEqual(0.5);
    }
    expect(1 - received / sent).toBeGreaterThan(0.18);
    expect(1 - received / sent).toBeLessThan(0.32);
  });

  it('an outside target adds its own path latency, so targets differ', async () => {
    for (const target of ['8.8.8.8', 'meraki.com']) {
      const { latencies } = await pingLatencies(hqSwitch, target);
      const extra = externalPathLatencyMs(target);
      for (const latency of latencies) expect(Math.abs(latency - (2 + extra))).toBeLessThanOrEqual(1.001);
    }
    expect(externalPathLatencyMs('8.8.8.8')).not.toBe(externalPathLatencyMs('meraki.com'));
  });

  it('a device of the network answers over the LAN, adding its own loss', async () => {
    const { latencies, lossShare } = await pingLatencies(hqSwitch, accessPoint.lanIp!);
    for (const latency of latencies) expect(Math.abs(latency - 2)).toBeLessThanOrEqual(1.001);
    expect(lossShare).toBeGreaterThan(0);
    expect(lossShare).toBeLessThan(0.15);
  });

  it('an offline device of the network loses every packet (the pinging device itself answers)', async () => {
    const neighbours = [appliance, hqSwitch, behaving(accessPoint, { offline: true })];
    const { results: r } = results(await driver.runLiveTool(hqSwitch, 'ping', { target: '10.0.1.3', count: 4 }, ctx({ neighbours })), 'ping');
    expect(r).toMatchObject({ sent: 4, received: 0, loss: { percentage: 100 }, latencies: { minimum: null, average: null, maximum: null }, replies: [] });
  });
});

describe('SimulatorDriver timing', () => {
  it('answers after latency + answerDelayMs', async () => {
    const slow = behaving(hqSwitch, { latencyMs: 20, answerDelayMs: 300 });
    expect(answerDelayMs(slow.behaviour)).toBe(320);
    const started = performance.now();
    await driver.runLiveTool(slow, 'pingDevice', { count: 1 }, ctx({ signal: never }));
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(300);
    expect(elapsed).toBeLessThan(3000);
  });

  it('a device without behaviour answers at once', async () => {
    const started = performance.now();
    await driver.runLiveTool(behaving(hqSwitch, {}), 'arpTable', {}, ctx({ signal: never }));
    expect(performance.now() - started).toBeLessThan(500);
  });

  it('an offline device stays pending until the signal aborts, then rejects with DeviceUnreachableError', async () => {
    const offline = behaving(hqSwitch, { offline: true });
    const controller = new AbortController();
    const run = driver.runLiveTool(offline, 'pingDevice', { count: 1 }, ctx({ signal: controller.signal }));
    expect(await stateAfter(run, 200)).toBe('pending');
    controller.abort(new Error('job timed out'));
    const err = await run.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeviceUnreachableError);
    expect(err).toMatchObject({ serial: hqSwitch.serial, message: 'The device is unreachable.' });
  });

  it('an offline device rejects when an AbortSignal.timeout fires, not before', async () => {
    const offline = behaving(hqSwitch, { offline: true });
    const started = performance.now();
    await expect(driver.runLiveTool(offline, 'cableTest', { ports: ['1'] }, ctx({ signal: AbortSignal.timeout(150) }))).rejects.toBeInstanceOf(DeviceUnreachableError);
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(140);
    expect(elapsed).toBeLessThan(3000);
  });

  it('a device slower than the timeout is unreachable too', async () => {
    const slow = behaving(hqSwitch, { answerDelayMs: 10_000 });
    const started = performance.now();
    await expect(driver.runLiveTool(slow, 'pingDevice', {}, ctx({ signal: AbortSignal.timeout(100) }))).rejects.toBeInstanceOf(DeviceUnreachableError);
    expect(performance.now() - started).toBeLessThan(3000);
  });

  it('an already aborted signal rejects at once', async () => {
    await expect(driver.runLiveTool(hqSwitch, 'pingDevice', {}, ctx({ signal: AbortSignal.abort() }))).rejects.toBeInstanceOf(DeviceUnreachableError);
  });
});

describe('SimulatorDriver refusals', () => {
  it('rejects an unsupported tool at once with the reason', async () => {
    await expect(driver.runLiveTool(accessPoint, 'cableTest', { ports: ['1'] }, ctx({ signal: never }))).rejects.toThrow(
      new UnsupportedLiveToolError('cableTest is supported on switches only; Q2MR-DEMO-0003 is a MR46 (wireless).'),
    );
    await expect(driver.runLiveTool(dongle, 'ping', { target: '8.8.8.8' }, ctx({ signal: never }))).rejects.toBeInstanceOf(UnsupportedLiveToolError);
    expect(driver.unsupportedReason(appliance, 'arpTable')).toMatch(/switches only/);
    expect(driver.unsupportedReason(appliance, 'wakeOnLan')).toBeNull();
  });

  it.each([
    ['ping without target', 'ping', {}],
    ['ping with count 6', 'ping', { target: '8.8.8.8', count: 6 }],
    ['pingDevice with count 0', 'pingDevice', { count: 0 }],
    ['wakeOnLan with a bad MAC', 'wakeOnLan', { vlanId: 1, mac: 'nope' }],
    ['wakeOnLan with VLAN 4095', 'wakeOnLan', { vlanId: 4095, mac: '00:11:22:33:44:55' }],
    ['cableTest without ports', 'cableTest', { ports: [] }],
  ] as const)('rejects %s at once, even on an offline device', async (_, kind, params) => {
    const offline = behaving(hqSwitch, { offline: true });
    await expect(driver.runLiveTool(offline, kind, { ...params, ports: 'ports' in params ? [...params.ports] : undefined }, ctx({ signal: never }))).rejects.toBeInstanceOf(
      LiveToolParamsError,
    );
  });
});
