/** Looks up one of an organization's action batches, hiding expired unconfirmed ones. */
import type { Kysely } from 'kysely';
import type { ActionBatchRow, Database } from '../db/database.js';
import { NotFoundError } from '../errors.js';
import { isRowId } from '../db/row-id.js';

/** The batch `id` of `organizationId` as of `now`; 404 when missing, another organization's, or expired. With `lock`, FOR UPDATE. */
export async function findActionBatch(
  db: Kysely<Database>,
  now: Date,
  organizationId: string,
  id: string,
  { lock = false }: { lock?: boolean } = {},
): Promise<ActionBatchRow> {
  if (!isRowId(id)) throw new NotFoundError('Action batch not found');
  let query = db
    .selectFrom('action_batches')
    .selectAll()
    .where('id', '=', id)
    .where('organization_id', '=', organizationId)
    // Expired batches answer 404 at once, even before the sweeper has deleted them.
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]));
  if (lock) query = query.forUpdate();
  const row = await query.executeTakeFirst();
  if (!row) throw new NotFoundError('Action batch not found');
  return row;
}
