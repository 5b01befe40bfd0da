/** What a dongle's Salt functions know about it, taken from what the driver knows of the device. */
import type { DeviceFacts } from '../devices/device-driver.js';

/** What the simulated dongle's Salt functions report about it. */
export interface DongleFacts {
  /** The Salt minion id. */
  unitId: string;
  deviceId: string;
  name: string;
  model: string;
  firmware: string;
  mac: string;
  lanIp: string;
}

/** The Salt-side facts of a dongle; throws for a device that is not a dongle (no AutoPi unit and device ids). */
export function dongleFactsOf(device: DeviceFacts): DongleFacts {
  if (!device.unitId || !device.dongleId) throw new Error(`${device.serial} is not a dongle`);
  return {
    unitId: device.unitId,
    deviceId: device.dongleId,
    name: device.name,
    model: device.model,
    firmware: device.firmware,
    mac: device.mac,
    lanIp: device.lanIp ?? '',
  };
}
