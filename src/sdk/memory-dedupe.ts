/**
 * Remembers which `webhook-id`s a receiver has handled, and the body each came with, so that a redelivered callback
 * is acknowledged, not acted on twice, and a different body under a known id is refused rather than taken for one.
 */

/** Where a receiver keeps the ids it has handled: in memory by default, or a store of yours (a database, Redis). */
export interface DedupeStore {
  /**
   * Marks `id` as being handled with a body whose SHA-256 is `digest` (`claimed`), or says it was `handled` already or
   * is `in-flight` now with that same body, or that it came with another body (`conflict`). A store that ignores
   * `digest` (one written before it was passed) never answers `conflict`: another body under a known id is then
   * acknowledged as a redelivery and not acted on.
   */
  claim(id: string, digest: string): ClaimResult | Promise<ClaimResult>;
  /** Marks a claimed `id` as handled for good. */
  commit(id: string): void | Promise<void>;
  /** Forgets a claim whose handling failed, so that the sender's retry is handled again. */
  release(id: string): void | Promise<void>;
}

/** What claiming an id found. */
export type ClaimResult = 'claimed' | 'handled' | 'in-flight' | 'conflict';

/** Whether an id is handled for good or still in flight, and the digest of the body it was claimed with. */
interface Entry {
  state: 'handled' | 'in-flight';
  digest: string;
}

/**
 * A DedupeStore in this process's memory, bounded: past `limit` ids the oldest handled ones are forgotten. Boomerang
 * retries for hours at most, so a limit well above the callbacks received in that time catches every redelivery.
 */
export class MemoryDedupe implements DedupeStore {
  private readonly ids = new Map<string, Entry>();

  constructor(private readonly limit = 10_000) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit must be a positive integer, got ${limit}`);
  }

  claim(id: string, digest: string): ClaimResult {
    const entry = this.ids.get(id);
    if (entry !== undefined) return entry.digest === digest ? entry.state : 'conflict';
    this.ids.set(id, { state: 'in-flight', digest });
    return 'claimed';
  }

  commit(id: string): void {
    const entry = this.ids.get(id);
    if (entry === undefined) return;
    // Re-inserting moves the id to the newest end, so eviction takes the oldest handled first.
    this.ids.delete(id);
    this.ids.set(id, { state: 'handled', digest: entry.digest });
    for (const [old, { state }] of this.ids) {
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
