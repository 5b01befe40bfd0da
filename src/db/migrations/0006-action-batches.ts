/** Action batches: a batch's actions and outcome, in one row. */
import { sql, type Kysely } from 'kysely';

/** Creates `action_batches`. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table action_batches (
      id bigint primary key default nextval('object_id_seq'),
      organization_id bigint not null references organizations (id) on delete cascade,
      confirmed boolean not null default false,
      synchronous boolean not null default false,
      status text not null default 'pending' check (status in ('pending', 'completed', 'failed')),
      -- json, not jsonb: actions are shown with their keys in the order they were written.
      actions json not null,
      -- The network each action's resource belongs to (null for organization-level ones), for the callback's details.
      action_network_ids jsonb not null default '[]',
      errors jsonb not null default '[]',
      created_resources jsonb not null default '[]',
      results json,
      -- The one network every action belongs to (for the callback's envelope and HTTP servers), else null.
      network_id bigint,
      callback_id bigint references callbacks (id) on delete set null,
      created_by bigint,
      created_at timestamptz not null default now(),
      confirmed_at timestamptz,
      finished_at timestamptz,
      -- Only unconfirmed batches expire (a week after creation).
      expires_at timestamptz
    )`.execute(db);
  await sql`create index action_batches_organization on action_batches (organization_id, id)`.execute(db);
  // The runner's claim and the per-organization limit: confirmed batches still to run.
  await sql`create index action_batches_to_run on action_batches (confirmed_at, id) where confirmed and status = 'pending'`.execute(db);
  await sql`create index action_batches_expiry on action_batches (expires_at) where not confirmed`.execute(db);
}

/** Drops `action_batches`. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table action_batches`.execute(db);
}
