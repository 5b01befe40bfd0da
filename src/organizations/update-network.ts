/** Changes a network's name, time zone, tags or notes: the code behind PUT /networks/{networkId} and batch `update` actions. */
import type { Kysely } from 'kysely';
import type { NetworkUpdate } from '../../generated/client/types.gen.js';
import type { Database, NetworkRow } from '../db/database.js';
import { NotFoundError } from '../errors.js';
import { assertTimeZone } from './time-zone.js';

/** Applies `update` inside `trx` (the UPDATE locks the row, so concurrent changes apply one after the other); 404 when the network is gone. */
export async function updateNetwork(trx: Kysely<Database>, networkId: string, update: NetworkUpdate): Promise<NetworkRow> {
  if (update.timeZone !== undefined) assertTimeZone(update.timeZone);
  const set = {
    ...(update.name !== undefined ? { name: update.name } : {}),
    ...(update.timeZone !== undefined ? { time_zone: update.timeZone } : {}),
    ...(update.tags !== undefined ? { tags: JSON.stringify(update.tags) } : {}),
    ...(update.notes !== undefined ? { notes: update.notes } : {}),
  };
  const row =
    Object.keys(set).length > 0
      ? await trx.updateTable('networks').set(set).where('id', '=', networkId).returningAll().executeTakeFirst()
      : await trx.selectFrom('networks').selectAll().where('id', '=', networkId).executeTakeFirst();
  if (!row) throw new NotFoundError('Network not found');
  return row;
}
