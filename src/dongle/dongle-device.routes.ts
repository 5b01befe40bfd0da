/** Dongle devices (AutoPi-style): list the caller's dongles and read one. */
import { Router } from 'express';
import type { DongleDevice } from '../../generated/client/types.gen.js';
import type { DeviceRow } from '../db/database.js';
import type { AppContext } from '../http/app-context.js';
import { callerOf, deviceOf } from '../http/request-context.js';

/** The AutoPi-style resource for a dongle's device row. */
export function toDongleDevice(row: DeviceRow): DongleDevice {
  return {
    id: row.dongle_id!,
    unit_id: row.unit_id!,
    display: row.name,
    callName: row.name,
    imei: null,
    hw_revision: null,
    last_communication: null,
    is_updated: true,
    release: { version: row.firmware },
    tags: row.tags,
  };
}

/** Routes for `/dongle/devices/` and `/dongle/devices/{id}/`. */
export function dongleDeviceRoutes({ db }: AppContext): Router {
  const router = Router({ strict: true });

  router.get('/dongle/devices/', async (req, res) => {
    const ids = [...callerOf(req).organizationIds];
    const rows = await db
      .selectFrom('devices')
      .selectAll()
      .where('dongle_id', 'is not', null)
      .where('organization_id', 'in', ids.length ? ids : ['0'])
      .orderBy('name')
      .execute();
    res.json(rows.map(toDongleDevice));
  });

  router.get('/dongle/devices/:id/', async (req, res) => {
    // `scope` has read the dongle and checked that it is the caller's.
    res.json(toDongleDevice(deviceOf(req)));
  });

  return router;
}
