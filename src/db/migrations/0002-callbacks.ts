/** Callback delivery: callbacks, the outbox of deliveries, the attempt log, HTTP servers and custom payload templates. */
import { sql, type Kysely } from 'kysely';

/** Creates the delivery tables. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table http_servers (
      network_id bigint not null references networks (id) on delete cascade,
      id text not null,
      name text not null,
      url text not null,
      secret_ciphertext text,
      payload_template_id text not null default 'wpt_00001',
      created_at timestamptz not null default now(),
      primary key (network_id, id)
    )`.execute(db);
  await sql`
    create table payload_templates (
      id text primary key,
      network_id bigint not null references networks (id) on delete cascade,
      name text not null,
      body text not null,
      headers jsonb not null default '[]',
      created_at timestamptz not null default now()
    )`.execute(db);
  await sql`create index payload_templates_network on payload_templates (network_id)`.execute(db);
  await sql`create sequence payload_template_seq start 2101`.execute(db);
  await sql`
    create table callbacks (
      id bigint primary key default nextval('object_id_seq'),
      organization_id bigint not null references organizations (id) on delete cascade,
      network_id bigint,
      contract text not null,
      url text not null,
      http_server_id text,
      payload_template_id text not null,
      signing text not null,
      secret_ciphertext text,
      status text not null default 'running',
      errors jsonb not null default '[]',
      created_by bigint,
      sent_at timestamptz,
      created_at timestamptz not null default now(),
      expires_at timestamptz not null
    )`.execute(db);
  await sql`create index callbacks_expiry on callbacks (expires_at)`.execute(db);
  await sql`
    create table deliveries (
      id bigint primary key default nextval('object_id_seq'),
      callback_id bigint not null references callbacks (id) on delete cascade,
      webhook_id text not null,
      label text,
      url text not null,
      body text not null,
      headers jsonb not null,
      status text not null default 'pending',
      attempts integer not null default 0,
      next_attempt_at timestamptz not null default now(),
      leased_until timestamptz,
      last_error text,
      created_at timestamptz not null default now(),
      finished_at timestamptz
    )`.execute(db);
  // The worker's claim: due, pending deliveries, oldest first.
  await sql`create index deliveries_due on deliveries (next_attempt_at, id) where status = 'pending'`.execute(db);
  // Per-callback order: a delivery waits while an older one of its callback is pending.
  await sql`create index deliveries_callback_pending on deliveries (callback_id, id) where status = 'pending'`.execute(db);
  await sql`create index deliveries_callback on deliveries (callback_id)`.execute(db);
  await sql`
    create table delivery_attempts (
      id bigint primary key default nextval('object_id_seq'),
      delivery_id bigint not null references deliveries (id) on delete cascade,
      organization_id bigint not null,
      network_id bigint,
      alert_type text,
      url text not null,
      sent_at timestamptz not null,
      logged_at timestamptz not null default now(),
      response_code integer,
      response_duration integer not null,
      error text
    )`.execute(db);
  await sql`create index delivery_attempts_organization on delivery_attempts (organization_id, sent_at)`.execute(db);
  await sql`create index delivery_attempts_delivery on delivery_attempts (delivery_id)`.execute(db);
}
