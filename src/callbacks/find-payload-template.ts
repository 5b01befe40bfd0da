/** Finds a payload template a network can use: one of the included ones, or a custom one of that network. */
import type { Kysely } from 'kysely';
import { InputError } from '../errors.js';
import { findIncludedTemplate, includedTemplates } from './included-templates.js';
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

/**
 * The id of the template named `name` that network `networkId` can use, an included one first. Names of custom
 * templates need not be unique, so when several of the network's share `name` the caller must give an id: a 400
 * (InputError naming `field`), as when none has it.
 */
export async function findPayloadTemplateIdByName(db: Kysely<Database>, networkId: string, name: string, field: string): Promise<string> {
  const included = includedTemplates.find((template) => template.name === name);
  if (included) return included.id;
  const custom = await db.selectFrom('payload_templates').select('id').where('network_id', '=', networkId).where('name', '=', name).limit(2).execute();
  if (custom.length === 0) throw new InputError(`${field}: no template named "${name}" in this network`);
  if (custom.length > 1) throw new InputError(`${field}: several templates are named "${name}"; give payloadTemplateId`);
  return custom[0]!.id;
}
