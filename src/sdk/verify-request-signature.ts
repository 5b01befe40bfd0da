/** Verifies AutoPi's `X-Request-Signature`: the hex HMAC-SHA256 of the exact body bytes, keyed with the API token. */
import { bodyBytes, hmacKey, hmacMatches } from './hmac.js';
import { headerValue, type HeaderSource } from './webhook-headers.js';
import { WebhookVerificationError } from './webhook-verification-error.js';

/**
 * Checks `X-Request-Signature` of a dongle command callback against the exact body bytes and the token of the
 * execute request (keyed with its UTF-8 bytes, as AutoPi does). Throws WebhookVerificationError when it does not match.
 */
export async function verifyRequestSignature(body: string | Uint8Array, headers: HeaderSource, token: string): Promise<void> {
  const signature = headerValue(headers, 'x-request-signature');
  if (signature === undefined) throw new WebhookVerificationError('missing X-Request-Signature header');
  if (!/^[0-9a-fA-F]{64}$/.test(signature)) throw new WebhookVerificationError('X-Request-Signature is not 64 hex digits');
  const expected = Uint8Array.from(signature.match(/../g)!, (pair) => parseInt(pair, 16));
  const key = await hmacKey(new TextEncoder().encode(token));
  if (!(await hmacMatches(key, expected, bodyBytes(body)))) {
    throw new WebhookVerificationError('X-Request-Signature does not match the body for the token');
  }
}
