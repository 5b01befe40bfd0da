/** HMAC-SHA256 checks with the Web Crypto API, which Node 20+ and browsers share; its `verify` compares in constant time. */

/** The raw bytes of a body given as text (UTF-8) or bytes. */
export function bodyBytes(body: string | Uint8Array): Uint8Array {
  return typeof body === 'string' ? new TextEncoder().encode(body) : body;
}

/** An HMAC-SHA256 verification key. */
export function hmacKey(key: Uint8Array): Promise<CryptoKey> {
  return crypto.subtle.importKey('raw', key as BufferSource, { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
}

/** Whether `signature` is the HMAC-SHA256 of `data` under `key` (constant-time, by the platform). */
export function hmacMatches(key: CryptoKey, signature: Uint8Array, data: Uint8Array): Promise<boolean> {
  return crypto.subtle.verify('HMAC', key, signature as BufferSource, data as BufferSource);
}
