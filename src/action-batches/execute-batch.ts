/**
 * Runs a confirmed batch: every action in order inside one transaction that also holds the batch's row lock (the lock is
 * the claim: a crashed runner's transaction rolls back and frees the batch for another). On success the outcome and its
 * callback commit with the actions; on failure everything rolls back, and a second transaction records the failure.
 */
import { sql, type Kysely } from 'kysely';
import type { CallbackContext } from '../callbacks/callback-context.js';
import { enqueuePayload } from '../callbacks/enqueue-payload.js';
import type { ActionBatchResultsRecord, ActionBatchRow, CreatedResource, Database, StoredAction } from '../db/database.js';
import { HttpError } from '../errors.js';
import { actionHandlers } from './action-handlers.js';
import type { ActionOperations } from './action-operations.js';
import { toCallbackMessage } from './to-action-batch.js';

/** What running batches needs, built once at start. */
export interface BatchEnv {
  operations: ActionOperations;
  callbacks: CallbackContext;
}

/** Which batch to run: a given one (waiting for its lock), or the oldest runnable one nobody holds. */
export type BatchTarget = { id: string } | 'next';

/**
 * How long a confirmed synchronous batch is left to the request running it before a runner takes it over, in
 * milliseconds (the request's process died between confirming and running it).
 */
export const SYNC_TAKEOVER_MS = 60_000;

/** Attempts of a batch whose transaction lost a deadlock (two batches locking the same rows in opposite orders). */
const DEADLOCK_ATTEMPTS = 5;

/** An action that threw, with what to report. */
class ActionFailure extends Error {
  constructor(
    readonly index: number,
    readonly reason: string,
    readonly original: unknown,
  ) {
    super(reason);
  }
}

function reasonOf(err: unknown): string {
  if (err instanceof HttpError) return err.errors.join('; ');
  return err instanceof Error ? err.message : String(err);
}

/** Postgres deadlock_detected: the victim's work is rolled back and can simply run again. */
function isDeadlock(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === '40P01';
}

/** The failure as Meraki words it, naming the action. */
export function executionError(index: number, action: StoredAction, reason: string): string {
  return `Error occurred while executing ${action.operation} ${action.resource} : ${reason} (actions[${index}])`;
}

function summary(row: ActionBatchRow, status: 'success' | 'failed'): ActionBatchResultsRecord {
  const details = row.actions.map((action, i) => {
    const networkId = row.action_network_ids[i];
    return { ...(networkId ? { networkId } : {}), resource: action.resource, operation: action.operation, status };
  });
  // Atomic: a failed batch changed nothing, so no action counts as completed.
  return status === 'success'
    ? { actionsCompleted: details.length, actionsFailed: 0, details }
    : { actionsCompleted: 0, actionsFailed: details.length, details };
}

/** Queues the batch's callback (when it has one) in the transaction that records its outcome. */
async function enqueueOutcome(trx: Kysely<Database>, env: BatchEnv, row: ActionBatchRow): Promise<void> {
  if (!row.callback_id) return;
  const organization = await trx.selectFrom('organizations').select(['id', 'name']).where('id', '=', row.organization_id).executeTakeFirstOrThrow();
  // The batch may have deleted its own network: then the envelope has none.
  const network = row.network_id
    ? await trx.selectFrom('networks').select(['id', 'name']).where('id', '=', row.network_id).executeTakeFirst()
    : undefined;
  const envelope = {
    callbackId: row.callback_id,
    organization: { id: organization.id, name: organization.name },
    ...(network ? { network: { id: network.id, name: network.name } } : {}),
    actionBatchId: row.id,
    sentAt: env.callbacks.now().toISOString(),
    message: toCallbackMessage(row),
  };
  await enqueuePayload(trx, env.callbacks, row.callback_id, envelope, `action batch ${row.status}`);
}

/** Records a failed run in its own transaction (the actions' one rolled back) and queues the callback; once only. */
async function failBatch(db: Kysely<Database>, env: BatchEnv, id: string, error: string): Promise<ActionBatchRow | undefined> {
  return db.transaction().execute(async (trx) => {
    const batch = await trx.selectFrom('action_batches').selectAll().where('id', '=', id).where('status', '=', 'pending').forUpdate().executeTakeFirst();
    if (!batch) return undefined;
    const row = await trx
      .updateTable('action_batches')
      .set({ status: 'failed', errors: JSON.stringify([error]), results: JSON.stringify(summary(batch, 'failed')), finished_at: env.callbacks.now() })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await enqueueOutcome(trx, env, row);
    return row;
  });
}

/** One attempt: claim, run every action, record success; an action that throws becomes an ActionFailure. */
async function attempt(db: Kysely<Database>, env: BatchEnv, target: BatchTarget, claimed: (id: string) => void): Promise<ActionBatchRow | undefined> {
  return db.transaction().execute(async (trx) => {
    let query = trx.selectFrom('action_batches').selectAll().where('confirmed', '=', true).where('status', '=', 'pending');
    if (target === 'next') {
      const takeover = new Date(env.callbacks.now().getTime() - SYNC_TAKEOVER_MS);
      query = query
        .where((eb) => eb.or([eb('synchronous', '=', false), eb('confirmed_at', '<', takeover)]))
        .orderBy('confirmed_at')
        .orderBy('id')
        .limit(1)
        .forUpdate()
        .skipLocked();
    } else {
      query = query.where('id', '=', target.id).forUpdate();
    }
    const batch = await query.executeTakeFirst();
    if (!batch) return undefined;
    claimed(batch.id);
    const created: CreatedResource[] = [];
    for (const [index, action] of batch.actions.entries()) {
      try {
        // Validated when the batch was created; resolving again yields the coerced parameters and the operation.
        const resolution = env.operations.resolve(action);
        if (!resolution.ok) throw new Error(resolution.error);
        const { operationId, params, body } = resolution.action;
        const resource = await actionHandlers[operationId]!(trx, { templates: env.callbacks.templates }, params, body);
        if (resource) created.push(resource);
      } catch (err) {
        throw new ActionFailure(index, executionError(index, action, reasonOf(err)), err);
      }
    }
    const row = await trx
      .updateTable('action_batches')
      .set({
        status: 'completed',
        created_resources: JSON.stringify(created),
        results: JSON.stringify(summary(batch, 'success')),
        finished_at: env.callbacks.now(),
      })
      .where('id', '=', batch.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await enqueueOutcome(trx, env, row);
    return row;
  });
}

/**
 * Runs the target batch if it is confirmed and still pending; returns its finished row, or undefined when there was
 * nothing to run (already finished, not confirmed, or every runnable batch is held by another runner).
 */
export async function executeBatch(db: Kysely<Database>, env: BatchEnv, target: BatchTarget): Promise<ActionBatchRow | undefined> {
  for (let n = 1; ; n += 1) {
    let batchId: string | undefined;
    try {
      return await attempt(db, env, target, (id) => {
        batchId = id;
      });
    } catch (err) {
      if (!(err instanceof ActionFailure) || batchId === undefined) throw err;
      // A deadlock is no fault of the batch: run it again from the start (the other batch has gone ahead).
      if (isDeadlock(err.original) && n < DEADLOCK_ATTEMPTS) {
        target = { id: batchId };
        continue;
      }
      if (!(err.original instanceof HttpError)) {
        env.callbacks.logger.warn({ err: err.original, actionBatchId: batchId, index: err.index }, 'action batch action failed unexpectedly');
      }
      return failBatch(db, env, batchId, err.reason);
    }
  }
}

/** Wakes runners (in every process sharing the database) when a batch is confirmed; call inside the confirming transaction. */
export async function notifyRunners(trx: Kysely<Database>): Promise<void> {
  await sql`select pg_notify(${ACTION_BATCH_CHANNEL}, '')`.execute(trx);
}

/** The NOTIFY channel that wakes action batch runners. */
export const ACTION_BATCH_CHANNEL = 'boomerang_action_batches';
