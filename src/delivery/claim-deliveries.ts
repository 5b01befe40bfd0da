/** Claims due deliveries for one worker: oldest first, skipping rows other workers hold, under a lease; and gives back what it could not send. */
import { sql, type Kysely } from 'kysely';
import type { Database, Signing } from '../db/database.js';

/** A claimed delivery with what sending and logging it needs from its callback. */
export interface ClaimedDelivery {
  id: string;
  callback_id: string;
  webhook_id: string;
  label: string | null;
  url: string;
  body: string;
  headers: Record<string, string>;
  attempts: number;
  signing: Signing;
  secret_ciphertext: string | null;
  organization_id: string;
  network_id: string | null;
}

/**
 * Leases up to `limit` due deliveries for `leaseMs` milliseconds, skipping those of the organizations in `skip` (the
 * ones whose share of the worker is taken). A delivery waits while an older one of the same callback is pending, so a
 * callback's payloads arrive in order (AutoPi's TIMEOUT before a late COMMAND_EXECUTED). A lease that runs out (its
 * worker crashed) makes the row claimable again.
 */
export async function claimDeliveries(db: Kysely<Database>, limit: number, leaseMs: number, skip: readonly string[] = []): Promise<ClaimedDelivery[]> {
  const { rows } = await sql<ClaimedDelivery>`
    with picked as (
      select d.id from deliveries d
      where d.status = 'pending'
        and d.next_attempt_at <= now()
        and (d.leased_until is null or d.leased_until < now())
        and d.organization_id <> all(${skip}::bigint[])
        and not exists (
          select 1 from deliveries older
          where older.callback_id = d.callback_id and older.status = 'pending' and older.id < d.id
        )
      order by d.next_attempt_at, d.id
      limit ${limit}
      for update skip locked
    )
    -- The callback is joined inside the update (one primary-key probe per row): joining the update's output instead
    -- leaves the planner no estimate, and it hashes the whole callbacks table on every claim.
    update deliveries set leased_until = now() + ${`${leaseMs} milliseconds`}::interval
    from picked, callbacks c
    where deliveries.id = picked.id and c.id = deliveries.callback_id
    returning deliveries.id, deliveries.callback_id, deliveries.webhook_id, deliveries.label, deliveries.url,
      deliveries.body, deliveries.headers, deliveries.attempts, c.signing, c.secret_ciphertext, deliveries.organization_id, c.network_id`.execute(db);
  // Oldest first, as picked (UPDATE … RETURNING has no order of its own).
  return rows.sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
}

/**
 * When the next pending delivery of an organization not in `skip` becomes due (null when none is pending), so an idle
 * worker knows when to look again. A row leased by another loop counts from its lease's end, so an idle loop does not
 * spin on work being sent elsewhere.
 */
export async function nextDueAt(db: Kysely<Database>, skip: readonly string[] = []): Promise<Date | null> {
  const { rows } = await sql<{ due: Date | null }>`
    select min(greatest(next_attempt_at, coalesce(leased_until, next_attempt_at))) as due
    from deliveries where status = 'pending' and organization_id <> all(${skip}::bigint[])`.execute(db);
  const due = rows[0]?.due;
  return due ? new Date(due) : null;
}

/**
 * Gives leased deliveries back unsent (no attempt counted), so any worker can claim them again at once: those whose
 * lease would run out before they could be sent and answered.
 */
export async function releaseDeliveries(db: Kysely<Database>, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await sql`update deliveries set leased_until = null where id = any(${ids}::bigint[]) and status = 'pending'`.execute(db);
}
