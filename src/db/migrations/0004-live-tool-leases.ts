/** Leases on live tool jobs, so that several servers sharing one database run each job once. */
import { sql, type Kysely } from 'kysely';

/** Adds `lease_owner`, `leased_until` and `runs` to `live_tool_jobs`. */
export async function up(db: Kysely<unknown>): Promise<void> {
  // A job is held by the runner named in lease_owner until leased_until; a lease that runs out (its server died) lets
  // another server claim the job. runs counts how often a runner started the job on its device (more than 1 after a take-over).
  await sql`
    alter table live_tool_jobs
      add column lease_owner text,
      add column leased_until timestamptz,
      add column runs integer not null default 0`.execute(db);
}

/** Drops the lease columns. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table live_tool_jobs drop column lease_owner, drop column leased_until, drop column runs`.execute(db);
}
