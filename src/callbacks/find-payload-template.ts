/** Finds a payload template a network can use: one of the included ones, or a custom one of that network. */
import type { Kysely } from 'kysely';
import { findIncludedTemplate } from './included-templates.js';
import type { TemplateHeader } from './template-files.js';
import type { Database } from '../db/database.js';

/** A payload template as the routes see it, whichever kind it is. */
export interface NetworkPayloadTemplate {
  id: string;
  type: 'included' | 'custom';
  name: string;
  body: string;
  headers: readonly TemplateHeader[];
}

/**
 * The template `id` as network `networkId` sees it, or undefined (another network's custom template is not found).
 * With `lock`, a custom template's row is share-locked until the transaction ends, so a concurrent delete waits and
 * then sees the HTTP server that now uses it.
 */
export async function findPayloadTemplate(
  db: Kysely<Database>,
  networkId: string,
  id: string,
  { lock = false }: { lock?: boolean } = {},
): Promise<NetworkPayloadTemplate | undefined> {
  const included = findIncludedTemplate(id);
  if (included) return included;
  let query = db.selectFrom('payload_templates').select(['id', 'name', 'body', 'headers']).where('network_id', '=', networkId).where('id', '=', id);
  if (lock) query = query.forShare();
  const row = await query.executeTakeFirst();
  return row && { ...row, type: 'custom' };
}
