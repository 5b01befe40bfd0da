/** The API resource of an action batch: what the endpoints answer and, with `results`, what its callback carries as `message`. */
import type { Kysely } from 'kysely';
import type { ActionBatch, ActionBatchCallbackMessage, CallbackInfo } from '../../generated/client/types.gen.js';
import type { ActionBatchRow, Database } from '../db/database.js';

/** The batch resource for a row; `callback` is added by the endpoints, never in a callback's `message`. */
export function toActionBatch(row: ActionBatchRow, callback?: CallbackInfo): ActionBatch {
  const batch: ActionBatch = {
    id: row.id,
    organizationId: row.organization_id,
    confirmed: row.confirmed,
    synchronous: row.synchronous,
    status: {
      completed: row.status === 'completed',
      failed: row.status === 'failed',
      errors: row.errors,
      createdResources: row.created_resources,
    },
    actions: row.actions,
  };
  if (callback) batch.callback = callback;
  return batch;
}

/** The callback's `message`: the batch with its outcome summary (only for finished batches). */
export function toCallbackMessage(row: ActionBatchRow): ActionBatchCallbackMessage {
  return { ...toActionBatch(row), results: row.results ?? { actionsCompleted: 0, actionsFailed: 0, details: [] } };
}

/** The callback as a batch shows it; nothing is queued before the batch finishes, so until then it is `new`. */
export async function batchCallbackInfo(db: Kysely<Database>, row: ActionBatchRow): Promise<CallbackInfo | undefined> {
  if (!row.callback_id) return undefined;
  const callback = await db.selectFrom('callbacks').select(['id', 'url', 'status']).where('id', '=', row.callback_id).executeTakeFirst();
  if (!callback) return undefined;
  const finished = row.status !== 'pending';
  return { id: callback.id, url: callback.url, status: !finished && callback.status === 'running' ? 'new' : callback.status };
}
