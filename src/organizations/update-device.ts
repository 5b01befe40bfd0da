/** Changes a device's name, tags, location or notes: the code behind PUT /devices/{serial} and batch `update` actions. */
import type { Kysely } from 'kysely';
import type { DeviceUpdate } from '../../generated/client/types.gen.js';
import type { Database, DeviceRow } from '../db/database.js';
import { InputError, NotFoundError } from '../errors.js';

/** Applies `update` inside `trx` (the UPDATE locks the row); 404 when the device is gone, 400 for a map move it cannot make. */
export async function updateDevice(trx: Kysely<Database>, serial: string, update: DeviceUpdate): Promise<DeviceRow> {
  // Meraki geocodes `address` to move the marker; this server has no geocoder, so it asks for coordinates instead of guessing.
  if (update.moveMapMarker && (update.lat === undefined || update.lng === undefined)) {
    throw new InputError('moveMapMarker: addresses cannot be geocoded by this server; give lat and lng');
  }
  const set = {
    ...(update.name !== undefined ? { name: update.name } : {}),
    ...(update.tags !== undefined ? { tags: JSON.stringify(update.tags) } : {}),
    ...(update.lat !== undefined ? { lat: update.lat } : {}),
    ...(update.lng !== undefined ? { lng: update.lng } : {}),
    ...(update.address !== undefined ? { address: update.address } : {}),
    ...(update.notes !== undefined ? { notes: update.notes } : {}),
  };
  const row =
    Object.keys(set).length > 0
      ? await trx.updateTable('devices').set(set).where('serial', '=', serial).returningAll().executeTakeFirst()
      : await trx.selectFrom('devices').selectAll().where('serial', '=', serial).executeTakeFirst();
  if (!row) throw new NotFoundError('Device not found');
  return row;
}
