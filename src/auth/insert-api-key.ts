/** Stores an API key for an admin: only its hash, and its last four characters so that people can tell keys apart. */
import type { Kysely } from 'kysely';
import type { Database } from '../db/database.js';
import { hashApiKey } from './api-key.js';

/** How many trailing characters of a key are kept in clear (`key_suffix`), e.g. shown as `…abcd`. */
export const KEY_SUFFIX_LENGTH = 4;

/** Adds `apiKey` to admin `adminId` and returns the key's row id. */
export async function insertApiKey(db: Kysely<Database>, adminId: string, apiKey: string): Promise<string> {
  const { id } = await db
    .insertInto('api_keys')
    .values({ admin_id: adminId, key_hash: hashApiKey(apiKey), key_suffix: apiKey.slice(-KEY_SUFFIX_LENGTH) })
    .returning('id')
    .executeTakeFirstOrThrow();
  return id;
}
