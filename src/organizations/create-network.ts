/** Creates a network in an organization: the code behind POST /organizations/{organizationId}/networks and batch `create` actions. */
import type { Kysely } from 'kysely';
import type { NetworkCreate } from '../../generated/client/types.gen.js';
import type { Database, NetworkRow } from '../db/database.js';
import { createNetwork } from '../db/seed.js';
import { assertTimeZone } from './time-zone.js';

/** The time zone of a network created without one (Meraki's default). */
export const DEFAULT_TIME_ZONE = 'America/Los_Angeles';

/** Inserts the network (with its 15 SSIDs when it is wireless) inside `trx` and returns its row; 400 for an unknown time zone. */
export async function createOrganizationNetwork(trx: Kysely<Database>, organizationId: string, body: NetworkCreate): Promise<NetworkRow> {
  const timeZone = body.timeZone ?? DEFAULT_TIME_ZONE;
  assertTimeZone(timeZone);
  const id = await createNetwork(trx, {
    organizationId,
    name: body.name,
    productTypes: body.productTypes,
    timeZone,
    tags: body.tags ?? [],
    notes: body.notes ?? '',
  });
  return trx.selectFrom('networks').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}
