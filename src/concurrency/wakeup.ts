/** How a Wakeup remembers wakes and sets its timers. */
export interface WakeupOptions {
  /**
   * Wakes remembered at most while no loop is asleep (default 1, a flag); a runner whose several loops each look again
   * for one wake remembers one per loop.
   */
  remember: number;
  /** Sleep timers do not keep the process alive (default false). */
  unref: boolean;
}

/**
 * Puts background loops to sleep and wakes them. A wake that finds no loop asleep is remembered and makes the next
 * sleep return at once, so a wake arriving between a loop's look and its sleep is never lost.
 */
export class Wakeup {
  private readonly options: WakeupOptions;
  /** Sleepers in the order they fell asleep; each resolves its sleep with whether it was woken. */
  private readonly sleepers: ((woken: boolean) => void)[] = [];
  private remembered = 0;
  private stopped = false;

  constructor(options: Partial<WakeupOptions> = {}) {
    this.options = { remember: 1, unref: false, ...options };
  }

  /** Wakes the loop asleep longest; with none asleep the wake is remembered (up to `remember` of them) for the next sleep. */
  wake(): void {
    const sleeper = this.sleepers.shift();
    if (sleeper) sleeper(true);
    else this.remembered = Math.min(this.remembered + 1, this.options.remember);
  }

  /** Whether a wake is remembered, so the next sleep would return at once. */
  get pending(): boolean {
    return this.remembered > 0;
  }

  /** Forgets remembered wakes: for a loop about to look, which sees whatever they announced. */
  clear(): void {
    this.remembered = 0;
  }

  /** Wakes every sleeper; from now on every sleep returns at once. */
  stop(): void {
    this.stopped = true;
    for (const sleeper of this.sleepers.splice(0)) sleeper(true);
  }

  /**
   * Sleeps up to `ms` milliseconds, or not at all when a wake is remembered (which it takes) or after `stop`; resolves
   * true when woken (or stopped), false when the time ran out.
   */
  sleep(ms: number): Promise<boolean> {
    if (this.stopped) return Promise.resolve(true);
    if (this.remembered > 0) {
      this.remembered -= 1;
      return Promise.resolve(true);
    }
    return this.wait(ms);
  }

  /**
   * Sleeps like `sleep` but leaves remembered wakes for a later sleep: a back-off after a failure, which only a wake
   * arriving during it cuts short.
   */
  pause(ms: number): Promise<boolean> {
    if (this.stopped) return Promise.resolve(true);
    return this.wait(ms);
  }

  private wait(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const done = (woken: boolean) => {
        clearTimeout(timer);
        // A sleeper whose time ran out must leave the queue, or a later wake() would go to it and be lost.
        const index = this.sleepers.indexOf(done);
        if (index >= 0) this.sleepers.splice(index, 1);
        resolve(woken);
      };
      const timer = setTimeout(() => done(false), ms);
      if (this.options.unref) timer.unref();
      this.sleepers.push(done);
    });
  }
}
