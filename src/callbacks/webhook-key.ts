/**
 * The one rule for turning a callback's `sharedSecret` into an HMAC key, used by the server when it signs and by the
 * SDK's receiver kit when it verifies. Browser-safe (no node: imports): the SDK runs in browsers too.
 */

/** The prefix of a secret given in the Standard Webhooks form: the rest is the key, base64-encoded. */
export const STANDARD_SECRET_PREFIX = 'whsec_';
/** Shortest and longest keys the Standard Webhooks specification allows for `whsec_` secrets, in bytes. */
export const STANDARD_KEY_BYTES = { min: 24, max: 64 } as const;

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Why `secret` cannot be used as a callback secret, or undefined when it can. */
export function webhookSecretProblem(secret: string): string | undefined {
  if (!secret.startsWith(STANDARD_SECRET_PREFIX)) return undefined;
  const encoded = secret.slice(STANDARD_SECRET_PREFIX.length);
  if (!BASE64.test(encoded)) return `a sharedSecret starting with "${STANDARD_SECRET_PREFIX}" must be followed by a base64 key`;
  const bytes = (encoded.length / 4) * 3 - (encoded.endsWith('==') ? 2 : encoded.endsWith('=') ? 1 : 0);
  if (bytes < STANDARD_KEY_BYTES.min || bytes > STANDARD_KEY_BYTES.max) {
    return `the base64 key of a "${STANDARD_SECRET_PREFIX}" sharedSecret must be ${STANDARD_KEY_BYTES.min} to ${STANDARD_KEY_BYTES.max} bytes, got ${bytes}`;
  }
  return undefined;
}

/**
 * The HMAC key of a secret: for `whsec_…` the base64-decoded rest, as the Standard Webhooks specification says (so
 * `new Webhook(secret)` from standardwebhooks or svix verifies it unchanged); for any other secret its UTF-8 bytes.
 */
export function webhookKey(secret: string): Uint8Array {
  if (!secret.startsWith(STANDARD_SECRET_PREFIX)) return new TextEncoder().encode(secret);
  const problem = webhookSecretProblem(secret);
  if (problem !== undefined) throw new TypeError(problem);
  return Uint8Array.from(atob(secret.slice(STANDARD_SECRET_PREFIX.length)), (c) => c.charCodeAt(0));
}
