/**
 * Runs a confirmed batch: every action in order inside one transaction that also holds the batch's row lock (the lock is
 * the claim: a crashed runner's transaction rolls back and frees the batch for another). On success the outcome and its
 * callback commit with the actions; on failure everything rolls back, and a second transaction records the failure.
 */
import { sql, type Kysely } from 'kysely';
import type { CallbackContext } from '../callbacks/callback-context.js';
import { enqueuePayload } from '../callbacks/enqueue-payload.js';
import { ACTION_BATCH_CHANNEL } from '../db/channels.js';
import type { ActionBatchResultsRecord, ActionBatchRow, CreatedResource, Database, StoredAction } from '../db/database.js';
import { isDatabaseUnreachable } from '../db/database-unreachable.js';
import { failCallbackUnsent, MAX_WORK_FAILURES, nextTryAfterFailure, workFailureReason } from '../db/work-failures.js';
import { HttpError } from '../errors.js';
import type { Metrics } from '../metrics.js';
import { actionHandlers } from './action-handlers.js';
import type { ActionOperations } from './action-operations.js';
import { toCallbackMessage } from './to-action-batch.js';

/** What running batches needs, built once at start. */
export interface BatchEnv {
  operations: ActionOperations;
  callbacks: CallbackContext;
  /** Counts finished batches (`boomerang_action_batches_total`); tests may leave it out. */
  metrics?: Metrics;
}

/**
 * Which batch to run: a given one (waiting for its lock), or the next runnable one nobody holds. `next` takes the
 * oldest runnable batch of the organization served least recently: organizations in `servedLast` (least recent
 * first) come after every other, so one organization's backlog or retries wait their turn behind another's batch.
 */
export type BatchTarget = { id: string } | { next: true; servedLast?: readonly string[] };

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
async function attempt(db: Kysely<Database>, env: BatchEnv, target: BatchTarget, claimed: (batch: ActionBatchRow) => void): Promise<ActionBatchRow | undefined> {
  return db.transaction().execute(async (trx) => {
    let query = trx.selectFrom('action_batches').selectAll().where('confirmed', '=', true).where('status', '=', 'pending');
    if ('next' in target) {
      const now = env.callbacks.now();
      const takeover = new Date(now.getTime() - SYNC_TAKEOVER_MS);
      const servedLast = [...(target.servedLast ?? [])];
      // The candidates come from the partial index on confirmed, pending batches: at most ACTION_BATCH_MAX_RUNNING per
      // organization, so sorting them by organization turn costs little. A failed batch counts from its next try, so it
      // does not stay the oldest.
      query = query
        .where((eb) => eb.or([eb('synchronous', '=', false), eb('confirmed_at', '<', takeover)]))
        .where((eb) => eb.or([eb('next_attempt_at', 'is', null), eb('next_attempt_at', '<=', now)]))
        .orderBy(sql`coalesce(array_position(${servedLast}::bigint[], organization_id), 0)`)
        .orderBy(sql`coalesce(next_attempt_at, confirmed_at)`)
        .orderBy('id')
        .limit(1)
        .forUpdate()
        .skipLocked();
    } else {
      query = query.where('id', '=', target.id).forUpdate();
    }
    const batch = await query.executeTakeFirst();
    if (!batch) return undefined;
    claimed(batch);
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
 * Records that running batch `id` threw for no action's reason (the actions' transaction rolled back): one plain
 * statement, which pushes its next try back (`workFailureBackoffMs`), or, at the MAX_WORK_FAILURES-th failure, settles
 * it `failed` with the error; its callback then fails unsent with the reason. Returns the row, or undefined when the
 * batch had already finished.
 */
async function recordFailure(db: Kysely<Database>, env: BatchEnv, id: string, err: unknown): Promise<ActionBatchRow | undefined> {
  const reason = workFailureReason(err);
  const now = env.callbacks.now();
  const error = `The batch could not be run (${MAX_WORK_FAILURES} attempts): ${reason}`;
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .updateTable('action_batches')
      .set({
        failures: sql`failures + 1`,
        last_error: reason,
        status: sql`case when failures + 1 >= ${MAX_WORK_FAILURES} then 'failed' else status end`,
        errors: sql`case when failures + 1 >= ${MAX_WORK_FAILURES} then ${JSON.stringify([error])}::jsonb else errors end`,
        finished_at: sql`case when failures + 1 >= ${MAX_WORK_FAILURES} then ${now}::timestamptz end`,
        next_attempt_at: sql`case when failures + 1 < ${MAX_WORK_FAILURES} then ${nextTryAfterFailure(now, sql.ref('failures'))} end`,
      } as never)
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .returningAll()
      .executeTakeFirst();
    if (!row) return undefined;
    if (row.status === 'failed') {
      env.callbacks.logger.error({ err, actionBatchId: id, failures: row.failures }, 'action batch kept failing; settled as failed');
      if (row.callback_id) await failCallbackUnsent(trx, row.callback_id, `not sent: ${error}`);
    } else {
      env.callbacks.logger.warn({ err, actionBatchId: id, failures: row.failures, nextAttemptAt: row.next_attempt_at }, 'running an action batch failed; it will be tried again');
    }
    return row;
  });
}

/**
 * Runs the target batch if it is confirmed and still pending; returns its finished row, or undefined when there was
 * nothing to run (already finished, not confirmed, or every runnable batch is held by another runner). A claimed batch
 * whose run throws for no action's reason comes back still pending with its failure counted (or, the last time,
 * failed); `onClaim` hears of each batch claimed, before it runs.
 */
export async function executeBatch(
  db: Kysely<Database>,
  env: BatchEnv,
  target: BatchTarget,
  onClaim?: (batch: ActionBatchRow) => void,
): Promise<ActionBatchRow | undefined> {
  const row = await runBatch(db, env, target, onClaim);
  // Every way a run ends passes here, committed: the synchronous request's, the runners', a failure settled.
  if (row && row.status !== 'pending') env.metrics?.actionBatches.inc({ outcome: row.status });
  return row;
}

/** `executeBatch` before counting: claims, runs, and records how the run ended. */
async function runBatch(
  db: Kysely<Database>,
  env: BatchEnv,
  target: BatchTarget,
  onClaim?: (batch: ActionBatchRow) => void,
): Promise<ActionBatchRow | undefined> {
  for (let n = 1; ; n += 1) {
    let batchId: string | undefined;
    try {
      return await attempt(db, env, target, (batch) => {
        batchId = batch.id;
        onClaim?.(batch);
      });
    } catch (err) {
      // Nothing claimed (the database is unreachable, say): nothing to count against.
      if (batchId === undefined) throw err;
      let failure = err;
      if (err instanceof ActionFailure) {
        // A deadlock is no fault of the batch: run it again from the start (the other batch has gone ahead).
        if (isDeadlock(err.original) && n < DEADLOCK_ATTEMPTS) {
          target = { id: batchId };
          continue;
        }
        if (!(err.original instanceof HttpError)) {
          env.callbacks.logger.warn({ err: err.original, actionBatchId: batchId, index: err.index }, 'action batch action failed unexpectedly');
        }
        try {
          return await failBatch(db, env, batchId, err.reason);
        } catch (recordErr) {
          failure = recordErr;
        }
      }
      // Not the batch's fault either: it stays pending, and the runner backs off.
      if (isDatabaseUnreachable(failure)) throw failure;
      return recordFailure(db, env, batchId, failure);
    }
  }
}

/** Wakes runners (in every process sharing the database) when a batch is confirmed; call inside the confirming transaction. */
export async function notifyRunners(trx: Kysely<Database>): Promise<void> {
  await sql`select pg_notify(${ACTION_BATCH_CHANNEL}, '')`.execute(trx);
}
