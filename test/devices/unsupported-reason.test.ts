import { describe, expect, it } from 'vitest';
import { type LiveToolKind, liveToolKinds } from '../../src/devices/device-driver.js';
import { unsupportedReason } from '../../src/devices/unsupported-reason.js';
import { device, dongle } from '../support/fleet.js';

const supported = (productType: string, model = 'X1') =>
  liveToolKinds.filter((kind) => unsupportedReason(device({ serial: 'Q2XX-0000-0001', productType, model }), kind) === null);

describe('unsupportedReason (Meraki support matrix)', () => {
  it('switches run every live tool', () => {
    expect(supported('switch', 'MS120-8')).toEqual(['ping', 'pingDevice', 'wakeOnLan', 'arpTable', 'cableTest']);
  });

  it('appliances ping and send Wake-on-LAN, but have no ARP table or cable test (Meraki: arpTable "supports switches")', () => {
    expect(supported('appliance', 'MX68')).toEqual(['ping', 'pingDevice', 'wakeOnLan']);
  });

  it.each(['wireless', 'camera', 'sensor', 'cellularGateway'])('%s devices only ping', (productType) => {
    expect(supported(productType)).toEqual(['ping', 'pingDevice']);
  });

  it('says why, naming the tool, the device and what it is', () => {
    const ap = device({ serial: 'Q2MR-DEMO-0003', productType: 'wireless', model: 'MR46' });
    expect(unsupportedReason(ap, 'cableTest')).toBe('cableTest is supported on switches only; Q2MR-DEMO-0003 is a MR46 (wireless).');
    expect(unsupportedReason(ap, 'wakeOnLan')).toBe('wakeOnLan is supported on switches and appliances only; Q2MR-DEMO-0003 is a MR46 (wireless).');
  });

  it('dongles run no live tool, not even ping', () => {
    for (const kind of liveToolKinds) expect(unsupportedReason(dongle, kind), kind).toMatch(/not supported on dongles \(Q2AP-DEMO-0101\)/);
    // A dongle is known by its AutoPi id even if its product type says otherwise.
    const tagged = { ...dongle, productType: 'switch' };
    expect(unsupportedReason(tagged, 'ping')).toMatch(/dongles/);
  });

  it('Systems Manager devices and devices outside a network run none', () => {
    const kinds: LiveToolKind[] = [...liveToolKinds];
    for (const kind of kinds) {
      expect(unsupportedReason(device({ serial: 'SM-1', productType: 'systemsManager' }), kind)).toMatch(/Systems Manager/);
      expect(unsupportedReason(device({ serial: 'Q2MS-0000-0009', networkId: null }), kind)).toBe('Device Q2MS-0000-0009 is not in a network.');
    }
  });
});
