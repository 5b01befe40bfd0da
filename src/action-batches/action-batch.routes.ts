/** Action batches: create (a synchronous one runs before the answer), list, read, confirm and delete. */
import { Router } from 'express';
import type {
  ActionBatchCreate,
  ActionBatchUpdate,
  CreateOrganizationActionBatchResponse,
  GetOrganizationActionBatchesData,
  GetOrganizationActionBatchesResponse,
} from '../../generated/client/types.gen.js';
import type { ActionBatchRow } from '../db/database.js';
import type { AppContext } from '../http/app-context.js';
import { callerOf, organizationOf } from '../http/request-context.js';
import { createActionBatch } from './create-action-batch.js';
import { deleteActionBatch } from './delete-action-batch.js';
import { executeBatch } from './execute-batch.js';
import { findActionBatch } from './find-action-batch.js';
import { batchCallbackInfo, batchCallbackInfos, toActionBatch } from './to-action-batch.js';
import { updateActionBatch } from './update-action-batch.js';

/** Routes for `/api/v1/organizations/{organizationId}/actionBatches[/{actionBatchId}]`. */
export function actionBatchRoutes({ db, config, callbacks, metrics, actionOperations, actionBatches }: AppContext): Router {
  const router = Router();
  const collection = '/api/v1/organizations/:organizationId/actionBatches';
  const item = `${collection}/:actionBatchId`;
  const env = { operations: actionOperations, callbacks, metrics, limits: config };
  const now = () => env.callbacks.now();

  /** Runs a just-confirmed batch: in this request when synchronous (answering its final state), else by the runners. */
  async function start(row: ActionBatchRow): Promise<ActionBatchRow> {
    if (!row.confirmed || row.status !== 'pending') return row;
    if (!row.synchronous) {
      actionBatches.wake();
      return row;
    }
    // undefined: a runner took it over meanwhile and has finished it (or is finishing it); read what it left.
    return (await executeBatch(db, env, { id: row.id })) ?? (await findActionBatch(db, now(), row.organization_id, row.id));
  }

  router.post(collection, async (req, res) => {
    const owner = { organizationId: organizationOf(req), adminId: callerOf(req).adminId };
    const created = await createActionBatch(db, env, owner, req.body as ActionBatchCreate);
    const row = await start(created);
    const body: CreateOrganizationActionBatchResponse = toActionBatch(row, await batchCallbackInfo(db, row));
    res.status(201).json(body);
  });

  router.get(collection, async (req, res) => {
    const query = req.query as GetOrganizationActionBatchesData['query'] & {};
    let select = db
      .selectFrom('action_batches')
      .selectAll()
      .where('organization_id', '=', organizationOf(req))
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now())]));
    if (query.status) select = select.where('status', '=', query.status);
    const rows = await select.orderBy('id').execute();
    const callbacks = await batchCallbackInfos(db, rows);
    const body: GetOrganizationActionBatchesResponse = rows.map((row) => toActionBatch(row, callbacks.get(row.id)));
    res.json(body);
  });

  router.get(item, async (req, res) => {
    const row = await findActionBatch(db, now(), organizationOf(req), req.params.actionBatchId);
    res.json(toActionBatch(row, await batchCallbackInfo(db, row)));
  });

  router.put(item, async (req, res) => {
    const updated = await updateActionBatch(db, env, organizationOf(req), req.params.actionBatchId, req.body as ActionBatchUpdate);
    const row = await start(updated);
    res.json(toActionBatch(row, await batchCallbackInfo(db, row)));
  });

  router.delete(item, async (req, res) => {
    await deleteActionBatch(db, now(), organizationOf(req), req.params.actionBatchId);
    res.status(204).end();
  });

  return router;
}
