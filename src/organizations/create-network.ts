/** Creates a network in an organization: the code behind POST /organizations/{organizationId}/networks and batch `create` actions. */
import type { Kysely } from 'kysely';
import type { NetworkCreate } from '../../generated/client/types.gen.js';
import type { Database, NetworkRow } from '../db/database.js';
import { defaultSsidSettings } from './ssid-defaults.js';
import { assertTimeZone } from './time-zone.js';

/** The time zone of a network created without one (Meraki's default). */
export const DEFAULT_TIME_ZONE = 'America/Los_Angeles';

/** Adds a network with its 15 SSIDs when it is wireless, inside `trx`, and returns its id (the demo seed uses it too). */
export async function insertNetwork(
  trx: Kysely<Database>,
  network: { organizationId: string; name: string; productTypes: string[]; timeZone?: string; tags?: string[]; notes?: string },
): Promise<string> {
  const { id } = await trx
    .insertInto('networks')
    .values({
      organization_id: network.organizationId,
      name: network.name,
      product_types: JSON.stringify(network.productTypes),
      time_zone: network.timeZone ?? DEFAULT_TIME_ZONE,
      tags: JSON.stringify(network.tags ?? []),
      notes: network.notes ?? '',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  if (network.productTypes.includes('wireless')) {
    await trx
      .insertInto('ssids')
      .values(
        Array.from({ length: 15 }, (_, number) => ({
          network_id: id,
          number,
          settings: JSON.stringify(defaultSsidSettings(number)),
        })),
      )
      .execute();
  }
  return id;
}

/** Inserts the network (with its 15 SSIDs when it is wireless) inside `trx` and returns its row; 400 for an unknown time zone. */
export async function createOrganizationNetwork(trx: Kysely<Database>, organizationId: string, body: NetworkCreate): Promise<NetworkRow> {
  const timeZone = body.timeZone ?? DEFAULT_TIME_ZONE;
  assertTimeZone(timeZone);
  const id = await insertNetwork(trx, {
    organizationId,
    name: body.name,
    productTypes: body.productTypes,
    timeZone,
    tags: body.tags ?? [],
    notes: body.notes ?? '',
  });
  return trx.selectFrom('networks').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}
