/** Each delivery names its organization, so the delivery worker can keep one organization's backlog from holding up another's. */
import { sql, type Kysely } from 'kysely';

/** Adds `deliveries.organization_id`, filled from each delivery's callback. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table deliveries add column organization_id bigint`.execute(db);
  await sql`update deliveries d set organization_id = c.organization_id from callbacks c where c.id = d.callback_id`.execute(db);
  await sql`alter table deliveries alter column organization_id set not null`.execute(db);
}

/** Drops the column. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table deliveries drop column organization_id`.execute(db);
}
