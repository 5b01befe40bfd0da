/** Retention: deletes unconfirmed action batches a week old, with their callbacks. */
import type { Kysely } from 'kysely';
import type { Database } from '../db/database.js';

/** Deletes the unconfirmed batches that expired before `now`; returns how many went. */
export async function sweepExpiredBatches(db: Kysely<Database>, now: Date): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const gone = await trx
      .deleteFrom('action_batches')
      .where('confirmed', '=', false)
      .where('expires_at', '<', now)
      .returning('callback_id')
      .execute();
    const callbackIds = gone.map((g) => g.callback_id).filter((id): id is string => id !== null);
    if (callbackIds.length > 0) await trx.deleteFrom('callbacks').where('id', 'in', callbackIds).execute();
    return gone.length;
  });
}
