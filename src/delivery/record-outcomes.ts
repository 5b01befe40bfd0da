/** Writes what a batch of attempts came to: delivery state, one webhook-log row per attempt, and callback status. */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/database.js';
import type { ClaimedDelivery } from './claim-deliveries.js';
import type { SendResult } from './http-sender.js';
import { describeOutcome, type NextStep } from './retry-policy.js';

/** One finished attempt and the retry policy's verdict on it. */
export interface AttemptRecord {
  delivery: ClaimedDelivery;
  sent: SendResult;
  step: NextStep;
  sentAt: Date;
  now: Date;
}

/** Records a batch in one transaction (a handful of set-based statements, whatever the batch size). */
export async function recordOutcomes(db: Kysely<Database>, records: AttemptRecord[]): Promise<void> {
  if (records.length === 0) return;
  const ids = records.map((r) => r.delivery.id);
  const statuses = records.map((r) => (r.step.action === 'done' ? 'delivered' : r.step.action === 'retry' ? 'pending' : 'failed'));
  const nextAt = records.map((r) => (r.step.action === 'retry' ? new Date(r.now.getTime() + r.step.delayMs).toISOString() : null));
  const errors = records.map((r) => (r.step.action === 'done' ? null : r.step.reason));
  await db.transaction().execute(async (trx) => {
    await sql`
      update deliveries d set
        status = u.status,
        attempts = d.attempts + 1,
        next_attempt_at = coalesce(u.next_at, d.next_attempt_at),
        last_error = coalesce(u.error, d.last_error),
        leased_until = null,
        finished_at = case when u.status = 'pending' then null else now() end
      from unnest(${ids}::bigint[], ${statuses}::text[], ${nextAt}::timestamptz[], ${errors}::text[]) as u(id, status, next_at, error)
      where d.id = u.id`.execute(trx);
    await sql`
      insert into delivery_attempts (delivery_id, organization_id, network_id, alert_type, url, sent_at, response_code, response_duration, error)
      select * from unnest(
        ${ids}::bigint[], ${records.map((r) => r.delivery.organization_id)}::bigint[], ${records.map((r) => r.delivery.network_id)}::bigint[],
        ${records.map((r) => r.delivery.label)}::text[], ${records.map((r) => r.delivery.url)}::text[],
        ${records.map((r) => r.sentAt.toISOString())}::timestamptz[], ${records.map((r) => r.sent.responseCode)}::int[],
        ${records.map((r) => r.sent.durationMs)}::int[],
        ${records.map((r) => (r.sent.outcome.kind === 'response' && r.step.action === 'done' ? null : describeOutcome(r.sent.outcome)))}::text[])`.execute(trx);
    // Every failed attempt's reason is kept on its callback, numbered, so the status endpoint tells the whole story.
    const failed = records.filter((r) => r.step.action !== 'done');
    if (failed.length > 0) {
      await sql`
        update callbacks c set errors = c.errors || e.list
        from (
          select callback_id, jsonb_agg(error order by ord) as list
          from unnest(${failed.map((r) => r.delivery.callback_id)}::bigint[], ${failed.map(
            (r) => `attempt ${r.delivery.attempts + 1} to ${r.delivery.url}${r.delivery.label ? ` (${r.delivery.label})` : ''}: ${r.step.action === 'done' ? '' : r.step.reason}`,
          )}::text[]) with ordinality as x(callback_id, error, ord)
          group by callback_id
        ) e
        where c.id = e.callback_id and c.id = any(${failed.map((r) => r.delivery.callback_id)}::bigint[])`.execute(trx);
    }
    const abandoned = records.filter((r) => r.step.action === 'give-up').map((r) => r.delivery.callback_id);
    if (abandoned.length > 0) {
      await trx.updateTable('callbacks').set({ status: 'failed' }).where('id', 'in', abandoned).execute();
    }
    // `= any(array)` (not `in (select unnest(…))`) so the planner probes the primary key instead of scanning every callback.
    const delivered = records.filter((r) => r.step.action === 'done').map((r) => r.delivery.callback_id);
    if (delivered.length > 0) {
      await sql`
        update callbacks c set
          sent_at = coalesce(c.sent_at, now()),
          status = case
            when c.status = 'failed' then 'failed'
            when exists (select 1 from deliveries d where d.callback_id = c.id and d.status = 'pending') then 'running'
            else 'completed' end
        where c.id = any(${delivered}::bigint[])`.execute(trx);
    }
  });
}

/** A delivery to give up on without an attempt to record, and why. */
export interface Abandoned {
  id: string;
  callbackId: string;
  reason: string;
}

/**
 * Gives up on deliveries whose outcome could not be recorded: plain updates of the delivery and its callback (no
 * attempt row, no status recomputed from other rows), so they do not fail the way recording did.
 */
export async function abandonDeliveries(db: Kysely<Database>, abandoned: Abandoned[]): Promise<void> {
  if (abandoned.length === 0) return;
  await db.transaction().execute(async (trx) => {
    await sql`
      update deliveries d set status = 'failed', last_error = u.reason, leased_until = null, finished_at = now()
      from unnest(${abandoned.map((a) => a.id)}::bigint[], ${abandoned.map((a) => a.reason)}::text[]) as u(id, reason)
      where d.id = u.id and d.status = 'pending'`.execute(trx);
    await sql`
      update callbacks c set status = 'failed', errors = c.errors || jsonb_build_array(u.reason)
      from unnest(${abandoned.map((a) => a.callbackId)}::bigint[], ${abandoned.map((a) => `abandoned: ${a.reason}`)}::text[]) as u(id, reason)
      where c.id = u.id`.execute(trx);
  });
}
