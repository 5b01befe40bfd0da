/** Writes a callback row, inside the transaction that creates its operation. */
import type { Insertable, Kysely } from 'kysely';
import type { CallbackTable, Database, Signing } from '../db/database.js';
import type { CallbackContext } from './callback-context.js';
import type { CallbackTarget } from './resolve-target.js';

/** What a new callback needs beyond its target. */
export interface NewCallback {
  organizationId: string;
  networkId: string | null;
  /** The spec contract its payloads must meet (`operationId.callbackName` or `webhook.NAME`). */
  contract: string;
  target: CallbackTarget;
  signing: Signing;
  /** The secret requests are signed with (Meraki sharedSecret, or the dongle caller's token); stored encrypted. */
  secret: string | null;
  createdBy: string | null;
}

/** The `callbacks` row of a new callback (secret sealed, expiry set), for a caller that inserts it within a larger statement. */
export function newCallbackRow(ctx: CallbackContext, callback: NewCallback): Insertable<CallbackTable> {
  return {
    organization_id: callback.organizationId,
    network_id: callback.networkId,
    contract: callback.contract,
    url: callback.target.url,
    http_server_id: callback.target.httpServerId,
    payload_template_id: callback.target.payloadTemplateId,
    signing: callback.signing,
    secret_ciphertext: callback.secret ? ctx.secrets.seal(callback.secret) : null,
    created_by: callback.createdBy,
    expires_at: new Date(ctx.now().getTime() + ctx.retentionMs),
  };
}

/** Inserts the callback and returns its id; it expires after the configured retention. */
export async function insertCallback(trx: Kysely<Database>, ctx: CallbackContext, callback: NewCallback): Promise<string> {
  const { id } = await trx.insertInto('callbacks').values(newCallbackRow(ctx, callback)).returning('id').executeTakeFirstOrThrow();
  return id;
}
