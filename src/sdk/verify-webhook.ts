/** Verifies a Standard Webhooks signature (`webhook-id`, `webhook-timestamp`, `webhook-signature`) over the raw body. */
import { webhookKey } from '../callbacks/webhook-key.js';
import { bodyBytes, hmacKey, hmacMatches } from './hmac.js';
import { headerValue, type HeaderSource } from './webhook-headers.js';
import { WebhookVerificationError } from './webhook-verification-error.js';

/** How far a `webhook-timestamp` may be from the receiver's clock, either way: the Standard Webhooks default. */
export const DEFAULT_TOLERANCE_SECONDS = 5 * 60;

/** Options of verifyWebhook. */
export interface VerifyWebhookOptions {
  /** Seconds a timestamp may differ from now (default 300). */
  toleranceSeconds?: number | undefined;
  /** The receiver's clock, in milliseconds since the epoch (default Date.now()). */
  now?: number | undefined;
}

/** What a verified request said about itself. */
export interface VerifiedWebhook {
  webhookId: string;
  /** `webhook-timestamp`, in seconds since the epoch. */
  timestamp: number;
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * Checks a callback's Standard Webhooks headers against the exact body bytes and one or more secrets (several while
 * you rotate yours; the sender may also send several `v1,` signatures while it rotates). A `whsec_` secret is its
 * base64 key; any other secret is keyed by its UTF-8 bytes. Throws WebhookVerificationError when nothing matches.
 */
export async function verifyWebhook(
  body: string | Uint8Array,
  headers: HeaderSource,
  secret: string | readonly string[],
  options: VerifyWebhookOptions = {},
): Promise<VerifiedWebhook> {
  const webhookId = headerValue(headers, 'webhook-id');
  const stamp = headerValue(headers, 'webhook-timestamp');
  const signatures = headerValue(headers, 'webhook-signature');
  if (webhookId === undefined || stamp === undefined || signatures === undefined) {
    throw new WebhookVerificationError('missing webhook-id, webhook-timestamp or webhook-signature header');
  }
  if (!/^[0-9]{1,12}$/.test(stamp)) throw new WebhookVerificationError(`webhook-timestamp is not whole seconds: "${stamp}"`);
  const timestamp = Number(stamp);
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  const now = Math.floor((options.now ?? Date.now()) / 1000);
  if (Math.abs(now - timestamp) > tolerance) {
    throw new WebhookVerificationError(`webhook-timestamp ${timestamp} is more than ${tolerance} s from now (${now})`);
  }

  const candidates = signatures
    .split(' ')
    .filter((s) => s.startsWith('v1,') && BASE64.test(s.slice(3)))
    .map((s) => Uint8Array.from(atob(s.slice(3)), (c) => c.charCodeAt(0)));
  if (candidates.length === 0) throw new WebhookVerificationError('webhook-signature holds no v1 signature');

  const prefix = new TextEncoder().encode(`${webhookId}.${timestamp}.`);
  const raw = bodyBytes(body);
  const signed = new Uint8Array(prefix.length + raw.length);
  signed.set(prefix);
  signed.set(raw, prefix.length);
  for (const s of typeof secret === 'string' ? [secret] : secret) {
    const key = await hmacKey(webhookKey(s));
    for (const candidate of candidates) if (await hmacMatches(key, candidate, signed)) return { webhookId, timestamp };
  }
  throw new WebhookVerificationError('no webhook-signature matches the body for the secret');
}
