/** Device facts shaped like the demo fleet (src/db/seed.ts), for tests that need no database. */
import type { DeviceBehaviour } from '../../src/db/database.js';
import type { DeviceFacts } from '../../src/devices/device-driver.js';

/** A device of network `net-1` (a switch unless overridden). */
export function device(overrides: Partial<DeviceFacts> & { serial: string }): DeviceFacts {
  return {
    model: 'MS120-8',
    productType: 'switch',
    mac: '0c:8d:db:00:00:99',
    lanIp: '10.0.1.99',
    networkId: 'net-1',
    name: overrides.serial,
    firmware: 'wireless-29-5',
    behaviour: {},
    unitId: null,
    dongleId: null,
    ...overrides,
  };
}

/** The demo appliance, the network's gateway at 10.0.1.1. */
export const appliance = device({ serial: 'Q2MX-DEMO-0001', model: 'MX68', productType: 'appliance', mac: '0c:8d:db:00:00:01', lanIp: '10.0.1.1', behaviour: { latencyMs: 12, jitterMs: 3 } });
/** The demo switch (MS120-8: 8 ports). */
export const hqSwitch = device({ serial: 'Q2MS-DEMO-0002', model: 'MS120-8', productType: 'switch', mac: '0c:8d:db:00:00:02', lanIp: '10.0.1.2', behaviour: { latencyMs: 2, jitterMs: 1 } });
/** The demo access point, which loses 5% of packets. */
export const accessPoint = device({ serial: 'Q2MR-DEMO-0003', model: 'MR46', productType: 'wireless', mac: '0c:8d:db:00:00:03', lanIp: '10.0.1.3', behaviour: { latencyMs: 8, jitterMs: 4, lossPercent: 5 } });
/** A dongle. */
export const dongle = device({ serial: 'Q2AP-DEMO-0101', model: 'AutoPi TMU CM4', productType: 'dongle', mac: '0c:8d:db:00:01:01', lanIp: '10.0.2.101', networkId: 'net-2', dongleId: '6f0d1c52-0d6e-4a39-9a7c-3a1b2f0e9d11', unitId: '1b8e0c2a-5d43-4f7e-8e0a-9c1d2e3f4a5b', behaviour: { answerDelayMs: 0 } });

/** The Headquarters network: appliance, switch and access point. */
export const headquarters: DeviceFacts[] = [appliance, hqSwitch, accessPoint];

/** `base` with a different behaviour. */
export function behaving(base: DeviceFacts, behaviour: DeviceBehaviour): DeviceFacts {
  return { ...base, behaviour };
}
