/** Groups the calls made while a query is under way into the next query: idle, each call runs at once; under load, one query serves many jobs. */
export class Batcher<T, R> {
  private queue: { item: T; resolve: (result: R) => void; reject: (err: unknown) => void }[] = [];
  private busy = false;

  constructor(
    /** Runs one batch and returns how to read each item's result. */
    private readonly run: (items: T[]) => Promise<(item: T) => R>,
    /** Most items per batch (default 100). */
    private readonly max = 100,
  ) {}

  /** Queues `item` for the next batch and resolves with its result (rejects if its batch fails). */
  add(item: T): Promise<R> {
    return new Promise((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.busy) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.busy = true;
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.max);
      try {
        const resultOf = await this.run(batch.map((b) => b.item));
        for (const b of batch) b.resolve(resultOf(b.item));
      } catch (err) {
        for (const b of batch) b.reject(err);
      }
    }
    this.busy = false;
  }
}
