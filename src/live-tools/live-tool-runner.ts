/** Runs live tool jobs on their devices, concurrently and bounded, under leases shared by every server on the database. */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Kysely } from 'kysely';
import type { CallbackContext } from '../callbacks/callback-context.js';
import { enqueuePayload } from '../callbacks/enqueue-payload.js';
import { LIVE_TOOLS_CHANNEL } from '../db/channels.js';
import type { Db, Unlisten } from '../db/create-db.js';
import { isDatabaseUnreachable, retryWhileUnreachable } from '../db/database-unreachable.js';
import type { Database, DeviceRow, LiveToolJobRow, LiveToolJobStatus } from '../db/database.js';
import { ConcurrencyLimit } from '../concurrency/concurrency-limit.js';
import { failCallbackUnsent, MAX_WORK_FAILURES, workFailureReason } from '../db/work-failures.js';
import { type DeviceDriver, type DeviceFacts, DeviceUnreachableError, type LiveToolKind, type LiveToolParams } from '../devices/device-driver.js';
import { deviceFacts } from '../devices/device-facts.js';
import { Batcher } from './batcher.js';
import { FairLimit } from '../concurrency/fair-limit.js';
import { Wakeup } from '../concurrency/wakeup.js';
import type { Metrics } from '../metrics.js';
import {
  claimDueJobs,
  claimJobs,
  markRunning,
  moveHeldJob,
  nextLeaseExpiry,
  recordJobFailure,
  releaseLeases,
  renewLeases,
  storeJobOutcome,
} from './live-tool-jobs.js';
import { storedResult, toLiveToolJob } from './live-tool-job.js';

/** How many jobs run at once, and how jobs are leased. */
export interface LiveToolRunnerOptions {
  /** Jobs in flight across all devices (default 64); a freed slot goes to the organization served least recently. */
  maxInFlight: number;
  /** Jobs in flight on one device (default 4); more wait their turn, so one device cannot take every slot. */
  maxPerDevice: number;
  /** How long a claim holds a job, in milliseconds; renewed every third of it while the job runs, so only a dead server's jobs are taken over (default 30,000). */
  leaseMs: number;
  /** Longest an idle runner waits before looking for unclaimed jobs again, in milliseconds; NOTIFY and expiring leases wake it sooner (default 5,000). */
  scanIntervalMs: number;
  /** Jobs claimed per scan query (default 100). */
  claimBatch: number;
}

/** The default limits. */
export const defaultLiveToolRunnerOptions: LiveToolRunnerOptions = { maxInFlight: 64, maxPerDevice: 4, leaseMs: 30_000, scanIntervalMs: 5_000, claimBatch: 100 };

/** The error a job fails with when its device has not answered by the deadline (Meraki's wording). */
export const UNREACHABLE = new DeviceUnreachableError('').message;

/** Shortest pause of an idle scan loop, in milliseconds, so a row locked by another claimer is not polled in a spin. */
const IDLE_FLOOR_MS = 50;

/** How long a network's devices, read for a run, serve later runs in that network, in milliseconds: under load one read serves many jobs. */
const DEVICES_TTL_MS = 1_000;

/** What finishing a job writes: `complete` with the stored result, or `failed` with the error. */
type Outcome = { status: 'complete'; result: Record<string, unknown> } | { status: 'failed'; error: string };

/** This runner no longer holds the job (its lease ran out and another server claimed it): the run is dropped without a word. */
class LeaseLostError extends Error {
  override name = 'LeaseLostError';
}

/**
 * Runs jobs with a driver. A job is claimed under a lease before it runs: by the server that created it right after its
 * transaction commits (`claimNew`), or by any server's scan (woken by NOTIFY, by a lease running out, or periodically)
 * when no live runner holds it. Finishing is conditional on still holding the lease, so each job gets one callback.
 */
export class LiveToolRunner {
  /** This runner's name in `lease_owner` (and the payload of its NOTIFYs, which it ignores itself). */
  readonly owner = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  private readonly options: LiveToolRunnerOptions;
  private readonly overall: FairLimit;
  private readonly perDevice = new Map<string, { limit: ConcurrencyLimit; users: number }>();
  /** Jobs this runner holds, with the controller that abandons or times out each run. */
  private readonly held = new Map<string, AbortController>();
  private readonly runs = new Set<Promise<void>>();
  private stopped = false;
  private stopping: Promise<void> | undefined;
  private loop: Promise<void> | undefined;
  private unlisten: Unlisten | undefined;
  private renewTimer: NodeJS.Timeout | undefined;
  private renewing = false;
  private readonly wakeup = new Wakeup();
  /** Claims of this server's new jobs, batched: the row when claimed, undefined when another runner has it. */
  private readonly claims: Batcher<string, LiveToolJobRow | undefined>;
  /** `running` transitions, batched: whether the job was still ours to start. */
  private readonly starts: Batcher<string, boolean>;
  private readonly networkDevices = new Map<string, { until: number; devices: Promise<DeviceFacts[]> }>();

  constructor(
    private readonly db: Db,
    private readonly callbacks: CallbackContext,
    /** The driver jobs run with. */
    private readonly driver: DeviceDriver,
    options: Partial<LiveToolRunnerOptions> = {},
    /** Counts finished jobs (`boomerang_live_tool_jobs_total`); tests may leave it out. */
    private readonly metrics?: Metrics,
  ) {
    this.options = { ...defaultLiveToolRunnerOptions, ...options };
    this.overall = new FairLimit(this.options.maxInFlight);
    this.claims = new Batcher(async (ids) => {
      const rows = new Map((await claimJobs(this.db, this.owner, this.options.leaseMs, ids)).map((row) => [row.id, row]));
      return (id) => rows.get(id);
    }, this.options.claimBatch);
    this.starts = new Batcher(async (ids) => {
      const started = await markRunning(this.db, this.owner, ids, this.callbacks.now());
      return (id) => started.has(id);
    }, this.options.claimBatch);
  }

  /** Listens for new jobs, claims every job no live runner holds (a restart's leftovers, a dead server's jobs), and keeps looking. */
  async start(): Promise<void> {
    // Our own NOTIFYs are for the other servers: we claim our new jobs on the fast path.
    this.unlisten = await this.db.listen(LIVE_TOOLS_CHANNEL, (payload) => payload !== this.owner && this.wake());
    this.renewTimer = setInterval(() => void this.renew(), Math.max(10, Math.floor(this.options.leaseMs / 3)));
    this.renewTimer.unref();
    await this.scan().catch((err: unknown) => this.callbacks.logger.error({ err }, 'claiming live tool jobs failed'));
    this.loop = this.scanLoop();
  }

  /**
   * Claims and runs a job this server just created (after its transaction committed), unless another runner got there
   * first. Jobs created while a claim is under way are claimed together next, so a burst costs a few queries, not one each.
   */
  claimNew(id: string): void {
    if (this.stopped) return;
    this.claims.add(id).then(
      (row) => row && this.track(row),
      (err: unknown) => {
        // Unclaimed, it waits for a scan: ours, woken now, or another server's.
        this.callbacks.logger.error({ err, jobId: id }, 'claiming a new live tool job failed');
        this.wake();
      },
    );
  }

  /** Wakes the scan loop: jobs may be claimable. */
  wake(): void {
    this.wakeup.wake();
  }

  /**
   * Stops claiming, abandons runs in flight, waits for writes under way, and hands back the jobs it held (with a NOTIFY)
   * so another server runs them at once, or this one after a restart.
   */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.stopped = true;
      clearInterval(this.renewTimer);
      this.wakeup.stop();
      for (const controller of this.held.values()) controller.abort(new Error('server stopping'));
      await Promise.allSettled([...this.runs, this.loop]);
      await this.unlisten?.();
      try {
        await releaseLeases(this.db, this.owner);
      } catch (err) {
        // Not lost: the leases run out and another server, or the next start, claims the jobs.
        this.callbacks.logger.warn({ err }, 'handing back live tool jobs failed');
      }
    })();
    return this.stopping;
  }

  /** Jobs this runner holds and has not finished (for tests and metrics). */
  get pending(): number {
    return this.held.size;
  }

  private async scanLoop(): Promise<void> {
    while (!this.stopped) {
      // This scan sees whatever earlier wakes announced.
      this.wakeup.clear();
      let claimed: number;
      try {
        claimed = await this.scan();
      } catch (err) {
        if (this.stopped) return;
        this.callbacks.logger.error({ err }, 'claiming live tool jobs failed');
        await this.wakeup.pause(1000);
        continue;
      }
      // A full batch suggests more are waiting.
      if (claimed < this.options.claimBatch) await this.idle();
    }
  }

  /** Claims one batch of jobs no live runner holds and starts them; returns how many. */
  private async scan(): Promise<number> {
    if (this.stopped) return 0;
    const rows = await claimDueJobs(this.db, this.owner, this.options.leaseMs, this.options.claimBatch);
    for (const row of rows) this.track(row);
    return rows.length;
  }

  /** Sleeps until woken, until another runner's lease runs out (a take-over), or for `scanIntervalMs` at most. */
  private async idle(): Promise<void> {
    if (this.wakeup.pending || this.stopped) return;
    let delay = this.options.scanIntervalMs;
    try {
      const until = await nextLeaseExpiry(this.db, this.owner);
      // The process clock, not the injected one (which tests may pin): this is how long to sleep until a lease time.
      if (until) delay = Math.max(IDLE_FLOOR_MS, Math.min(delay, until.getTime() - Date.now() + 5));
    } catch {
      // Look again after the usual pause.
    }
    // A wake that came during the query ends the sleep at once.
    await this.wakeup.sleep(delay);
  }

  /** Renews the leases of the jobs held; a job whose lease was taken over meanwhile is abandoned here (its new owner runs it). */
  private async renew(): Promise<void> {
    if (this.renewing || this.stopped || this.held.size === 0) return;
    this.renewing = true;
    // Only jobs held before the query can be judged by it: one claimed while it runs may not show yet.
    const before = [...this.held.keys()];
    try {
      const kept = await renewLeases(this.db, this.owner, this.options.leaseMs);
      for (const id of before) if (!kept.has(id)) this.held.get(id)?.abort(new LeaseLostError(`job ${id} was taken over`));
    } catch (err) {
      // Retried at the next tick, well before the lease runs out.
      this.callbacks.logger.warn({ err }, 'renewing live tool job leases failed');
    } finally {
      this.renewing = false;
    }
  }

  /** Starts a claimed job; it runs when its device and the runner have a free slot, and never past its deadline. */
  private track(job: LiveToolJobRow): void {
    if (this.stopped || this.held.has(job.id)) return;
    const controller = new AbortController();
    this.held.set(job.id, controller);
    const run = this.run(job, controller)
      .catch((err: unknown) => this.recordFailure(job, err))
      .catch((err: unknown) => {
        // Not even the failure could be written: the job stays under our lease, and a scan claims it again when it runs out.
        this.callbacks.logger.error({ err, jobId: job.id }, 'live tool job could not be finished, nor its failure recorded');
      })
      .finally(() => {
        this.held.delete(job.id);
        this.runs.delete(run);
      });
    this.runs.add(run);
  }

  /**
   * Counts a run that threw for no reason of its device (finishing it failed, say): the job is handed back to wait out
   * a back-off in `leased_until`, after which any runner claims it and runs it again; at the MAX_WORK_FAILURES-th
   * failure it is settled `failed` with the error instead and its callback failed unsent. Plain updates, which cannot
   * fail the way finishing did.
   */
  private async recordFailure(job: LiveToolJobRow, err: unknown): Promise<void> {
    // An unreachable database is no fault of the job: it stays under our lease, and is claimed again when that runs out.
    if (isDatabaseUnreachable(err) || this.stopped) throw err;
    const reason = workFailureReason(err);
    const error = `The job could not be finished (${MAX_WORK_FAILURES} attempts): ${reason}`;
    const now = this.callbacks.now();
    const status = await this.db.transaction().execute(async (trx) => {
      const row = await recordJobFailure(trx, this.owner, job.id, reason, error, now);
      if (!row) return undefined;
      if (row.status === 'failed') {
        this.callbacks.logger.error({ err, jobId: job.id, failures: row.failures }, 'live tool job kept failing; settled as failed');
        if (row.callback_id) await failCallbackUnsent(trx, row.callback_id, `not sent: ${error}`);
      } else {
        this.callbacks.logger.warn({ err, jobId: job.id, failures: row.failures }, 'live tool job could not be finished; it will be run again');
      }
      return row.status;
    });
    if (status === 'failed') this.metrics?.liveToolJobs.inc({ tool: job.kind, outcome: 'failed' });
    // The idle scan then sleeps until the back-off ends (the first lease to run out).
    else if (status !== undefined) this.wake();
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

  /** Runs a claimed (`scheduled`) job: `ready` once its device is free, `running` once a runner slot is too, then finished. */
  private async run(job: LiveToolJobRow, controller: AbortController): Promise<void> {
    const now = () => this.callbacks.now().getTime();
    // Its deadline passed while no runner held it (every server was down, or its own died): it fails at once.
    if (job.deadline.getTime() <= now()) return this.finish(job, { status: 'failed', error: UNREACHABLE });
    // The deadline covers the wait for a slot too: a job queued behind a slow device still fails on time.
    const timer = setTimeout(() => controller.abort(new DeviceUnreachableError(job.serial)), job.deadline.getTime() - now());
    const { signal } = controller;
    const deviceSlot = this.deviceLimit(job.serial);
    let releaseDevice: (() => void) | undefined;
    let releaseOverall: (() => void) | undefined;
    let outcome: Outcome;
    try {
      // Device slot first: a job waiting on a busy device must not hold one of the overall slots.
      releaseDevice = await abortable(deviceSlot.acquire(), signal);
      releaseOverall = this.overall.tryAcquire(job.organization_id);
      if (!releaseOverall) {
        // Its device is free but every runner slot is taken. (With a slot free at once, `ready` lasts no time and is not written.)
        await this.setStatus(job, 'scheduled', 'ready');
        releaseOverall = await abortable(this.overall.acquire(job.organization_id), signal);
      }
      outcome = await this.execute(job, signal);
    } catch (err) {
      if (this.stopped || err instanceof LeaseLostError || signal.reason instanceof LeaseLostError) return;
      outcome = { status: 'failed', error: err instanceof DeviceUnreachableError || signal.aborted ? UNREACHABLE : errorMessage(err) };
    } finally {
      clearTimeout(timer);
      releaseOverall?.();
      releaseDevice?.();
      this.releaseDevice(job.serial);
    }
    // Stopping abandons the run (the job is handed back); a lost lease leaves the job to its new owner.
    if (this.stopped || signal.reason instanceof LeaseLostError) return;
    // A run that finished during a database outage is written once the database is back (the write is conditional on
    // the lease, so a late one never makes a second callback), rather than run again, perhaps past its deadline.
    await retryWhileUnreachable(() => this.finish(job, outcome), () => !this.stopped);
  }

  /** Moves a held job from `from` to `to`; throws LeaseLostError when the job is no longer ours. */
  private async setStatus(job: LiveToolJobRow, from: LiveToolJobStatus, to: LiveToolJobStatus): Promise<void> {
    if (!(await moveHeldJob(this.db, this.owner, job.id, from, to))) throw new LeaseLostError(`job ${job.id} is no longer held`);
  }

  /** Marks the job running, then runs it on its device. */
  private async execute(job: LiveToolJobRow, signal: AbortSignal): Promise<Outcome> {
    if (!(await this.starts.add(job.id))) throw new LeaseLostError(`job ${job.id} is no longer held`);
    const devices = await this.devicesOf(job.network_id);
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

  /** The devices of a network (the job's device and its neighbours), read at most once per DEVICES_TTL_MS. */
  private devicesOf(networkId: string): Promise<DeviceFacts[]> {
    const cached = this.networkDevices.get(networkId);
    // A cache's age is real time, whatever the injected clock says.
    if (cached && cached.until > Date.now()) return cached.devices;
    const devices = this.db
      .selectFrom('devices')
      .selectAll()
      .where('network_id', '=', networkId)
      .execute()
      .then((rows: DeviceRow[]) => rows.map(deviceFacts));
    // A failed read is not kept.
    devices.catch(() => this.networkDevices.delete(networkId));
    if (this.networkDevices.size > 10_000) this.networkDevices.clear();
    this.networkDevices.set(networkId, { until: Date.now() + DEVICES_TTL_MS, devices });
    return devices;
  }

  /**
   * In one transaction: stores the outcome and, when the job has a callback, queues the envelope carrying the job as
   * `message`. Only while this runner still holds the job: a runner whose lease was taken over writes nothing, so the
   * job's one callback comes from whoever finishes it.
   */
  private async finish(job: LiveToolJobRow, outcome: Outcome): Promise<void> {
    // One instant for both: the envelope's `sentAt` is when the job finished (the benchmark times receipt from it).
    const finishedAt = this.callbacks.now();
    const store = async (q: Kysely<Database>) => {
      const row = await storeJobOutcome(q, this.owner, job.id, outcome, finishedAt);
      if (!row) this.callbacks.logger.info({ jobId: job.id }, 'live tool job was taken over by another server; its result is dropped');
      return row;
    };
    const count = () => this.metrics?.liveToolJobs.inc({ tool: job.kind, outcome: outcome.status });
    // Without a callback the job's one statement needs no transaction of its own.
    if (!job.callback_id) {
      if (await store(this.db)) count();
      return;
    }
    const stored = await this.db.transaction().execute(async (trx) => {
      const row = await store(trx);
      if (!row?.callback_id) return row !== undefined;
      const { network_name, organization_name, ...stored } = row;
      const envelope = {
        callbackId: row.callback_id,
        organization: { id: row.organization_id, name: organization_name ?? '' },
        network: { id: row.network_id, name: network_name ?? '' },
        sentAt: finishedAt.toISOString(),
        message: toLiveToolJob(stored),
      };
      await enqueuePayload(trx, this.callbacks, row.callback_id, envelope, `${row.kind} ${row.status}`);
      return true;
    });
    // Counted once committed: a finish that rolled back is run again.
    if (stored) count();
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
