/** Creates an action batch: checks every action against the spec, then stores the batch and its callback in one transaction. */
import type { Kysely } from 'kysely';
import type { ActionBatchCreate } from '../../generated/client/types.gen.js';
import { insertCallback } from '../callbacks/insert-callback.js';
import { resolveCallbackTarget, type CallbackTarget } from '../callbacks/resolve-target.js';
import type { ActionBatchRow, Database, StoredAction } from '../db/database.js';
import { admitBatch, checkBatchSize, type BatchLimits } from './admit-batch.js';
import { notifyRunners, type BatchEnv } from './execute-batch.js';
import { planBatch } from './plan-batch.js';

/** How long an unconfirmed batch is kept, in milliseconds (a week, as Meraki's). */
export const UNCONFIRMED_TTL_MS = 7 * 24 * 3600 * 1000;

/** The spec contract every action batch callback payload must meet. */
export const ACTION_BATCH_CONTRACT = 'createOrganizationActionBatch.actionBatch';

/** Who creates the batch, and where. */
export interface BatchOwner {
  organizationId: string;
  adminId: string;
}

/**
 * Validates and stores a batch; a confirmed one is admitted against the per-organization limit and handed to runners
 * (a synchronous one is then run by the caller). Throws InputError (400) for any bad action, size or callback.
 */
export async function createActionBatch(
  db: Kysely<Database>,
  env: BatchEnv & { limits: BatchLimits },
  owner: BatchOwner,
  request: ActionBatchCreate,
): Promise<ActionBatchRow> {
  const confirmed = request.confirmed ?? false;
  const synchronous = request.synchronous ?? false;
  checkBatchSize(env.limits, synchronous, request.actions.length);
  const actions: StoredAction[] = request.actions.map(({ resource, operation, body }) => ({ resource, operation, ...(body !== undefined ? { body } : {}) }));
  const plan = await planBatch(db, env.operations, owner.organizationId, actions);
  let target: CallbackTarget | undefined;
  if (request.callback) target = await resolveCallbackTarget(db, env.callbacks, request.callback, plan.networkId);
  const now = env.callbacks.now();
  const expiresAt = confirmed ? null : new Date(now.getTime() + UNCONFIRMED_TTL_MS);
  return db.transaction().execute(async (trx) => {
    if (confirmed) await admitBatch(trx, env.limits, owner.organizationId);
    let callbackId: string | null = null;
    if (target) {
      callbackId = await insertCallback(trx, env.callbacks, {
        organizationId: owner.organizationId,
        networkId: plan.networkId,
        contract: ACTION_BATCH_CONTRACT,
        target,
        signing: 'standard-webhooks',
        secret: target.sharedSecret,
        createdBy: owner.adminId,
      });
      // An unconfirmed batch may wait a week for its confirmation: its callback must outlive that wait.
      if (expiresAt) {
        await trx
          .updateTable('callbacks')
          .set({ expires_at: new Date(expiresAt.getTime() + env.callbacks.retentionMs) })
          .where('id', '=', callbackId)
          .execute();
      }
    }
    const row = await trx
      .insertInto('action_batches')
      .values({
        organization_id: owner.organizationId,
        confirmed,
        synchronous,
        actions: JSON.stringify(actions),
        action_network_ids: JSON.stringify(plan.networkIds),
        network_id: plan.networkId,
        callback_id: callbackId,
        created_by: owner.adminId,
        confirmed_at: confirmed ? now : null,
        expires_at: expiresAt,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    if (confirmed && !synchronous) await notifyRunners(trx);
    return row;
  });
}
