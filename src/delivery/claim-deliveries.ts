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

/** A pending delivery `d` that can be sent now: due, not leased, and no older payload of its callback still pending. */
const claimable = sql`
  d.status = 'pending'
  and d.next_attempt_at <= now()
  and (d.leased_until is null or d.leased_until < now())
  and not exists (
    select 1 from deliveries older
    where older.callback_id = d.callback_id and older.status = 'pending' and older.id < d.id
  )`;

/**
 * The organizations with pending deliveries, but those in `skip`: a loose scan of `deliveries_organization_due`, one
 * index probe per organization, so a skipped organization's backlog is never read, however large.
 */
function organizationsBut(skip: readonly string[]) {
  return sql`
    with recursive organizations(id) as (
      (select organization_id from deliveries where status = 'pending' order by organization_id limit 1)
      union all
      select (
        select d.organization_id from deliveries d
        where d.status = 'pending' and d.organization_id > organizations.id
        order by d.organization_id limit 1
      )
      from organizations where organizations.id is not null
    )
    select id from organizations where id is not null and id <> all(${skip}::bigint[])`;
}

/**
 * Leases up to `limit` due deliveries for `leaseMs` milliseconds, oldest first, skipping those of the organizations in
 * `skip` (the ones whose share of the worker is taken). A delivery waits while an older one of the same callback is
 * pending, so a callback's payloads arrive in order (AutoPi's TIMEOUT before a late COMMAND_EXECUTED). A lease that
 * runs out (its worker crashed) makes the row claimable again.
 */
export async function claimDeliveries(db: Kysely<Database>, limit: number, leaseMs: number, skip: readonly string[] = []): Promise<ClaimedDelivery[]> {
  // With nobody skipped, the oldest rows of the whole outbox; otherwise the oldest of each other organization, each
  // through its own index range, and the oldest of those.
  const picked =
    skip.length === 0
      ? sql`select d.id from deliveries d where ${claimable} order by d.next_attempt_at, d.id limit ${limit} for update skip locked`
      : sql`
        select c.id from (${organizationsBut(skip)}) o
        cross join lateral (
          select d.id, d.next_attempt_at from deliveries d
          where d.organization_id = o.id and ${claimable}
          order by d.next_attempt_at, d.id limit ${limit}
          for update skip locked
        ) c
        order by c.next_attempt_at, c.id limit ${limit}`;
  const { rows } = await sql<ClaimedDelivery>`
    with picked as (${picked})
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
  const due = sql`min(greatest(d.next_attempt_at, coalesce(d.leased_until, d.next_attempt_at)))`;
  const { rows } = await sql<{ due: Date | null }>`${
    skip.length === 0
      ? sql`select ${due} as due from deliveries d where d.status = 'pending'`
      : // Each organization's first rows by `next_attempt_at`, through its index range: exact unless all of them are
        // leased past a later row's time, and then a recorded outcome or the idle recheck looks again.
        sql`
        select min(x.due) as due from (${organizationsBut(skip)}) o
        cross join lateral (
          select ${due} as due from (
            select d.next_attempt_at, d.leased_until from deliveries d
            where d.organization_id = o.id and d.status = 'pending'
            order by d.organization_id, d.next_attempt_at limit 1000
          ) d
        ) x`
  }`.execute(db);
  const found = rows[0]?.due;
  return found ? new Date(found) : null;
}

/**
 * Gives leased deliveries back unsent (no attempt counted), so any worker can claim them again at once: those whose
 * lease would run out before they could be sent and answered.
 */
export async function releaseDeliveries(db: Kysely<Database>, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await sql`update deliveries set leased_until = null where id = any(${ids}::bigint[]) and status = 'pending'`.execute(db);
}
