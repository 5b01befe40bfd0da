import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '../../src/db/create-db.js';
import { seedDemo } from '../../src/db/seed.js';
import { deviceFacts } from '../../src/devices/device-facts.js';
import { type DeviceFacts, type LiveToolKind, type LiveToolParams, liveToolKinds } from '../../src/devices/device-driver.js';
import { SimulatorDriver, answerDelayMs } from '../../src/devices/simulator-driver.js';
import { createTestDatabase, type TestDatabase } from '../support/test-db.js';
import { type JobSchemaName, schemaErrors } from '../support/job-schemas.js';
import { seededRandom } from '../support/seeded-random.js';

// The seeded demo fleet, read back from a real database, through the simulator: what a person trying the API meets.
let testDb: TestDatabase;
let db: Db;
let fleet: DeviceFacts[];
const driver = new SimulatorDriver();

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = await createDb(testDb);
  await seedDemo(db, { apiKey: 'demo-fleet-test-key-0000000000000000' });
  const rows = await db.selectFrom('devices').selectAll().orderBy('serial').execute();
  fleet = rows.map(deviceFacts);
});
afterAll(async () => {
  await db?.destroy();
  await testDb?.drop();
});

const params: Record<LiveToolKind, LiveToolParams> = {
  ping: { target: '8.8.8.8', count: 5 },
  pingDevice: { count: 5 },
  wakeOnLan: { vlanId: 1, mac: 'aa:bb:cc:dd:ee:ff' },
  arpTable: {},
  cableTest: { ports: ['1', '2', '3', '4', '5', '6', '7', '8'] },
};

function job(kind: LiveToolKind, serial: string, body: object): [JobSchemaName, object] {
  const base = { url: `/devices/${serial}/liveTools/${kind}/1`, status: 'complete' };
  switch (kind) {
    case 'ping':
      return ['PingJob', { pingId: '1', ...base, request: { serial, target: '8.8.8.8', count: 5 }, ...body }];
    case 'pingDevice':
      return ['PingDeviceJob', { pingId: '1', ...base, request: { serial, count: 5 }, ...body }];
    case 'wakeOnLan':
      return ['WakeOnLanJob', { wakeOnLanId: '1', ...base, request: { serial, vlanId: 1, mac: 'aa:bb:cc:dd:ee:ff' } }];
    case 'arpTable':
      return ['ArpTableJob', { arpTableId: '1', ...base, request: { serial }, ...body }];
    case 'cableTest':
      return ['CableTestJob', { cableTestId: '1', ...base, request: { serial, ports: params.cableTest.ports }, ...body }];
  }
}

describe('the demo fleet on the simulator', () => {
  it('reads every demo device into facts, dongles with their AutoPi ids', () => {
    expect(fleet.map((d) => [d.serial, d.productType])).toEqual([
      ['Q2AP-DEMO-0101', 'dongle'],
      ['Q2AP-DEMO-0102', 'dongle'],
      ['Q2AP-DEMO-0103', 'dongle'],
      ['Q2MR-DEMO-0003', 'wireless'],
      ['Q2MR-DEMO-0004', 'wireless'],
      ['Q2MR-DEMO-0005', 'wireless'],
      ['Q2MS-DEMO-0002', 'switch'],
      ['Q2MX-DEMO-0001', 'appliance'],
    ]);
    const offline = fleet.find((d) => d.serial === 'Q2AP-DEMO-0102')!;
    expect(offline.behaviour).toEqual({ offline: true });
    expect(offline.dongleId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('runs every supported tool on every Meraki device with results valid against the job schemas', async () => {
    let ran = 0;
    for (const device of fleet) {
      const neighbours = fleet.filter((d) => d.networkId === device.networkId);
      for (const kind of liveToolKinds) {
        // The offline access point never answers: live-tools tests cover it through the job runner.
        if (driver.unsupportedReason(device, kind) !== null || device.behaviour.offline) continue;
        const result = await driver.runLiveTool(device, kind, params[kind], {
          signal: AbortSignal.timeout(5000),
          neighbours,
          now: () => new Date(),
          random: seededRandom(ran),
        });
        const { kind: _, ...body } = result;
        const [schema, value] = job(kind, device.serial, body);
        expect(schemaErrors(schema, value), `${kind} on ${device.serial}`).toEqual([]);
        ran++;
      }
    }
    // Switch: 5 tools; appliance: 3; two access points: 2 each; dongles: none.
    expect(ran).toBe(12);
  });

  it("the HQ switch's ARP table holds the HQ appliance and access point", async () => {
    const hqSwitch = fleet.find((d) => d.serial === 'Q2MS-DEMO-0002')!;
    const neighbours = fleet.filter((d) => d.networkId === hqSwitch.networkId);
    const result = await driver.runLiveTool(hqSwitch, 'arpTable', {}, { signal: AbortSignal.timeout(5000), neighbours, now: () => new Date(), random: Math.random });
    expect(result.kind === 'arpTable' && result.entries.map((e) => `${e.ip} ${e.mac}`)).toEqual(['10.0.1.1 0c:8d:db:00:00:01', '10.0.1.3 0c:8d:db:00:00:03']);
  });

  it('dongles refuse live tools; their behaviour still says when they would answer', () => {
    for (const dongle of fleet.filter((d) => d.productType === 'dongle')) {
      for (const kind of liveToolKinds) expect(driver.unsupportedReason(dongle, kind)).toMatch(/dongles/);
    }
    const delays = fleet.filter((d) => d.productType === 'dongle').map((d) => answerDelayMs(d.behaviour));
    expect(delays).toEqual([1, null, 3001]);
  });
});
