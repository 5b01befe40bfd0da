/** Salt job ids: the UTC time as `YYYYMMDDhhmmssffffff`, to the microsecond. */

/** Hands out Salt-style 20-digit job ids, strictly increasing within this process even for calls in the same millisecond. */
export class JidClock {
  private lastMicros = 0n;

  /** The next jid at `now` (a microsecond after the previous one when the clock has not moved on). */
  next(now: Date): string {
    let micros = BigInt(now.getTime()) * 1000n;
    if (micros <= this.lastMicros) micros = this.lastMicros + 1n;
    this.lastMicros = micros;
    return jidAt(micros);
  }
}

/** The jid for a time in microseconds since the epoch. */
export function jidAt(micros: bigint): string {
  const date = new Date(Number(micros / 1000n));
  const digits = date.toISOString().slice(0, 19).replace(/[-T:]/g, '');
  return digits + String(micros % 1_000_000n).padStart(6, '0');
}
