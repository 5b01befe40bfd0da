import { describe, expect, it } from 'vitest';
import { defaultGateway, simulateArpTable } from '../../src/devices/simulate-arp-table.js';
import { schemaErrors } from '../support/job-schemas.js';
import { accessPoint, appliance, behaving, device, headquarters, hqSwitch } from '../support/fleet.js';
import { seededRandom } from '../support/seeded-random.js';

const now = new Date('2025-03-01T12:00:00.000Z');

function arpJob(entries: unknown) {
  return { arpTableId: '1', url: '/devices/Q2MS-DEMO-0002/liveTools/arpTable/1', request: { serial: 'Q2MS-DEMO-0002' }, status: 'complete', entries };
}

describe('simulateArpTable', () => {
  it("lists the network's other devices, the appliance being the gateway, sorted by address", () => {
    const entries = simulateArpTable(hqSwitch, headquarters, now, seededRandom(3));
    expect(entries.map(({ ip, mac, vlanId }) => ({ ip, mac, vlanId }))).toEqual([
      { ip: appliance.lanIp, mac: appliance.mac, vlanId: 1 },
      { ip: accessPoint.lanIp, mac: accessPoint.mac, vlanId: 1 },
    ]);
    expect(schemaErrors('ArpTableJob', arpJob(entries))).toEqual([]);
  });

  it('dates each entry 1–30 s before now, as ISO date-times', () => {
    const random = seededRandom(9);
    for (let run = 0; run < 100; run++) {
      for (const entry of simulateArpTable(hqSwitch, headquarters, now, random)) {
        expect(entry.lastUpdatedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
        const age = now.getTime() - Date.parse(entry.lastUpdatedAt);
        expect(age).toBeGreaterThanOrEqual(1000);
        expect(age).toBeLessThanOrEqual(30_000);
      }
    }
  });

  it('adds an upstream gateway (a.b.c.1, stable locally administered MAC) when no device of the network holds it', () => {
    const lonely = device({ serial: 'Q2MS-0000-0100', lanIp: '192.168.7.20', networkId: 'net-9' });
    const printer = device({ serial: 'Q2MS-0000-0101', lanIp: '192.168.7.50', mac: '0c:8d:db:00:00:50', networkId: 'net-9' });
    const first = simulateArpTable(lonely, [lonely, printer], now, seededRandom(1));
    const second = simulateArpTable(lonely, [printer], now, seededRandom(2));
    expect(first.map((e) => e.ip)).toEqual(['192.168.7.1', '192.168.7.50']);
    expect(first[0]!.mac).toMatch(/^02(:[0-9a-f]{2}){5}$/);
    expect(second[0]!.mac).toBe(first[0]!.mac);
    expect(schemaErrors('ArpTableJob', arpJob(first))).toEqual([]);
  });

  it('leaves out offline devices (their entries aged out), devices without an IPv4 address, and itself', () => {
    const offlineAp = behaving(accessPoint, { offline: true });
    const noIp = device({ serial: 'Q2MS-0000-0200', lanIp: null });
    const v6 = device({ serial: 'Q2MS-0000-0201', lanIp: 'fd00::5' });
    const entries = simulateArpTable(hqSwitch, [appliance, hqSwitch, offlineAp, noIp, v6], now, seededRandom(4));
    expect(entries.map((e) => e.ip)).toEqual(['10.0.1.1']);
  });

  it('an offline gateway is not replaced by an invented one', () => {
    const entries = simulateArpTable(hqSwitch, [behaving(appliance, { offline: true }), accessPoint], now, seededRandom(5));
    expect(entries.map((e) => e.ip)).toEqual(['10.0.1.3']);
  });

  it('defaultGateway is the .1 of an IPv4 address', () => {
    expect(defaultGateway('10.0.2.103')).toBe('10.0.2.1');
    expect(defaultGateway('fd00::1')).toBeNull();
    expect(defaultGateway(null)).toBeNull();
  });
});
