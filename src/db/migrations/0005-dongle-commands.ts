/** Dongle commands: one row per execute / execute_raw, with the device's answer time and the TIMEOUT deadline stored. */
import { sql, type Kysely } from 'kysely';

/** Creates `dongle_commands`. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table dongle_commands (
      jid text primary key,
      serial text not null references devices (serial) on delete cascade,
      organization_id bigint not null references organizations (id) on delete cascade,
      device_id uuid not null,
      unit_id uuid not null,
      fun text not null,
      -- json, not jsonb: arguments are echoed back in the order the caller gave them.
      args json not null,
      kwargs json not null,
      callback_id bigint references callbacks (id) on delete set null,
      callback_url text,
      timeout_seconds integer not null,
      timeout_task_id uuid not null,
      created_at timestamptz not null,
      -- When the simulated device answers (null: it never does), and when the TIMEOUT callback is due.
      answer_at timestamptz,
      deadline timestamptz not null,
      answered_at timestamptz,
      timed_out_at timestamptz,
      result json,
      expires_at timestamptz not null
    )`.execute(db);
  // The scheduler looks only at commands still waiting for an answer, by the earlier of their two due times.
  await sql`create index dongle_commands_waiting on dongle_commands (deadline) where answered_at is null`.execute(db);
  await sql`create index dongle_commands_expiry on dongle_commands (expires_at)`.execute(db);
}

/** Drops `dongle_commands`. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table dongle_commands`.execute(db);
}
