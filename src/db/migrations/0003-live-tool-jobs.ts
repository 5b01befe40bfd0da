/** Live tool jobs: one table for ping, pingDevice, wakeOnLan, arpTable and cableTest. */
import { sql, type Kysely } from 'kysely';

/** Creates `live_tool_jobs`. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table live_tool_jobs (
      id bigint primary key default nextval('object_id_seq'),
      kind text not null,
      serial text not null references devices (serial) on delete cascade,
      organization_id bigint not null references organizations (id) on delete cascade,
      network_id bigint not null,
      -- json, not jsonb: the job is shown with its keys in the order they were written.
      request json not null,
      status text not null default 'new',
      result json,
      error text,
      callback_id bigint references callbacks (id) on delete set null,
      created_at timestamptz not null default now(),
      started_at timestamptz,
      finished_at timestamptz,
      deadline timestamptz not null
    )`.execute(db);
  // The runner picks up unfinished jobs at start; finished ones are only read by id.
  await sql`create index live_tool_jobs_unfinished on live_tool_jobs (deadline) where status not in ('complete', 'failed')`.execute(db);
}

/** Drops `live_tool_jobs`. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table live_tool_jobs`.execute(db);
}
