/** Callback inboxes: receivers the server keeps for people exploring, and the requests they received. */
import { sql, type Kysely } from 'kysely';

/** Creates `inboxes` and `inbox_requests`. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table inboxes (
      id bigint primary key default nextval('object_id_seq'),
      organization_id bigint not null references organizations (id) on delete cascade,
      name text not null,
      token text not null unique,
      created_at timestamptz not null default now(),
      unique (organization_id, name)
    )`.execute(db);
  await sql`
    create table inbox_requests (
      id bigint primary key default nextval('object_id_seq'),
      inbox_id bigint not null references inboxes (id) on delete cascade,
      received_at timestamptz not null default now(),
      expires_at timestamptz not null,
      method text not null,
      headers jsonb not null,
      body bytea not null
    )`.execute(db);
  await sql`create index inbox_requests_inbox on inbox_requests (inbox_id, id)`.execute(db);
  await sql`create index inbox_requests_expiry on inbox_requests (expires_at)`.execute(db);
}

/** Drops both tables. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table inbox_requests`.execute(db);
  await sql`drop table inboxes`.execute(db);
}
