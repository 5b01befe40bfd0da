/** The simulated dongle's behaviour as data: when it answers a command, and the facts its Salt functions report. */
import type { DeviceBehaviour, DeviceRow } from '../db/database.js';
import type { DongleFacts } from './salt-functions.js';

/** When a dongle answers a command sent at `sentAt`: after its `answerDelayMs` (default at once), or never when offline. */
export function answerTimeOf(behaviour: DeviceBehaviour, sentAt: Date): Date | null {
  if (behaviour.offline) return null;
  return new Date(sentAt.getTime() + Math.max(0, behaviour.answerDelayMs ?? 0));
}

/** The Salt-side facts of a dongle's device row. */
export function dongleFactsOf(row: Pick<DeviceRow, 'unit_id' | 'dongle_id' | 'name' | 'model' | 'firmware' | 'mac' | 'lan_ip'>): DongleFacts {
  if (!row.unit_id || !row.dongle_id) throw new Error('not a dongle');
  return { unitId: row.unit_id, deviceId: row.dongle_id, name: row.name, model: row.model, firmware: row.firmware, mac: row.mac, lanIp: row.lan_ip ?? '' };
}
