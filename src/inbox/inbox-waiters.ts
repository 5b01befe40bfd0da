/** Requests waiting for an inbox's next arrival (long polling), woken by the NOTIFY the receiving server sends. */

/** Waiters by inbox id. */
export class InboxWaiters {
  private readonly waiting = new Map<string, Set<() => void>>();
  private closed = false;

  /** Resolves when `inboxId` receives something or after `timeoutMs`, whichever comes first; `signal` ends it early. */
  wait(inboxId: string, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const set = this.waiting.get(inboxId) ?? new Set();
      this.waiting.set(inboxId, set);
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        set.delete(done);
        if (set.size === 0) this.waiting.delete(inboxId);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      signal?.addEventListener('abort', done, { once: true });
      set.add(done);
    });
  }

  /** Wakes everyone waiting on `inboxId` ('' wakes all: after a reconnect, NOTIFYs may have been lost). */
  wake(inboxId: string): void {
    const sets = inboxId === '' ? [...this.waiting.values()] : [this.waiting.get(inboxId)];
    for (const set of sets) for (const done of [...(set ?? [])]) done();
  }

  /** Wakes every waiter and answers every later wait at once: the server is stopping. */
  close(): void {
    this.closed = true;
    this.wake('');
  }

  /** How many requests wait now (for tests and shutdown). */
  get size(): number {
    let n = 0;
    for (const set of this.waiting.values()) n += set.size;
    return n;
  }
}
