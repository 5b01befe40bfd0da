/** What the auth and scope middlewares learn about a request, attached for the handlers. */
import type { OpenApiRequestMetadata } from 'express-openapi-validator/dist/framework/types.js';
import type { DeviceRow } from '../db/database.js';

/** The caller behind an API key. */
export interface Caller {
  adminId: string;
  /** The raw key as sent (dongle callbacks are signed with it). */
  apiKey: string;
  /** Organizations this admin may see; every other id answers 404. */
  organizationIds: ReadonlySet<string>;
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** Set by `authenticate`. */
      caller?: Caller;
      /** The organization the path points into, set by `scope` (absent for unscoped routes like GET /organizations). */
      organizationId?: string;
      /** The device the path names (by serial or dongle id), as `scope` read it when it checked the organization. */
      device?: DeviceRow;
      /** Set by express-openapi-validator once it has matched the route. */
      openapi?: OpenApiRequestMetadata;
    }
  }
}

/** Returns the authenticated caller; throws if a route was mounted without `authenticate` (a server bug). */
export function callerOf(req: Express.Request): Caller {
  if (!req.caller) throw new Error('route reached without authentication');
  return req.caller;
}

/** Returns the organization the path was resolved to; throws if the route was mounted without `scope` (a server bug). */
export function organizationOf(req: Express.Request): string {
  if (!req.organizationId) throw new Error('route reached without an organization scope');
  return req.organizationId;
}

/** Returns the device the path names, as `scope` read it; throws if the route names none or was mounted without `scope` (a server bug). */
export function deviceOf(req: Express.Request): DeviceRow {
  if (!req.device) throw new Error('route reached without a device in scope');
  return req.device;
}
