/**
 * Every statement on the live tool jobs table but their creation: a runner's claims under a lease (its own new jobs by
 * id, and any job no live runner holds), keeping the leases, moving a held job on, and finishing it; and finding a job.
 */
import { sql, type Kysely } from 'kysely';
import { LIVE_TOOLS_CHANNEL } from '../db/channels.js';
import type { Database, LiveToolJobRow, LiveToolJobStatus } from '../db/database.js';
import { MAX_WORK_FAILURES, nextTryAfterFailure } from '../db/work-failures.js';

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

/** The job `id` of tool `kind` on device `serial`, or undefined. */
export async function findLiveToolJob(db: Kysely<Database>, serial: string, kind: string, id: string): Promise<LiveToolJobRow | undefined> {
  return db.selectFrom('live_tool_jobs').selectAll().where('id', '=', id).where('serial', '=', serial).where('kind', '=', kind).executeTakeFirst();
}

/** Moves a job `owner` holds from status `from` to `to`; false when the job is no longer held so (its lease was lost). */
export async function moveHeldJob(db: Kysely<Database>, owner: string, id: string, from: LiveToolJobStatus, to: LiveToolJobStatus): Promise<boolean> {
  const row = await db
    .updateTable('live_tool_jobs')
    .set({ status: to })
    .where('id', '=', id)
    .where('lease_owner', '=', owner)
    .where('status', '=', from)
    .returning('id')
    .executeTakeFirst();
  return row !== undefined;
}

/** What finishing a job stored: the job, and the names its callback envelope carries. */
export type FinishedJob = LiveToolJobRow & { network_name: string | null; organization_name: string | null };

/**
 * Stores a held job's outcome at `finishedAt`, and reads the names its callback envelope carries, in one statement;
 * undefined when `owner` no longer holds the job (another runner took it over, and its result is the one kept).
 */
export async function storeJobOutcome(
  db: Kysely<Database>,
  owner: string,
  id: string,
  outcome: { status: 'complete'; result: unknown } | { status: 'failed'; error: string },
  finishedAt: Date,
): Promise<FinishedJob | undefined> {
  const { rows } = await sql<FinishedJob>`
    with done as (
      update live_tool_jobs set status = ${outcome.status},
        result = ${outcome.status === 'complete' ? JSON.stringify(outcome.result) : null}::json,
        error = ${outcome.status === 'failed' ? outcome.error : null}, finished_at = ${finishedAt}, leased_until = null
      where id = ${id} and lease_owner = ${owner} and status not in ('complete', 'failed')
      returning *)
    select done.*, n.name as network_name, o.name as organization_name
    from done left join networks n on n.id = done.network_id left join organizations o on o.id = done.organization_id`.execute(db);
  return rows[0];
}

/**
 * Counts a failure to finish a job `owner` holds (the error `reason`) and hands the job back with a back-off in
 * `leased_until`; at the MAX_WORK_FAILURES-th failure settles it `failed` with `error` instead. Plain updates, which
 * cannot fail the way finishing did. Undefined when the job is no longer held.
 */
export async function recordJobFailure(
  db: Kysely<Database>,
  owner: string,
  id: string,
  reason: string,
  error: string,
  now: Date,
): Promise<{ status: LiveToolJobStatus; callback_id: string | null; failures: number } | undefined> {
  const { rows } = await sql<{ status: LiveToolJobStatus; callback_id: string | null; failures: number }>`
    update live_tool_jobs set
      failures = failures + 1, last_error = ${reason},
      status = case when failures + 1 >= ${MAX_WORK_FAILURES} then 'failed' else status end,
      error = case when failures + 1 >= ${MAX_WORK_FAILURES} then ${error} else error end,
      finished_at = case when failures + 1 >= ${MAX_WORK_FAILURES} then ${now}::timestamptz else finished_at end,
      lease_owner = null,
      leased_until = case when failures + 1 < ${MAX_WORK_FAILURES} then ${nextTryAfterFailure(now, sql.ref('failures'))} end
    where id = ${id} and lease_owner = ${owner} and status not in ('complete', 'failed')
    returning status, callback_id, failures`.execute(db);
  return rows[0];
}
