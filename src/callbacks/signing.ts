/**
 * How callbacks are signed: Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`) and AutoPi's
 * `X-Request-Signature`. Pure functions of their inputs: the caller passes the timestamp, so tests pin it with fixed vectors.
 */
import { createHmac, randomBytes } from 'node:crypto';

/** The prefix that marks a secret as its key in Base64, as Standard Webhooks writes secrets (`whsec_…`). */
export const BASE64_SECRET_PREFIX = 'whsec_';

/** Fewest bytes the key of a `whsec_` secret may have (Standard Webhooks asks for 24 to 64). */
export const MIN_BASE64_KEY_BYTES = 24;

/** Canonical standard Base64: the alphabet, whole groups of four, at most two `=` at the end. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Why `secret` cannot key a signature, or undefined when it can: only a `whsec_` secret can fail, by not being Base64 of 24 bytes or more. */
export function secretProblem(secret: string): string | undefined {
  if (!secret.startsWith(BASE64_SECRET_PREFIX)) return undefined;
  const encoded = secret.slice(BASE64_SECRET_PREFIX.length);
  // Node's decoder skips what is not Base64 instead of refusing it; re-encoding also refuses stray low bits, which
  // other libraries may decode differently.
  const key = Buffer.from(encoded, 'base64');
  if (!BASE64.test(encoded) || key.toString('base64') !== encoded) {
    return `a secret starting with ${BASE64_SECRET_PREFIX} is its key in Base64, and what follows the prefix is not Base64`;
  }
  if (key.length < MIN_BASE64_KEY_BYTES) {
    return `a secret starting with ${BASE64_SECRET_PREFIX} is its key in Base64, and this key has ${key.length} bytes: at least ${MIN_BASE64_KEY_BYTES} are needed`;
  }
  return undefined;
}

/**
 * The HMAC key of a Standard Webhooks secret: a `whsec_` secret is its key in Base64 (as the Standard Webhooks spec and
 * its libraries read secrets); any other secret is keyed with its UTF-8 bytes. Throws when secretProblem finds one.
 */
export function webhookKey(secret: string): Buffer {
  const problem = secretProblem(secret);
  if (problem) throw new Error(problem);
  if (secret.startsWith(BASE64_SECRET_PREFIX)) return Buffer.from(secret.slice(BASE64_SECRET_PREFIX.length), 'base64');
  return Buffer.from(secret, 'utf8');
}

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
