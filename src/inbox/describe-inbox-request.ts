/**
 * What an inbox shows of each request it received: which callback or alert it is, whether it matches that payload's
 * schema, whether its signature verifies for a given secret, and the delivery attempts behind it. The checking is the
 * SDK's receiver kit (src/sdk/): the inbox page sees exactly what a receiver built with the kit would.
 */
import type { Kysely } from 'kysely';
import type { InboxRequest } from '../../generated/client/types.gen.js';
import { alertContracts, callbackContracts, type AlertName, type CallbackOperation } from '../../generated/callbacks.gen.js';
import type { Database } from '../db/database.js';
import { isRowId } from '../db/row-id.js';
import { CallbackParseError } from '../sdk/callback-parse-error.js';
import { parseAlert, parseCallback } from '../sdk/parse-callback.js';
import { verifyRequestSignature } from '../sdk/verify-request-signature.js';
import { verifyWebhook } from '../sdk/verify-webhook.js';

/** An inbox request as stored. */
export interface StoredInboxRequest {
  id: string;
  received_at: Date;
  method: string;
  headers: [string, string][];
  body: Uint8Array;
}

type Identified = InboxRequest['identified'];

/** The errors of checking `body` as `name`'s payload: [] when it matches. */
function schemaErrors(kind: 'callback' | 'alert', name: string, body: Uint8Array): string[] {
  try {
    if (kind === 'callback') parseCallback(name as CallbackOperation, body);
    else parseAlert(name as AlertName, body);
    return [];
  } catch (err) {
    if (err instanceof CallbackParseError) return err.errors;
    throw err;
  }
}

/**
 * The callbacks or alerts whose schema the body matches, when they are all of one kind and share one payload schema
 * (the two dongle execute operations do; so do the two alerts): named `a or b` when the schema cannot tell them apart.
 */
function identifyBySchema(body: Uint8Array): Identified | undefined {
  const matches: { kind: 'callback' | 'alert'; name: string; schema: string }[] = [];
  for (const [name, contract] of Object.entries(callbackContracts)) {
    if (schemaErrors('callback', name, body).length === 0) matches.push({ kind: 'callback', name, schema: contract.schema });
  }
  for (const [name, contract] of Object.entries(alertContracts)) {
    if (schemaErrors('alert', name, body).length === 0) matches.push({ kind: 'alert', name, schema: contract.schema });
  }
  const first = matches[0];
  if (!first || matches.some((m) => m.kind !== first.kind || m.schema !== first.schema)) return undefined;
  return { kind: first.kind, name: matches.map((m) => m.name).join(' or '), by: 'schema' };
}

/** What a JSON body says of where it comes from: Boomerang's Callback template's `callbackId`, or a dongle command's `jid`. */
function originOf(body: Uint8Array): { callbackId?: string; jid?: string } {
  try {
    const value = JSON.parse(new TextDecoder().decode(body)) as { callbackId?: unknown; jid?: unknown };
    if (typeof value?.callbackId === 'string' && isRowId(value.callbackId)) return { callbackId: value.callbackId };
    if (typeof value?.jid === 'string' && /^[0-9]{20}$/.test(value.jid)) return { jid: value.jid };
  } catch {
    // Not JSON: nothing to go by.
  }
  return {};
}

async function signatureOf(row: StoredInboxRequest, headers: Record<string, string>, secret: string | undefined): Promise<InboxRequest['signature']> {
  const scheme = headers['webhook-signature'] !== undefined ? 'standard-webhooks' : headers['x-request-signature'] !== undefined ? 'x-request-signature' : null;
  if (scheme === null) return { status: 'unsigned', scheme, reason: null };
  if (secret === undefined || secret === '') return { status: 'unchecked', scheme, reason: null };
  try {
    // Checked as of when it arrived: the 5-minute tolerance is about replays, not about when someone looks.
    if (scheme === 'standard-webhooks') await verifyWebhook(row.body, headers, secret, { now: row.received_at.getTime() });
    else await verifyRequestSignature(row.body, headers, secret);
    return { status: 'verified', scheme, reason: null };
  } catch (err) {
    return { status: 'invalid', scheme, reason: err instanceof Error ? err.message : String(err) };
  }
}

/** Describes each stored request of an inbox of `organizationId`, checking signatures with `secret` when given. */
export async function describeInboxRequests(
  db: Kysely<Database>,
  organizationId: string,
  rows: StoredInboxRequest[],
  secret: string | undefined,
): Promise<InboxRequest[]> {
  // Which of this organization's callbacks delivered each request: the callback its body names (directly, or through
  // its dongle command), confirmed by a delivery of that callback carrying the request's webhook-id, so that a copied
  // body does not pass for the real one. Both lookups go by primary key or indexed column.
  const origins = new Map(rows.map((row) => [row.id, originOf(row.body)] as const));
  const jids = [...new Set([...origins.values()].flatMap((o) => (o.jid ? [o.jid] : [])))];
  const commands = jids.length === 0 ? [] : await db
    .selectFrom('dongle_commands')
    .select(['jid', 'callback_id'])
    .where('jid', 'in', jids)
    .where('organization_id', '=', organizationId)
    .execute();
  const claimed = new Map<string, string>();
  for (const [rowId, origin] of origins) {
    const id = origin.callbackId ?? commands.find((c) => c.jid === origin.jid)?.callback_id ?? undefined;
    if (id) claimed.set(rowId, id);
  }
  const callbackIds = [...new Set(claimed.values())];
  const deliveries = callbackIds.length === 0 ? [] : await db
    .selectFrom('deliveries')
    .innerJoin('callbacks', 'callbacks.id', 'deliveries.callback_id')
    .select(['deliveries.id as delivery_id', 'deliveries.webhook_id', 'callbacks.id as callback_id', 'callbacks.contract', 'callbacks.status'])
    .where('deliveries.callback_id', 'in', callbackIds)
    .where('callbacks.organization_id', '=', organizationId)
    .execute();
  const attempts = deliveries.length === 0 ? [] : await db
    .selectFrom('delivery_attempts')
    .select(['delivery_id', 'sent_at', 'response_code', 'error'])
    .where('delivery_id', 'in', deliveries.map((d) => d.delivery_id))
    .orderBy('sent_at')
    .orderBy('id')
    .execute();

  return Promise.all(
    rows.map(async (row): Promise<InboxRequest> => {
      const headers: Record<string, string> = {};
      for (const [name, value] of row.headers) headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
      const delivery = deliveries.find((d) => d.callback_id === claimed.get(row.id) && d.webhook_id === headers['webhook-id']);
      let identified: Identified = { kind: 'unknown', name: null, by: 'none' };
      let schema: InboxRequest['schema'] = { valid: null, errors: [] };
      if (delivery) {
        // Contracts are `operationId.callbackName` or `webhook.NAME` (src/spec/callback-contracts.ts).
        const [first, rest] = delivery.contract.split('.', 2) as [string, string];
        const kind = first === 'webhook' ? 'alert' : 'callback';
        const name = kind === 'alert' ? rest : first;
        identified = { kind, name, by: 'delivery' };
        const known = kind === 'callback' ? name in callbackContracts : name in alertContracts;
        const errors = known ? schemaErrors(kind, name, row.body) : [`the spec has no ${delivery.contract}`];
        schema = { valid: errors.length === 0, errors };
      } else {
        const found = identifyBySchema(row.body);
        if (found) {
          identified = found;
          schema = { valid: true, errors: [] };
        }
      }
      return {
        id: row.id,
        receivedAt: row.received_at.toISOString(),
        method: row.method,
        headers,
        body: new TextDecoder().decode(row.body),
        size: row.body.byteLength,
        identified,
        schema,
        signature: await signatureOf(row, headers, secret),
        callback: delivery
          ? {
              id: delivery.callback_id,
              status: delivery.status,
              attempts: attempts
                .filter((a) => deliveries.some((d) => d.delivery_id === a.delivery_id && d.callback_id === delivery.callback_id))
                .map((a) => ({ sentAt: a.sent_at.toISOString(), responseCode: a.response_code, error: a.error })),
            }
          : null,
      };
    }),
  );
}
