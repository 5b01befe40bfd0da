/**
 * How callbacks are signed: Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`) and AutoPi's
 * `X-Request-Signature`. Pure functions of their inputs: the caller passes the timestamp, so tests pin it with fixed vectors.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { webhookKey } from './webhook-key.js';

/** Standard Webhooks `webhook-signature`: `v1,` + Base64 HMAC-SHA256 of `id.timestamp.body` keyed with webhookKey(secret). */
export function standardWebhookSignature(secret: string, webhookId: string, timestamp: number, body: string): string {
  // node:crypto rather than the standardwebhooks package's pure-JS hash: same bytes, far cheaper on the hot path (the tests verify with the package).
  return `v1,${createHmac('sha256', webhookKey(secret)).update(`${webhookId}.${timestamp}.${body}`).digest('base64')}`;
}

/**
 * The Standard Webhooks headers of one attempt, `webhook-signature` only when there is a secret.
 * @param timestamp when the attempt is sent, in whole seconds since the epoch
 */
export function standardWebhookHeaders(webhookId: string, timestamp: number, body: string, secret?: string): Record<string, string> {
  const headers: Record<string, string> = { 'webhook-id': webhookId, 'webhook-timestamp': String(timestamp) };
  if (secret !== undefined) headers['webhook-signature'] = standardWebhookSignature(secret, webhookId, timestamp, body);
  return headers;
}

/** A new Standard Webhooks message id (`msg_` + 32 hex digits): the same on every attempt of one payload. */
export function newWebhookId(): string {
  return `msg_${randomBytes(16).toString('hex')}`;
}

/** Hex HMAC-SHA256 of the exact body bytes, keyed with the caller's token: AutoPi's `X-Request-Signature`. */
export function requestSignature(token: string, body: string): string {
  return createHmac('sha256', Buffer.from(token, 'utf8')).update(body, 'utf8').digest('hex');
}
