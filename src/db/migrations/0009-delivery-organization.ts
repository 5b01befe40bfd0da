/** Each delivery names its organization, so the delivery worker can keep one organization's backlog from holding up another's. */
import { sql, type Kysely } from 'kysely';

/** Adds `deliveries.organization_id`, filled from each delivery's callback, and an index of pending deliveries by it. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table deliveries add column organization_id bigint`.execute(db);
  await sql`update deliveries d set organization_id = c.organization_id from callbacks c where c.id = d.callback_id`.execute(db);
  await sql`alter table deliveries alter column organization_id set not null`.execute(db);
  // A claim that skips organizations holding their share walks the others through this, never the skipped ones' backlog.
  await sql`create index deliveries_organization_due on deliveries (organization_id, next_attempt_at, id) where status = 'pending'`.execute(db);
}

/** Drops the column and its index. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table deliveries drop column organization_id`.execute(db);
}
