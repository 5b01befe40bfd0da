/**
 * The one rule for turning a callback's `sharedSecret` into an HMAC key, used by the server when it signs (and when a
 * secret is given, to refuse one it could not use) and by the SDK's receiver kit when it verifies. Browser-safe (no
 * node: imports): the SDK runs in browsers too.
 */

/** The prefix that marks a secret as its key in Base64, as Standard Webhooks writes secrets (`whsec_…`). */
export const BASE64_SECRET_PREFIX = 'whsec_';

/** Fewest bytes the key of a `whsec_` secret may have (Standard Webhooks asks for 24 to 64). */
export const MIN_BASE64_KEY_BYTES = 24;

/** Canonical standard Base64: the alphabet, whole groups of four, at most two `=` at the end. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function decodeBase64(encoded: string): Uint8Array {
  return Uint8Array.from(atob(encoded), (c) => c.charCodeAt(0));
}

/** Why `secret` cannot key a signature, or undefined when it can: only a `whsec_` secret can fail, by not being Base64 of 24 bytes or more. */
export function secretProblem(secret: string): string | undefined {
  if (!secret.startsWith(BASE64_SECRET_PREFIX)) return undefined;
  const encoded = secret.slice(BASE64_SECRET_PREFIX.length);
  // Re-encoding refuses stray low bits in the last group too, which other libraries may decode differently.
  const key = BASE64.test(encoded) ? decodeBase64(encoded) : undefined;
  if (key === undefined || btoa(String.fromCharCode(...key)) !== encoded) {
    return `a secret starting with ${BASE64_SECRET_PREFIX} is its key in Base64, and what follows the prefix is not Base64`;
  }
  if (key.length < MIN_BASE64_KEY_BYTES) {
    return `a secret starting with ${BASE64_SECRET_PREFIX} is its key in Base64, and this key has ${key.length} bytes: at least ${MIN_BASE64_KEY_BYTES} are needed`;
  }
  return undefined;
}

/**
 * The HMAC key of a secret: a `whsec_` secret is its key in Base64 (as the Standard Webhooks spec and its libraries,
 * standardwebhooks and svix, read secrets); any other secret is keyed with its UTF-8 bytes. Throws when secretProblem finds one.
 */
export function webhookKey(secret: string): Uint8Array {
  const problem = secretProblem(secret);
  if (problem) throw new TypeError(problem);
  if (secret.startsWith(BASE64_SECRET_PREFIX)) return decodeBase64(secret.slice(BASE64_SECRET_PREFIX.length));
  return new TextEncoder().encode(secret);
}
