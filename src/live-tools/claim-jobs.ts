/** Claims live tool jobs for one runner under a lease (its own new jobs by id, and any job no live runner holds), and keeps the leases. */
import { sql, type Kysely } from 'kysely';
import { LIVE_TOOLS_CHANNEL } from '../db/channels.js';
import type { Database, LiveToolJobRow } from '../db/database.js';

/**
 * Claims those of the jobs `ids` that no live runner holds, for `owner` (the fast path right after the create
 * transactions commit): they become `scheduled`, leased for `leaseMs` milliseconds. Finished jobs and jobs held elsewhere are left out.
 */
export async function claimJobs(db: Kysely<Database>, owner: string, leaseMs: number, ids: string[]): Promise<LiveToolJobRow[]> {
  // `id = any(array)` probes the primary key; `id in (select …)` over a parameter can make the planner scan the whole table.
  const { rows } = await sql<LiveToolJobRow>`
    update live_tool_jobs set status = 'scheduled', lease_owner = ${owner}, leased_until = now() + ${`${leaseMs} milliseconds`}::interval
    where id = any(${ids}::bigint[])
      and status not in ('complete', 'failed') and (leased_until is null or leased_until < now())
    returning *`.execute(db);
  return rows;
}

/**
 * Claims up to `limit` unfinished jobs that no live runner holds (never claimed, handed back, or whose lease ran out
 * because their server died), most urgent deadline first, skipping rows other runners are claiming at the same moment.
 * A job taken over from a dead runner starts again from `scheduled`.
 */
export async function claimDueJobs(db: Kysely<Database>, owner: string, leaseMs: number, limit: number): Promise<LiveToolJobRow[]> {
  const { rows } = await sql<LiveToolJobRow>`
    with picked as (
      select id from live_tool_jobs
      where status not in ('complete', 'failed') and (leased_until is null or leased_until < now())
      order by deadline, id
      limit ${limit}
      for update skip locked
    )
    update live_tool_jobs j set status = 'scheduled', lease_owner = ${owner}, leased_until = now() + ${`${leaseMs} milliseconds`}::interval
    from picked where j.id = picked.id
    returning j.*`.execute(db);
  return rows.sort((a, b) => a.deadline.getTime() - b.deadline.getTime() || Number(BigInt(a.id) - BigInt(b.id)));
}

/** Marks those of the jobs `ids` that `owner` still holds `running` (started at `now`, one run more); returns their ids. */
export async function markRunning(db: Kysely<Database>, owner: string, ids: string[], now: Date): Promise<Set<string>> {
  const { rows } = await sql<{ id: string }>`
    update live_tool_jobs set status = 'running', started_at = ${now}, runs = runs + 1
    where id = any(${ids}::bigint[])
      and lease_owner = ${owner} and status in ('scheduled', 'ready')
    returning id`.execute(db);
  return new Set(rows.map((r) => r.id));
}

/** When the first lease held by another runner runs out (null when none is held), so an idle runner knows when to look for a take-over. */
export async function nextLeaseExpiry(db: Kysely<Database>, owner: string): Promise<Date | null> {
  const { rows } = await sql<{ until: Date | null }>`
    select min(coalesce(leased_until, now())) as until from live_tool_jobs
    where status not in ('complete', 'failed') and lease_owner is distinct from ${owner}`.execute(db);
  const until = rows[0]?.until;
  return until ? new Date(until) : null;
}

/** Extends every lease `owner` holds by `leaseMs` from now; returns the ids it still holds (a missing one was taken over). */
export async function renewLeases(db: Kysely<Database>, owner: string, leaseMs: number): Promise<Set<string>> {
  const { rows } = await sql<{ id: string }>`
    update live_tool_jobs set leased_until = now() + ${`${leaseMs} milliseconds`}::interval
    where lease_owner = ${owner} and status not in ('complete', 'failed')
    returning id`.execute(db);
  return new Set(rows.map((r) => r.id));
}

/** Hands back every unfinished job `owner` holds (a server stopping) and wakes the other runners to claim them at once. */
export async function releaseLeases(db: Kysely<Database>, owner: string): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const { numUpdatedRows } = await trx
      .updateTable('live_tool_jobs')
      .set({ lease_owner: null, leased_until: null })
      .where('lease_owner', '=', owner)
      .where('status', 'not in', ['complete', 'failed'])
      .executeTakeFirst();
    if (numUpdatedRows > 0n) await sql`select pg_notify(${LIVE_TOOLS_CHANNEL}, ${owner})`.execute(trx);
    return Number(numUpdatedRows);
  });
}
