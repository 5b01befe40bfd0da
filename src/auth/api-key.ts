/** API keys: generated like Meraki's (40 hex characters), stored only as SHA-256 hashes. */
import { createHash, randomBytes } from 'node:crypto';

/** Returns a new random API key (160 bits, hex). */
export function generateApiKey(): string {
  return randomBytes(20).toString('hex');
}

/**
 * Hashes a key for storage and lookup.
 * A fast hash is enough here (unlike passwords): keys are 160 random bits, so there is nothing to brute-force.
 */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}
