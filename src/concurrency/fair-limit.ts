/**
 * A counting semaphore shared fairly between keys (organizations): at most `limit` holders at once, and a freed slot
 * goes to the waiting key granted a slot least recently, so one key's thousands of waiters cannot hold another's one
 * back by more than the slot's current use. Waiters of one key are served in order.
 */
export class FairLimit {
  private active = 0;
  /** Waiters by key, in the order they came. */
  private readonly waiting = new Map<string, (() => void)[]>();
  /** When each key was last granted a slot (a counter, not a clock); a key never granted one goes first. */
  private readonly lastGrant = new Map<string, number>();
  private grants = 0;

  constructor(private readonly limit: number) {}

  /** Waits for a slot for `key`; call the returned function to give it back. */
  async acquire(key: string): Promise<() => void> {
    if (this.active >= this.limit) {
      await new Promise<void>((resolve) => {
        const queue = this.waiting.get(key);
        if (queue) queue.push(resolve);
        else this.waiting.set(key, [resolve]);
      });
    } else {
      this.active += 1;
      this.granted(key);
    }
    return this.releaser();
  }

  /** Takes a slot for `key` if one is free now (undefined otherwise, without queueing). */
  tryAcquire(key: string): (() => void) | undefined {
    if (this.active >= this.limit) return undefined;
    this.active += 1;
    this.granted(key);
    return this.releaser();
  }

  private granted(key: string): void {
    this.lastGrant.delete(key);
    this.lastGrant.set(key, (this.grants += 1));
    // Bounded: the oldest entries (insertion order is grant order) are those a forgotten key would beat anyway.
    if (this.lastGrant.size > 10_000) this.lastGrant.delete(this.lastGrant.keys().next().value!);
  }

  /** The waiting key granted a slot least recently. */
  private nextKey(): string | undefined {
    let best: string | undefined;
    let bestGrant = Infinity;
    for (const key of this.waiting.keys()) {
      const grant = this.lastGrant.get(key) ?? 0;
      if (grant < bestGrant) {
        best = key;
        bestGrant = grant;
      }
    }
    return best;
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const key = this.nextKey();
      if (key === undefined) {
        this.active -= 1;
        return;
      }
      const queue = this.waiting.get(key)!;
      const next = queue.shift()!;
      if (queue.length === 0) this.waiting.delete(key);
      // Hand the slot straight to the waiter, so `active` never dips and lets a newcomer jump the queue.
      this.granted(key);
      next();
    };
  }
}
