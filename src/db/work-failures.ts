/**
 * How every background runner bounds an item whose processing keeps throwing for a reason that is not the item's own
 * outcome (an action or a device failing is an outcome; a finishing write that raises is not): the failure is counted
 * on the item's row, the item waits before its next try, and after MAX_WORK_FAILURES it is settled with the error.
 */
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from './database.js';

/** Failures of one item after which its runner settles it as failed with the last error (default 3). */
export const MAX_WORK_FAILURES = 3;

/** Pause before the first retry of a failed item, in milliseconds, doubled after each further failure (default 1,000). */
export const WORK_FAILURE_BACKOFF_MS = 1_000;

/** Longest pause before retrying a failed item, in milliseconds (default 60,000). */
const MAX_BACKOFF_MS = 60_000;

/** Longest error text kept on a row: a stack overflow's message is short, but a driver's error may not be. */
const MAX_REASON_CHARS = 500;

/**
 * When an item whose stored failure count is `failures` (before this failure is counted) is next tried, as SQL: `now`
 * plus WORK_FAILURE_BACKOFF_MS doubled per earlier failure (1 s, 2 s, 4 s, …), at most 60 s. Computed from the stored
 * count in the statement that counts the failure, so servers sharing the database agree.
 */
export function nextTryAfterFailure(now: Date, failures: RawBuilder<unknown>): RawBuilder<Date> {
  return sql<Date>`${now}::timestamptz + least(${MAX_BACKOFF_MS}, ${WORK_FAILURE_BACKOFF_MS} * power(2, ${failures})) * interval '1 millisecond'`;
}

/** The error as one bounded line for `last_error`, status errors and callback errors. */
export function workFailureReason(err: unknown): string {
  const text = err instanceof Error ? `${err.name === 'Error' ? '' : `${err.name}: `}${err.message}` : String(err);
  return text.length > MAX_REASON_CHARS ? `${text.slice(0, MAX_REASON_CHARS)}…` : text;
}

/**
 * Marks a callback failed with `reason` without sending anything: a plain UPDATE, so that settling a poisoned item
 * cannot fail the way rendering or queueing its payload did.
 */
export async function failCallbackUnsent(db: Kysely<Database>, callbackId: string, reason: string): Promise<void> {
  await db
    .updateTable('callbacks')
    .set({ status: 'failed', errors: sql`errors || ${JSON.stringify([reason])}::jsonb` as never })
    .where('id', '=', callbackId)
    .execute();
}
