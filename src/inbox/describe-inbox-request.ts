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

/** The one callback or alert whose schema the body matches, when exactly one payload schema does (two operations may share one). */
function identifyBySchema(body: Uint8Array): Identified | undefined {
  const matches: Identified[] = [];
  const schemas = new Set<string>();
  for (const [name, contract] of Object.entries(callbackContracts)) {
    if (schemaErrors('callback', name, body).length === 0) {
      matches.push({ kind: 'callback', name, by: 'schema' });
      schemas.add(contract.schema);
    }
  }
  for (const [name, contract] of Object.entries(alertContracts)) {
    if (schemaErrors('alert', name, body).length === 0) {
      matches.push({ kind: 'alert', name, by: 'schema' });
      schemas.add(`alert:${contract.schema}`);
    }
  }
  return schemas.size === 1 ? matches[0] : undefined;
}

/** `callbackId` of a JSON body, when it has one (Boomerang's Callback template puts it first). */
function callbackIdOf(body: Uint8Array): string | undefined {
  try {
    const value = JSON.parse(new TextDecoder().decode(body)) as { callbackId?: unknown };
    return typeof value?.callbackId === 'string' && isRowId(value.callbackId) ? value.callbackId : undefined;
  } catch {
    return undefined;
  }
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
  // Which of this organization's callbacks delivered each request: its callbackId, confirmed by a delivery of that
  // callback carrying the request's webhook-id (so a copied body does not pass for the real one).
  const claimed = new Map<string, string>();
  for (const row of rows) {
    const id = callbackIdOf(row.body);
    if (id !== undefined) claimed.set(row.id, id);
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
