/** API keys can be revoked: a revoked key stays listed (so an admin sees what was revoked and when) but no longer authenticates. */
import { sql, type Kysely } from 'kysely';

/** Adds `api_keys.revoked_at` (null while the key is valid). */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table api_keys add column revoked_at timestamptz`.execute(db);
}

/** Drops the column. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table api_keys drop column revoked_at`.execute(db);
}
