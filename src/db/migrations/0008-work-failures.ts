/** Failure counts for background work, so that an item that keeps failing is retried a bounded number of times, across restarts and servers. */
import { sql, type Kysely } from 'kysely';

/**
 * Adds `failures` and `last_error` to action batches, live tool jobs and dongle commands, and `next_attempt_at` (null:
 * runnable now) to action batches and dongle commands, which a failure pushes later. Live tool jobs wait out their
 * back-off in `leased_until`, which claims already honour.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table action_batches
      add column failures integer not null default 0,
      add column last_error text,
      add column next_attempt_at timestamptz`.execute(db);
  await sql`
    alter table live_tool_jobs
      add column failures integer not null default 0,
      add column last_error text`.execute(db);
  await sql`
    alter table dongle_commands
      add column failures integer not null default 0,
      add column last_error text,
      add column next_attempt_at timestamptz`.execute(db);
}

/** Drops the failure columns. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table action_batches drop column failures, drop column last_error, drop column next_attempt_at`.execute(db);
  await sql`alter table live_tool_jobs drop column failures, drop column last_error`.execute(db);
  await sql`alter table dongle_commands drop column failures, drop column last_error, drop column next_attempt_at`.execute(db);
}
