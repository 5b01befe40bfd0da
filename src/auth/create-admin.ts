/** Adds an admin with an API key: used by the demo seed and by `boomerang keys create`. */
import type { Kysely } from 'kysely';
import type { Database } from '../db/database.js';
import { insertApiKey } from './insert-api-key.js';

/** Adds an admin with one API key, allowed on the given organizations; returns the admin's id. */
export async function createAdmin(
  trx: Kysely<Database>,
  admin: { name: string; email: string; apiKey: string; organizationIds: string[] },
): Promise<string> {
  const { id } = await trx
    .insertInto('admins')
    .values({ name: admin.name, email: admin.email })
    .returning('id')
    .executeTakeFirstOrThrow();
  await insertApiKey(trx, id, admin.apiKey);
  if (admin.organizationIds.length > 0) {
    await trx
      .insertInto('admin_organizations')
      .values(admin.organizationIds.map((organization_id) => ({ admin_id: id, organization_id })))
      .execute();
  }
  return id;
}
