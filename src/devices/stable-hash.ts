/** A stable 32-bit hash for deriving simulated values from names (so the same port or target always looks the same). */

/** FNV-1a of the UTF-16 code units of `text`, as an unsigned 32-bit integer. */
export function stableHash(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
