/** Organization scoping: finds the organization a path points into, hides other organizations (404), and rate-limits per organization. */
import type { RequestHandler } from 'express';
import type { Kysely } from 'kysely';
import type { Database, DeviceRow } from '../db/database.js';
import { NotFoundError, TooManyRequestsError } from '../errors.js';
import { callerOf } from './request-context.js';
import type { RateLimiter } from './rate-limiter.js';
import { isRowId } from '../db/row-id.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The organization a path points into (undefined if it does not exist) and the message for when it is not visible. */
interface Owner {
  organizationId: string | undefined;
  notFound: string;
  /** The device the path names, read whole so that its handler need not read it again. */
  device?: DeviceRow;
}

/** Resolves the organization owning the path's resource, or null when the path names none. */
async function owningOrganization(db: Kysely<Database>, path: string, params: Record<string, string>): Promise<Owner | null> {
  if (params.organizationId !== undefined) {
    return { organizationId: isRowId(params.organizationId) ? params.organizationId : undefined, notFound: 'Organization not found' };
  }
  if (params.networkId !== undefined) {
    const row = isRowId(params.networkId)
      ? await db.selectFrom('networks').select('organization_id').where('id', '=', params.networkId).executeTakeFirst()
      : undefined;
    return { organizationId: row?.organization_id, notFound: 'Network not found' };
  }
  if (params.serial !== undefined) {
    const row = await db.selectFrom('devices').selectAll().where('serial', '=', params.serial).executeTakeFirst();
    return { organizationId: row?.organization_id, notFound: 'Device not found', ...(row ? { device: row } : {}) };
  }
  if (path.startsWith('/dongle/devices/') && params.id !== undefined) {
    const row = UUID.test(params.id)
      ? await db.selectFrom('devices').selectAll().where('dongle_id', '=', params.id).executeTakeFirst()
      : undefined;
    return { organizationId: row?.organization_id, notFound: 'Device not found', ...(row ? { device: row } : {}) };
  }
  return null;
}

/** Builds the middleware; it runs after the spec validator, which has matched the route and its path parameters. */
export function scope(db: Kysely<Database>, limiter: RateLimiter): RequestHandler {
  return async (req, _res, next) => {
    const caller = callerOf(req);
    const params = req.openapi?.pathParams ?? {};
    const owner = await owningOrganization(db, req.path, params);
    if (owner) {
      // Another organization's resource is reported exactly like a missing one, so ids leak nothing.
      if (owner.organizationId === undefined || !caller.organizationIds.has(owner.organizationId)) throw new NotFoundError(owner.notFound);
      req.organizationId = owner.organizationId;
      if (owner.device) req.device = owner.device;
    }
    const decision = limiter.take(req.organizationId ?? `admin:${caller.adminId}`);
    if (!decision.allowed) throw new TooManyRequestsError(decision.retryAfterSeconds);
    next();
  };
}
