/**
 * Runs confirmed asynchronous action batches in the background, in every process sharing the database: each loop claims
 * a runnable batch nobody holds (FOR UPDATE SKIP LOCKED, held for the batch's whole transaction), so batches left by a
 * stopped process are simply taken by the next loop that looks. Organizations take turns: a loop takes the oldest batch
 * of the organization this runner served least recently. A batch whose run keeps throwing is retried after a back-off,
 * then settled as failed (see `executeBatch`). Also sweeps expired unconfirmed batches.
 */
import { Wakeup } from '../concurrency/wakeup.js';
import type { Db, Unlisten } from '../db/create-db.js';
import { ACTION_BATCH_CHANNEL } from '../db/channels.js';
import { executeBatch, type BatchEnv } from './execute-batch.js';
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

/** How long a loop pauses after the database failed it, in milliseconds. */
const ERROR_PAUSE_MS = 1_000;

/** Organizations remembered in the serving order; one served longer ago than that counts as never served. */
const SERVED_MEMORY = 1_000;

/** The default tuning. */
export const defaultBatchRunnerOptions: BatchRunnerOptions = { workers: 2, idleRecheckMs: 5_000, sweepIntervalMs: 60_000 };

/** The background runner; `start` it once, `wake` it after confirming a batch, `stop` it before closing the database. */
export class ActionBatchRunner {
  private stopping = false;
  private loops: Promise<void>[] = [];
  /** Remembers up to one wake per loop: with every loop busy, each wake that came makes a loop that finishes look again. */
  private readonly wakeup: Wakeup;
  private unlisten: Unlisten | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  /** Organizations by when a loop last claimed one of their batches, least recent first. */
  private served: string[] = [];
  /** Wakes set for batches waiting out a failure's back-off. */
  private readonly retryTimers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly db: Db,
    /** What running a batch needs. */
    private readonly env: BatchEnv,
    private readonly options: BatchRunnerOptions = defaultBatchRunnerOptions,
  ) {
    this.wakeup = new Wakeup({ remember: options.workers });
  }

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
    // Nobody asleep: every loop is busy and looks again when it finishes; the wake is remembered so none is lost.
    this.wakeup.wake();
  }

  /** Stops looking for batches and waits for the ones running to commit. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    for (const timer of this.retryTimers) clearTimeout(timer);
    this.wakeup.stop();
    await Promise.allSettled(this.loops);
    await this.unlisten?.();
  }

  /** Moves `organizationId` to the end of the serving order (claimed now). */
  private markServed(organizationId: string): void {
    const index = this.served.indexOf(organizationId);
    if (index >= 0) this.served.splice(index, 1);
    this.served.push(organizationId);
    if (this.served.length > SERVED_MEMORY) this.served.shift();
  }

  /** Wakes a loop when a batch's failure back-off ends (other processes find it at their idle recheck). */
  private wakeAt(at: Date): void {
    const timer = setTimeout(() => {
      this.retryTimers.delete(timer);
      this.wake();
    }, Math.max(0, at.getTime() - this.env.callbacks.now().getTime()) + 5);
    timer.unref();
    this.retryTimers.add(timer);
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      let ran = false;
      try {
        const row = await executeBatch(this.db, this.env, { next: true, servedLast: this.served }, (batch) => this.markServed(batch.organization_id));
        ran = row !== undefined;
        if (row?.status === 'pending' && row.next_attempt_at) this.wakeAt(row.next_attempt_at);
      } catch (err) {
        // The database failed the claim, or recording a failure: the batch stays pending, and this loop backs off.
        this.env.callbacks.logger.error({ err }, 'running an action batch failed; it stays pending');
        await this.wakeup.pause(ERROR_PAUSE_MS);
        continue;
      }
      if (ran || this.stopping) continue;
      // A wake remembered while this loop looked makes it look again at once.
      await this.wakeup.sleep(this.options.idleRecheckMs);
    }
  }
}
