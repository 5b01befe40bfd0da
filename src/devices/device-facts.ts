/** Conversion of a `devices` row into what drivers need. */
import type { DeviceRow } from '../db/database.js';
import type { DeviceFacts } from './device-driver.js';

/** The driver's view of a `devices` row. */
export function deviceFacts(
  row: Pick<DeviceRow, 'serial' | 'model' | 'product_type' | 'mac' | 'lan_ip' | 'network_id' | 'name' | 'firmware' | 'behaviour' | 'unit_id' | 'dongle_id'>,
): DeviceFacts {
  return {
    serial: row.serial,
    model: row.model,
    productType: row.product_type,
    mac: row.mac,
    lanIp: row.lan_ip,
    networkId: row.network_id,
    name: row.name,
    firmware: row.firmware,
    // jsonb comes back parsed; an empty object means "answers at once, no loss".
    behaviour: row.behaviour ?? {},
    unitId: row.unit_id,
    dongleId: row.dongle_id,
  };
}
