/**
 * Contract before dispatch: checks a payload against its callback's spec schema, renders and signs it, and writes the
 * delivery (the outbox row) in the caller's transaction, so the result and its delivery commit together or not at all.
 */
import { sql, type Kysely } from 'kysely';
import { DELIVERY_CHANNEL } from '../db/channels.js';
import type { Database } from '../db/database.js';
import { RendererUnavailableError } from '../errors.js';
import type { CallbackContext } from './callback-context.js';
import { findPayloadTemplate } from './find-payload-template.js';
import { findIncludedTemplate } from './included-templates.js';
import { TemplateError } from './render-payload.js';
import { newWebhookId, requestSignature } from './signing.js';

/** What became of a payload. */
export type EnqueueResult = { queued: true; deliveryId: string } | { queued: false; errors: string[] };

/** Marks a callback failed with `errors`, without sending anything. */
async function failCallback(trx: Kysely<Database>, callbackId: string, errors: string[]): Promise<void> {
  await trx
    .updateTable('callbacks')
    .set({ status: 'failed', errors: sql`errors || ${JSON.stringify(errors)}::jsonb` as never })
    .where('id', '=', callbackId)
    .execute();
}

/**
 * Queues `payload` for the callback; call it inside the transaction that stores the operation's result.
 * A payload that fails its contract or its template is never sent: the callback is marked failed and the error logged.
 * @param label what the payload is, for logs and the dongle debug view (e.g. `TIMEOUT`)
 */
export async function enqueuePayload(
  trx: Kysely<Database>,
  ctx: CallbackContext,
  callbackId: string,
  payload: object,
  label: string | null = null,
): Promise<EnqueueResult> {
  const callback = await trx
    .selectFrom('callbacks')
    .select(['organization_id', 'contract', 'url', 'signing', 'secret_ciphertext', 'payload_template_id', 'network_id'])
    .where('id', '=', callbackId)
    .executeTakeFirstOrThrow();
  const contract = ctx.contracts.check(callback.contract, payload);
  if (!contract.valid) {
    // Our payload does not match our own spec: a server bug, so it is loud, and nothing malformed reaches the receiver.
    ctx.logger.error({ callbackId, contract: callback.contract, errors: contract.errors }, 'callback payload fails its spec contract; not sent');
    const errors = contract.errors.map((e) => `payload fails the ${callback.contract} contract: ${e}`);
    await failCallback(trx, callbackId, errors);
    return { queued: false, errors };
  }
  const secret = callback.secret_ciphertext ? ctx.secrets.open(callback.secret_ciphertext) : null;
  let body: string;
  let headers: Record<string, string>;
  if (callback.signing === 'request-signature') {
    // AutoPi callbacks are the payload itself, signed over these exact bytes.
    try {
      body = JSON.stringify(payload);
    } catch (err) {
      const errors = [`payload cannot be serialised: ${(err as Error).message}`];
      ctx.logger.warn({ callbackId, errors }, 'callback payload failed; not sent');
      await failCallback(trx, callbackId, errors);
      return { queued: false, errors };
    }
    headers = secret ? { 'X-Request-Signature': requestSignature(secret, body) } : {};
  } else {
    const template =
      callback.network_id === null
        ? findIncludedTemplate(callback.payload_template_id)
        : await findPayloadTemplate(trx, callback.network_id, callback.payload_template_id);
    try {
      if (!template) throw new TemplateError('the template no longer exists');
      // The renderer turns every failure (Liquid, JSON, depth, its time and memory limits) into a TemplateError.
      ({ body, headers } = await ctx.templates.render(template, payload, callback.organization_id, secret ? { sharedSecret: secret } : {}));
    } catch (err) {
      // The renderer itself being away is no fault of this payload: thrown, so its operation is tried again later.
      if (err instanceof RendererUnavailableError) throw err;
      // Anything else thrown while rendering is still this payload's failure: the operation it reports on goes on.
      const reason = err instanceof TemplateError ? err.message : `render failed: ${(err as Error).message}`;
      const errors = [`payload template ${callback.payload_template_id}: ${reason}`];
      ctx.logger.warn({ callbackId, errors }, 'callback payload template failed; not sent');
      await failCallback(trx, callbackId, errors);
      return { queued: false, errors };
    }
  }
  // One statement (a round trip, not three): the delivery row, the callback's status, and the NOTIFY that wakes the
  // workers, which listeners receive when this transaction commits, never before: a worker cannot see a row not there.
  // The NOTIFY names the organization, so a worker already holding its share of that organization's work can ignore it.
  const { rows } = await sql<{ id: string }>`
    with delivery as (
      insert into deliveries (callback_id, organization_id, webhook_id, label, url, body, headers)
      values (${callbackId}, ${callback.organization_id}, ${newWebhookId()}, ${label}, ${callback.url}, ${body}, ${JSON.stringify(headers)}::jsonb)
      returning id
    ), running as (
      update callbacks set status = case when status = 'failed' then 'failed' else 'running' end where id = ${callbackId}
    )
    select delivery.id, pg_notify(${DELIVERY_CHANNEL}, ${callback.organization_id}::text) from delivery`.execute(trx);
  const id = rows[0]!.id;
  return { queued: true, deliveryId: id };
}
