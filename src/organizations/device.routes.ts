/** Devices: list an organization's devices (with Meraki's filters), read and update one. */
import { Router, type Request } from 'express';
import { sql } from 'kysely';
import type { GetDeviceResponse, GetOrganizationDevicesData, GetOrganizationDevicesResponse, UpdateDeviceData } from '../../generated/client/types.gen.js';
import type { DeviceRow } from '../db/database.js';
import type { AppContext } from '../http/app-context.js';
import { baseUrl } from '../http/base-url.js';
import { fetchPage, setLinkHeader, type PageSpec } from '../http/pagination.js';
import { deviceOf, organizationOf } from '../http/request-context.js';
import { tagsCondition } from './tag-filter.js';
import { updateDevice } from './update-device.js';
import { isRowId } from '../db/row-id.js';

const page: PageSpec = { key: 'devices.serial', defaultPerPage: 1000, numericKey: false };

/** The API resource for a device row. */
export function toDevice(row: DeviceRow, req: Request): GetDeviceResponse {
  return {
    name: row.name,
    lat: row.lat,
    lng: row.lng,
    address: row.address,
    notes: row.notes,
    tags: row.tags,
    networkId: row.network_id,
    serial: row.serial,
    model: row.model,
    mac: row.mac,
    lanIp: row.lan_ip,
    firmware: row.firmware,
    productType: row.product_type as GetDeviceResponse['productType'],
    url: `${baseUrl(req)}/api/v1/devices/${row.serial}`,
    details: [],
  };
}

/** Escapes a search term for LIKE, so `%` and `_` match themselves. */
function contains(term: string): string {
  return `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** Routes for `/api/v1/organizations/{organizationId}/devices` and `/api/v1/devices/{serial}`. */
export function deviceRoutes({ db }: AppContext): Router {
  const router = Router();

  router.get('/api/v1/organizations/:organizationId/devices', async (req, res) => {
    const query = req.query as GetOrganizationDevicesData['query'] & {};
    // Meraki lists only devices that are in a network.
    let base = db
      .selectFrom('devices')
      .selectAll()
      .where('organization_id', '=', organizationOf(req))
      .where('network_id', 'is not', null);
    if (query.networkIds?.length) base = base.where('network_id', 'in', query.networkIds.filter(isRowId).concat('0'));
    if (query.productTypes?.length) base = base.where('product_type', 'in', query.productTypes);
    if (query.tags?.length) base = base.where(tagsCondition('devices.tags', query.tags, query.tagsFilterType));
    if (query.name) base = base.where(sql<boolean>`name ilike ${contains(query.name)}`);
    if (query.mac) base = base.where(sql<boolean>`mac ilike ${contains(query.mac)}`);
    if (query.serial) base = base.where(sql<boolean>`serial ilike ${contains(query.serial)}`);
    if (query.model) base = base.where(sql<boolean>`model ilike ${contains(query.model)}`);
    if (query.macs?.length) base = base.where(sql<boolean>`lower(mac) = any(${query.macs.map((m) => m.toLowerCase())}::text[])`);
    if (query.serials?.length) base = base.where('serial', 'in', query.serials);
    if (query.models?.length) base = base.where('model', 'in', query.models);
    const result = await fetchPage(base, query, page);
    setLinkHeader(res, `/organizations/${organizationOf(req)}/devices`, query, result, page);
    const body: GetOrganizationDevicesResponse = result.rows.map((row) => toDevice(row, req));
    res.json(body);
  });

  router.get('/api/v1/devices/:serial', async (req, res) => {
    res.json(toDevice(deviceOf(req), req));
  });

  router.put('/api/v1/devices/:serial', async (req, res) => {
    const body = req.body as UpdateDeviceData['body'];
    const row = await db.transaction().execute((trx) => updateDevice(trx, req.params.serial, body));
    res.json(toDevice(row, req));
  });

  return router;
}
