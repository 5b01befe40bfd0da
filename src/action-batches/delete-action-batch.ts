/** Deletes an unconfirmed action batch, with its callback. */
import type { Kysely } from 'kysely';
import type { Database } from '../db/database.js';
import { InputError } from '../errors.js';
import { findActionBatch } from './find-action-batch.js';

/** Deletes the batch with its row locked (so it cannot be confirmed meanwhile); 400 once confirmed, 404 when not there. */
export async function deleteActionBatch(db: Kysely<Database>, now: Date, organizationId: string, id: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const batch = await findActionBatch(trx, now, organizationId, id, { lock: true });
    if (batch.confirmed) throw new InputError('A confirmed action batch cannot be deleted');
    await trx.deleteFrom('action_batches').where('id', '=', id).execute();
    if (batch.callback_id) await trx.deleteFrom('callbacks').where('id', '=', batch.callback_id).execute();
  });
}
