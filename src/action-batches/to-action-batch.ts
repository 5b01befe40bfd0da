/** The API resource of an action batch: what the endpoints answer and, with `results`, what its callback carries as `message`. */
import type { Kysely } from 'kysely';
import type { ActionBatch, ActionBatchCallbackMessage, CallbackInfo } from '../../generated/client/types.gen.js';
import { shownCallback } from '../callbacks/shown-callback.js';
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

/**
 * The callbacks as the batches `rows` show them (see shownCallback), by batch id, in one query (a list of batches must
 * not cost a query per batch).
 */
export async function batchCallbackInfos(db: Kysely<Database>, rows: ActionBatchRow[]): Promise<Map<string, CallbackInfo>> {
  const ids = rows.flatMap((row) => (row.callback_id ? [row.callback_id] : []));
  const infos = new Map<string, CallbackInfo>();
  if (ids.length === 0) return infos;
  const callbacks = new Map(
    (await db.selectFrom('callbacks').select(['id', 'url', 'status']).where('id', 'in', ids).execute()).map((c) => [c.id, c]),
  );
  for (const row of rows) {
    const callback = row.callback_id ? callbacks.get(row.callback_id) : undefined;
    if (!callback) continue;
    infos.set(row.id, shownCallback(callback, row.status !== 'pending'));
  }
  return infos;
}

/** The callback as one batch shows it (see `batchCallbackInfos`). */
export async function batchCallbackInfo(db: Kysely<Database>, row: ActionBatchRow): Promise<CallbackInfo | undefined> {
  return (await batchCallbackInfos(db, [row])).get(row.id);
}
