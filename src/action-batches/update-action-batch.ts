/** Confirms an action batch (which hands it to runners) or changes whether it runs synchronously. */
import type { Kysely } from 'kysely';
import type { ActionBatchUpdate } from '../../generated/client/types.gen.js';
import type { ActionBatchRow, Database } from '../db/database.js';
import { InputError } from '../errors.js';
import { admitBatch, checkBatchSize, type BatchLimits } from './admit-batch.js';
import { findActionBatch } from './find-action-batch.js';
import { notifyRunners, type BatchEnv } from './execute-batch.js';

/**
 * Applies `update` to the organization's batch with its row locked; `confirmed` cannot be unset and a confirmed batch's
 * mode cannot change (400). A confirmation is admitted against the per-organization limit. 404 when the batch is not
 * there (or has expired).
 */
export async function updateActionBatch(
  db: Kysely<Database>,
  env: BatchEnv & { limits: BatchLimits },
  organizationId: string,
  id: string,
  update: ActionBatchUpdate,
): Promise<ActionBatchRow> {
  return db.transaction().execute(async (trx) => {
    const batch = await findActionBatch(trx, env.callbacks.now(), organizationId, id, { lock: true });
    if (batch.confirmed) {
      if (update.confirmed === false) throw new InputError('confirmed cannot be unset once the batch is confirmed');
      if (update.synchronous !== undefined && update.synchronous !== batch.synchronous) {
        throw new InputError('synchronous cannot be changed once the batch is confirmed');
      }
      return batch;
    }
    const synchronous = update.synchronous ?? batch.synchronous;
    checkBatchSize(env.limits, synchronous, batch.actions.length);
    const confirm = update.confirmed === true;
    const now = env.callbacks.now();
    if (confirm) {
      await admitBatch(trx, env.limits, organizationId);
      if (batch.callback_id) {
        await trx
          .updateTable('callbacks')
          .set({ expires_at: new Date(now.getTime() + env.callbacks.retentionMs) })
          .where('id', '=', batch.callback_id)
          .execute();
      }
    }
    const row = await trx
      .updateTable('action_batches')
      .set({ synchronous, confirmed: confirm, ...(confirm ? { confirmed_at: now, expires_at: null } : {}) })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    if (confirm && !synchronous) await notifyRunners(trx);
    return row;
  });
}
