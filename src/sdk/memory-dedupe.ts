/** Remembers which `webhook-id`s a receiver has handled, so that a redelivered callback is acknowledged, not acted on twice. */

/** Where a receiver keeps the ids it has handled: in memory by default, or a store of yours (a database, Redis). */
export interface DedupeStore {
  /** Marks `id` as being handled (`claimed`), or says it was `handled` already or is `in-flight` now. */
  claim(id: string): ClaimResult | Promise<ClaimResult>;
  /** Marks a claimed `id` as handled for good. */
  commit(id: string): void | Promise<void>;
  /** Forgets a claim whose handling failed, so that the sender's retry is handled again. */
  release(id: string): void | Promise<void>;
}

/** What claiming an id found. */
export type ClaimResult = 'claimed' | 'handled' | 'in-flight';

/** Whether an id is handled for good or still in flight. */
type State = 'handled' | 'in-flight';

/**
 * A DedupeStore in this process's memory, bounded: past `limit` ids the oldest handled ones are forgotten. Boomerang
 * retries for hours at most, so a limit well above the callbacks received in that time catches every redelivery.
 */
export class MemoryDedupe implements DedupeStore {
  private readonly ids = new Map<string, State>();

  constructor(private readonly limit = 10_000) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit must be a positive integer, got ${limit}`);
  }

  claim(id: string): ClaimResult {
    const state = this.ids.get(id);
    if (state !== undefined) return state;
    this.ids.set(id, 'in-flight');
    return 'claimed';
  }

  commit(id: string): void {
    // Re-inserting moves the id to the newest end, so eviction takes the oldest handled first.
    this.ids.delete(id);
    this.ids.set(id, 'handled');
    for (const [old, state] of this.ids) {
      if (this.ids.size <= this.limit) break;
      if (state === 'handled') this.ids.delete(old);
    }
  }

  release(id: string): void {
    this.ids.delete(id);
  }

  /** How many ids it holds now. */
  get size(): number {
    return this.ids.size;
  }
}
