/**
 * Runs confirmed asynchronous action batches in the background, in every process sharing the database: each loop claims
 * the oldest runnable batch nobody holds (FOR UPDATE SKIP LOCKED, held for the batch's whole transaction), so batches
 * left by a stopped process are simply taken by the next loop that looks. Also sweeps expired unconfirmed batches.
 */
import type { Db, Unlisten } from '../db/create-db.js';
import { ACTION_BATCH_CHANNEL, executeBatch, type BatchEnv } from './execute-batch.js';
import { sweepExpiredBatches } from './sweep-expired-batches.js';

/** Runner tuning. */
export interface BatchRunnerOptions {
  /** Batches this process runs at once (default 2; 0 runs none and leaves them to other processes). */
  workers: number;
  /** Longest an idle loop waits before looking again without a NOTIFY, in milliseconds (default 5,000). */
  idleRecheckMs: number;
  /** How often expired unconfirmed batches are swept, in milliseconds (default one minute). */
  sweepIntervalMs: number;
}

/** The default tuning. */
export const defaultBatchRunnerOptions: BatchRunnerOptions = { workers: 2, idleRecheckMs: 5_000, sweepIntervalMs: 60_000 };

/** The background runner; `start` it once, `wake` it after confirming a batch, `stop` it before closing the database. */
export class ActionBatchRunner {
  private stopping = false;
  private loops: Promise<void>[] = [];
  private sleepers: (() => void)[] = [];
  private pendingWakes = 0;
  private unlisten: Unlisten | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: Db,
    /** What running a batch needs (also used by the routes to run synchronous batches). */
    readonly env: BatchEnv,
    private readonly options: BatchRunnerOptions = defaultBatchRunnerOptions,
  ) {}

  /** Listens for confirmations and starts the loops, which first run whatever a previous run left pending. */
  async start(): Promise<void> {
    if (this.options.workers > 0) this.unlisten = await this.db.listen(ACTION_BATCH_CHANNEL, () => this.wake());
    for (let i = 0; i < this.options.workers; i += 1) this.loops.push(this.loop());
    const sweep = () => {
      sweepExpiredBatches(this.db, this.env.callbacks.now()).then(
        (n) => n > 0 && this.env.callbacks.logger.info({ actionBatches: n }, 'expired unconfirmed action batches deleted'),
        (err: unknown) => this.env.callbacks.logger.error({ err }, 'sweeping expired action batches failed'),
      );
    };
    sweep();
    this.sweepTimer = setInterval(sweep, this.options.sweepIntervalMs);
    this.sweepTimer.unref();
  }

  /** Wakes one idle loop: a batch may have become runnable. */
  wake(): void {
    const sleeper = this.sleepers.shift();
    if (sleeper) sleeper();
    // Nobody asleep: every loop is busy and looks again when it finishes; remember the wake so none is lost.
    else this.pendingWakes = Math.min(this.pendingWakes + 1, this.options.workers);
  }

  /** Stops looking for batches and waits for the ones running to commit. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    for (const sleeper of this.sleepers.splice(0)) sleeper();
    await Promise.allSettled(this.loops);
    await this.unlisten?.();
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      let ran = false;
      try {
        ran = (await executeBatch(this.db, this.env, 'next')) !== undefined;
      } catch (err) {
        // Not an action's fault (those fail the batch): the database is unreachable, say. The batch stays pending.
        this.env.callbacks.logger.error({ err }, 'running an action batch failed; it stays pending');
      }
      if (ran || this.stopping) continue;
      if (this.pendingWakes > 0) {
        this.pendingWakes -= 1;
        continue;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.sleepers = this.sleepers.filter((s) => s !== wakeUp);
          resolve();
        }, this.options.idleRecheckMs);
        const wakeUp = () => {
          clearTimeout(timer);
          resolve();
        };
        this.sleepers.push(wakeUp);
      });
    }
  }
}
