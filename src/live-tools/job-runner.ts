/** Runs live tool jobs on their devices, concurrently and bounded, and hands each result to its callback. */
import type { Kysely } from 'kysely';
import type { CallbackContext } from '../callbacks/callback-context.js';
import { enqueuePayload } from '../callbacks/enqueue-payload.js';
import type { Database, LiveToolJobRow } from '../db/database.js';
import { ConcurrencyLimit } from '../delivery/concurrency-limit.js';
import { type DeviceDriver, DeviceUnreachableError, type LiveToolKind, type LiveToolParams } from '../devices/device-driver.js';
import { deviceFacts } from '../devices/device-facts.js';
import { storedResult, toLiveToolJob } from './live-tool-job.js';

/** How many jobs run at once, overall and per device. */
export interface JobRunnerOptions {
  /** Jobs in flight across all devices (default 64). */
  maxInFlight: number;
  /** Jobs in flight on one device (default 4); more wait their turn, so one device cannot take every slot. */
  maxPerDevice: number;
}

/** The default limits. */
export const defaultJobRunnerOptions: JobRunnerOptions = { maxInFlight: 64, maxPerDevice: 4 };

/** The error a job fails with when its device has not answered by the deadline (Meraki's wording). */
export const UNREACHABLE = new DeviceUnreachableError('').message;

/** What finishing a job writes: `complete` with the stored result, or `failed` with the error. */
type Outcome = { status: 'complete'; result: Record<string, unknown> } | { status: 'failed'; error: string };

/** Runs jobs with a driver; `submit` each new job after its transaction commits, `start` picks up what a previous run left. */
export class LiveToolRunner {
  private readonly overall: ConcurrencyLimit;
  private readonly perDevice = new Map<string, { limit: ConcurrencyLimit; users: number }>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly controllers = new Set<AbortController>();
  private stopped = false;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly callbacks: CallbackContext,
    /** The driver jobs run with (its `unsupportedReason` also answers the API's 400). */
    readonly driver: DeviceDriver,
    private readonly options: JobRunnerOptions = defaultJobRunnerOptions,
  ) {
    this.overall = new ConcurrencyLimit(options.maxInFlight);
  }

  /** Picks up every unfinished job (a restart's leftovers): those whose deadline passed while we were down fail at once. */
  async start(): Promise<void> {
    const rows = await this.db.selectFrom('live_tool_jobs').selectAll().where('status', 'not in', ['complete', 'failed']).orderBy('id').execute();
    for (const row of rows) this.submit(row);
  }

  /** Queues a job; it runs when its device and the runner have a free slot, and never past its deadline. */
  submit(job: LiveToolJobRow): void {
    if (this.stopped) return;
    const run = this.run(job).catch((err: unknown) => {
      // The job stays unfinished in the database; the next start picks it up again.
      this.callbacks.logger.error({ err, jobId: job.id }, 'live tool job could not be finished');
    });
    this.inFlight.add(run);
    void run.finally(() => this.inFlight.delete(run));
  }

  /** Stops taking jobs, abandons runs in flight (they stay unfinished, to be resumed on the next start) and waits for writes under way. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const controller of this.controllers) controller.abort(new Error('server stopping'));
    await Promise.allSettled([...this.inFlight]);
  }

  /** Jobs submitted and not yet finished (for tests and metrics). */
  get pending(): number {
    return this.inFlight.size;
  }

  private deviceLimit(serial: string): ConcurrencyLimit {
    let entry = this.perDevice.get(serial);
    if (!entry) {
      entry = { limit: new ConcurrencyLimit(this.options.maxPerDevice), users: 0 };
      this.perDevice.set(serial, entry);
    }
    entry.users += 1;
    return entry.limit;
  }

  private releaseDevice(serial: string): void {
    const entry = this.perDevice.get(serial);
    if (entry && --entry.users === 0) this.perDevice.delete(serial);
  }

  private async run(job: LiveToolJobRow): Promise<void> {
    const now = () => this.callbacks.now().getTime();
    if (job.deadline.getTime() <= now()) return this.finish(job, { status: 'failed', error: UNREACHABLE });
    const controller = new AbortController();
    this.controllers.add(controller);
    // The deadline covers the wait for a slot too: a job queued behind a slow device still fails on time.
    const timer = setTimeout(() => controller.abort(new DeviceUnreachableError(job.serial)), job.deadline.getTime() - now());
    const deviceSlot = this.deviceLimit(job.serial);
    let releaseDevice: (() => void) | undefined;
    let releaseOverall: (() => void) | undefined;
    let outcome: Outcome;
    try {
      // Device slot first: a job waiting on a busy device must not hold one of the overall slots.
      releaseDevice = await abortable(deviceSlot.acquire(), controller.signal);
      releaseOverall = await abortable(this.overall.acquire(), controller.signal);
      outcome = await this.execute(job, controller.signal);
    } catch (err) {
      if (this.stopped) return;
      outcome = { status: 'failed', error: err instanceof DeviceUnreachableError || controller.signal.aborted ? UNREACHABLE : errorMessage(err) };
    } finally {
      clearTimeout(timer);
      this.controllers.delete(controller);
      releaseOverall?.();
      releaseDevice?.();
      this.releaseDevice(job.serial);
    }
    // Stopping abandons the run: the job stays unfinished and the next start runs it again.
    if (this.stopped) return;
    await this.finish(job, outcome);
  }

  /** Marks the job running, then runs it on its device. */
  private async execute(job: LiveToolJobRow, signal: AbortSignal): Promise<Outcome> {
    const claimed = await this.db
      .updateTable('live_tool_jobs')
      .set({ status: 'running', started_at: this.callbacks.now() })
      .where('id', '=', job.id)
      .where('status', 'not in', ['complete', 'failed'])
      .returning('id')
      .executeTakeFirst();
    if (!claimed) throw new Error('job already finished');
    const rows = await this.db.selectFrom('devices').selectAll().where('network_id', '=', job.network_id).execute();
    const devices = rows.map(deviceFacts);
    const device = devices.find((d) => d.serial === job.serial);
    if (!device) return { status: 'failed', error: `Device ${job.serial} is no longer in network ${job.network_id}.` };
    const result = await this.driver.runLiveTool(device, job.kind as LiveToolKind, job.request as LiveToolParams, {
      signal,
      neighbours: devices,
      now: this.callbacks.now,
      random: Math.random,
    });
    return { status: 'complete', result: storedResult(result) };
  }

  /** In one transaction: stores the outcome and, when the job has a callback, queues the envelope carrying the job as `message`. */
  private async finish(job: LiveToolJobRow, outcome: Outcome): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const row = await trx
        .updateTable('live_tool_jobs')
        .set({
          status: outcome.status,
          result: outcome.status === 'complete' ? JSON.stringify(outcome.result) : null,
          error: outcome.status === 'failed' ? outcome.error : null,
          finished_at: this.callbacks.now(),
        })
        .where('id', '=', job.id)
        // Finishing twice (a duplicate submit) must not send a second callback.
        .where('status', 'not in', ['complete', 'failed'])
        .returningAll()
        .executeTakeFirst();
      if (!row?.callback_id) return;
      const names = await trx
        .selectFrom('networks')
        .innerJoin('organizations', 'organizations.id', 'networks.organization_id')
        .select(['networks.id as network_id', 'networks.name as network_name', 'organizations.id as organization_id', 'organizations.name as organization_name'])
        .where('networks.id', '=', row.network_id)
        .executeTakeFirstOrThrow();
      const envelope = {
        callbackId: row.callback_id,
        organization: { id: names.organization_id, name: names.organization_name },
        network: { id: names.network_id, name: names.network_name },
        sentAt: this.callbacks.now().toISOString(),
        message: toLiveToolJob(row),
      };
      await enqueuePayload(trx, this.callbacks, row.callback_id, envelope, `${row.kind} ${row.status}`);
    });
  }
}

/** Waits for `promise` unless `signal` aborts first (a slot granted after the abort is given straight back). */
async function abortable(promise: Promise<() => void>, signal: AbortSignal): Promise<() => void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    void promise.then((release) => {
      signal.removeEventListener('abort', onAbort);
      if (signal.aborted) release();
      else resolve(release);
    });
  });
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
