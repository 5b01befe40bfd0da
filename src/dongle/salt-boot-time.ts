/** When a simulated dongle last booted: a pure function of its unit id and the time asked. */

/** How long one simulated power cycle lasts before the dongle "reboots" (2 hours, in ms). */
export const BOOT_CYCLE_MS = 2 * 60 * 60 * 1000;

/** A stable 32-bit number derived from text (FNV-1a), used to give each dongle its own figures. */
export function seedOf(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/** The boot time of the dongle at `now`: uptime runs from 0 to 2 h and restarts, at an offset set by the unit id. */
export function bootTimeOf(unitId: string, now: Date): Date {
  // Whole seconds, as the kernel reports them; each dongle reboots at its own point of the cycle.
  const offset = (seedOf(unitId) % (BOOT_CYCLE_MS / 1000)) * 1000;
  const t = now.getTime();
  const boot = Math.floor((t - offset) / BOOT_CYCLE_MS) * BOOT_CYCLE_MS + offset;
  return new Date(boot);
}
