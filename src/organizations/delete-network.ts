/** Deletes a network: the code behind DELETE /networks/{networkId} and batch `destroy` actions. */
import type { Kysely } from 'kysely';
import type { Database } from '../db/database.js';
import { NotFoundError } from '../errors.js';

/**
 * Deletes the network inside `trx`, with its SSIDs, HTTP servers and payload templates; its devices stay in the
 * organization, in no network (as Meraki's do). 404 when the network is gone.
 */
export async function deleteNetwork(trx: Kysely<Database>, networkId: string): Promise<void> {
  const result = await trx.deleteFrom('networks').where('id', '=', networkId).executeTakeFirst();
  if (Number(result.numDeletedRows) === 0) throw new NotFoundError('Network not found');
}
