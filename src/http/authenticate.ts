/** API-key authentication: `Authorization: Bearer KEY`, `Authorization: APIToken KEY` or `X-Cisco-Meraki-API-Key: KEY`. */
import type { RequestHandler } from 'express';
import type { Kysely } from 'kysely';
import type { Database } from '../db/database.js';
import { hashApiKey } from '../auth/api-key.js';
import { UnauthorizedError } from '../errors.js';
import type { Caller } from './request-context.js';

/** How long a resolved key is trusted before it is looked up again, in milliseconds (default 5000). */
const CACHE_TTL_MS = 5000;

/** Extracts the API key from whichever of the three header forms the client used. */
export function apiKeyFrom(headers: { authorization?: string; 'x-cisco-meraki-api-key'?: string | string[] }): string | undefined {
  const meraki = headers['x-cisco-meraki-api-key'];
  if (typeof meraki === 'string' && meraki.trim()) return meraki.trim();
  const match = /^(?:Bearer|APIToken)\s+(\S+)\s*$/i.exec(headers.authorization ?? '');
  return match?.[1];
}

/** Builds the middleware that resolves the key to its admin and organizations, or answers 401. */
export function authenticate(db: Kysely<Database>): RequestHandler {
  // Keys are looked up on every request; a short cache keeps that off the hot path.
  const cache = new Map<string, { caller: Caller; expires: number }>();
  return async (req, _res, next) => {
    const key = apiKeyFrom(req.headers);
    if (!key) throw new UnauthorizedError('Missing API key: send Authorization: Bearer KEY or X-Cisco-Meraki-API-Key: KEY');
    const hash = hashApiKey(key);
    const cached = cache.get(hash);
    if (cached && cached.expires > Date.now()) {
      req.caller = { ...cached.caller, apiKey: key };
      return next();
    }
    const rows = await db
      .selectFrom('api_keys')
      .leftJoin('admin_organizations', 'admin_organizations.admin_id', 'api_keys.admin_id')
      .select(['api_keys.admin_id', 'admin_organizations.organization_id'])
      .where('api_keys.key_hash', '=', hash)
      .where('api_keys.revoked_at', 'is', null)
      .execute();
    const first = rows[0];
    if (!first) throw new UnauthorizedError('Invalid API key');
    const caller: Caller = {
      adminId: first.admin_id,
      apiKey: key,
      organizationIds: new Set(rows.flatMap((r) => (r.organization_id ? [r.organization_id] : []))),
    };
    if (cache.size > 10_000) cache.clear();
    cache.set(hash, { caller, expires: Date.now() + CACHE_TTL_MS });
    req.caller = caller;
    next();
  };
}
