/** The delivery worker: claims due deliveries, signs and sends them with bounded concurrency, and records what happened. */
import pRetry from 'p-retry';
import type { CallbackContext } from '../callbacks/callback-context.js';
import { standardWebhookHeaders } from '../callbacks/signing.js';
import { DELIVERY_CHANNEL } from '../db/channels.js';
import type { Db, Unlisten } from '../db/create-db.js';
import { isDatabaseUnreachable } from '../db/database-unreachable.js';
import { workFailureReason } from '../db/work-failures.js';
import { claimDeliveries, nextDueAt, releaseDeliveries, type ClaimedDelivery } from './claim-deliveries.js';
import { ClaimShares } from './claim-shares.js';
import { ConcurrencyLimit } from '../concurrency/concurrency-limit.js';
import { Wakeup } from '../concurrency/wakeup.js';
import type { Metrics } from '../metrics.js';
import type { HttpSender, SendResult } from './http-sender.js';
import { abandonDeliveries, recordOutcomes, type AttemptRecord } from './record-outcomes.js';
import { nextStep, type AttemptOutcome, type RetryPolicy } from './retry-policy.js';

/** Worker tuning. */
export interface WorkerOptions {
  /** Deliveries claimed per query (default 400). */
  batchSize: number;
  /** Claim loops running at once (default 4 on Postgres, 1 on PGlite, which has one connection). */
  claimers: number;
  /** How long a claim is held, in milliseconds: how long a dead worker's claims wait before other workers take them over. */
  leaseMs: number;
  /** Longest one attempt can take, in milliseconds (the callback timeout): a delivery is sent only while its lease has that much left. */
  attemptMs: number;
  /** Deliveries claimed and not yet sent, at most (default 2,048). */
  maxClaimed: number;
  /** Claimed deliveries of one organization from which claims skip it (default 512), so no organization holds the worker. */
  maxClaimedPerOrganization: number;
  /** Requests in flight overall (default 256). */
  maxInFlight: number;
  /** Requests in flight per destination host (default 64). */
  maxInFlightPerHost: number;
  /** Longest an idle worker sleeps before looking again, in milliseconds, for leases expiring elsewhere (default 5,000). */
  idleRecheckMs: number;
  retryPolicy: RetryPolicy;
  /** `User-Agent` of every request. */
  userAgent: string;
  random: () => number;
}

/** Header values must be Latin-1 on the wire; UTF-8 text from templates is passed as its bytes. */
function wireValue(value: string): string {
  return /^[\x20-\x7e]*$/.test(value) ? value : Buffer.from(value, 'utf8').toString('latin1');
}

/** An attempt's status class for the metrics: `2xx` … `5xx` for an answer, `error` when none came. */
function statusClass(outcome: AttemptOutcome): string {
  return outcome.kind === 'response' ? `${Math.floor(outcome.status / 100)}xx` : 'error';
}

/** The host (and port) of a delivery URL, for logs; a URL that does not parse is abandoned unsent, and logged as such. */
function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '(unparsable URL)';
  }
}

/** Shortest idle pause when nothing could be claimed, in milliseconds; NOTIFY still wakes a loop at once. */
const IDLE_FLOOR_MS = 50;

/** Outcomes recorded together at least, unless they waited `GROUP_WAIT_MS` for more. */
const MIN_GROUP = 200;
/** Longest an outcome waits for others to be recorded with, in milliseconds. */
const GROUP_WAIT_MS = 10;

/** Time kept at the end of a lease for recording the outcome, in milliseconds. */
const RECORD_MARGIN_MS = 5_000;

/** What became of a claimed delivery: an attempt to record, or given back unsent because its lease was running out. */
type Attempted = { kind: 'attempt'; record: AttemptRecord; claimedAt: number } | { kind: 'released'; delivery: ClaimedDelivery };

/**
 * Runs the claim loops until stopped. A loop claims, starts the batch's requests and claims again while there is room,
 * without waiting for them: outcomes are recorded in groups as they come in. Each organization holds at most its
 * share of what is claimed, so a backlog to a slow receiver is sent at that receiver's pace while every other
 * organization's deliveries are claimed and sent beside it.
 */
export class DeliveryWorker {
  private stopping = false;
  private loops: Promise<void>[] = [];
  private unlisten: Unlisten | undefined;
  private readonly wakeup = new Wakeup();
  private readonly overall: ConcurrencyLimit;
  private readonly perHost = new Map<string, ConcurrencyLimit>();
  private readonly shares: ClaimShares;
  /**
   * The organizations skipped when a claim last came back short: every other organization had no claimable work then.
   * While every one of them is still skipped, looking again would find nothing, so loops sleep instead of claiming on
   * every share freed and taken again. Null once anything may have changed that (new work, a recorded outcome, time).
   */
  private idleOutside: Set<string> | null = null;
  /** When a delivery outside `idleOutside` becomes due, as it was when that was set. */
  private idleDue: Date | null = null;
  /** Bumped by every event that clears `idleOutside`, so a claim that raced one does not set it back. */
  private epoch = 0;
  private readonly sending = new Set<Promise<void>>();
  private readonly toRecord: Extract<Attempted, { kind: 'attempt' }>[] = [];
  private readonly toRelease: ClaimedDelivery[] = [];
  private recorder: Promise<void> | undefined;
  private groupTimer: NodeJS.Timeout | undefined;
  /** Recently opened secrets by ciphertext: a burst of deliveries often shares one HTTP server's secret. */
  private readonly openedSecrets = new Map<string, string>();

  constructor(
    private readonly db: Db,
    private readonly ctx: CallbackContext,
    private readonly sender: HttpSender,
    private readonly options: WorkerOptions,
    private readonly metrics?: Metrics,
  ) {
    this.overall = new ConcurrencyLimit(options.maxInFlight);
    this.shares = new ClaimShares(options.maxClaimedPerOrganization, options.maxClaimed);
  }

  /** Listens for new deliveries and starts the loops. */
  async start(): Promise<void> {
    this.unlisten = await this.db.listen(DELIVERY_CHANNEL, (organizationId) => {
      // New work of an organization already holding its share changes nothing until that share frees up.
      if (organizationId !== '' && this.shares.isFull(organizationId)) return;
      this.changed(organizationId === '' ? null : organizationId);
      this.wake();
    });
    for (let i = 0; i < this.options.claimers; i += 1) this.loops.push(this.loop());
  }

  /**
   * Wakes one idle loop (new work may be due). One is enough for a NOTIFY: a loop that then finds a full batch wakes
   * the next, so loops join in as the backlog grows instead of all racing for every single row.
   */
  wake(): void {
    this.wakeup.wake();
  }

  /** Stops claiming, lets in-flight requests finish and be recorded, then returns. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wakeup.stop();
    await Promise.all(this.loops);
    while (this.sending.size > 0) await Promise.all(this.sending);
    this.startRecorder();
    while (this.recorder) await this.recorder;
    await this.unlisten?.();
  }

  /** Something happened that may have made work of `organizationId` (null: of anyone) claimable. */
  private changed(organizationId: string | null): void {
    if (this.idleOutside === null) return;
    if (organizationId !== null && this.idleOutside.has(organizationId)) return;
    this.idleOutside = null;
    this.epoch += 1;
  }

  private async loop(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      // This look sees whatever earlier wakes announced.
      this.wakeup.clear();
      const limit = Math.min(this.options.batchSize, this.shares.room());
      if (limit === 0) {
        // Everything claimable is claimed: a request finishing wakes a loop.
        await this.wakeup.sleep(this.options.idleRecheckMs);
        continue;
      }
      const skip = this.shares.full();
      if (this.idleOutside && [...this.idleOutside].every((id) => skip.includes(id))) {
        await this.idle();
        continue;
      }
      const epoch = this.epoch;
      const claimedAt = Date.now();
      this.shares.book(limit);
      let claimed: ClaimedDelivery[];
      try {
        // Transient database errors (a dropped connection) are retried in memory; the schedule itself lives in the rows.
        claimed = await pRetry(() => claimDeliveries(this.db, limit, this.options.leaseMs, skip), { retries: 3, minTimeout: 100 });
      } catch (err) {
        this.shares.settle(limit, []);
        if (this.stopping) return;
        failures += 1;
        // An outage: back off (1 s, 2 s, 4 s, then every 5 s) and keep going; the LISTEN reconnect wakes a loop once the database is back.
        if (failures === 1 || !isDatabaseUnreachable(err)) this.ctx.logger.error({ err, failures }, 'claiming deliveries failed');
        await this.wakeup.pause(Math.min(5_000, 1_000 * 2 ** (failures - 1)));
        continue;
      }
      if (failures > 0) this.ctx.logger.info({ failures }, 'claiming deliveries works again');
      failures = 0;
      this.shares.settle(limit, claimed.map((d) => d.organization_id));
      for (const delivery of claimed) this.send(delivery, claimedAt);
      if (claimed.length === limit) {
        // A full batch suggests a backlog: bring another loop in. (With none asleep, the wake this remembers is
        // forgotten at once by this loop, which claims again.)
        this.wakeup.wake();
        continue;
      }
      if (epoch === this.epoch) {
        this.idleOutside = new Set(skip);
        try {
          this.idleDue = await nextDueAt(this.db, skip);
        } catch {
          this.idleDue = null;
        }
      }
      await this.idle();
    }
  }

  /** Starts one claimed delivery's attempt; its outcome joins the next group recorded. */
  private send(delivery: ClaimedDelivery, claimedAt: number): void {
    const sending = this.attempt(delivery, claimedAt)
      .catch((err): Attempted => {
        // attempt() turns every failure into an outcome; should it ever throw, the delivery goes back unsent.
        this.ctx.logger.error({ err, deliveryId: delivery.id }, 'attempting a delivery failed');
        return { kind: 'released', delivery };
      })
      .then((attempted) => {
        this.sending.delete(sending);
        const freed = this.shares.release(delivery.organization_id);
        if (attempted.kind === 'released') this.toRelease.push(delivery);
        else this.toRecord.push(attempted);
        this.startRecorder();
        if (freed.organizationFreed || freed.roomFreed) this.wake();
      });
    this.sending.add(sending);
  }

  /**
   * Records what has come in, in groups, one group at a time: what finishes while a group is written joins the next,
   * so a busy worker writes a few large groups (measured: faster than several small ones at once, each transaction
   * costing about the same whatever its size), and a lone outcome waits at most `GROUP_WAIT_MS`.
   */
  private startRecorder(force = false): void {
    if (this.recorder || (this.toRecord.length === 0 && this.toRelease.length === 0)) return;
    if (!force && !this.stopping && this.toRecord.length < MIN_GROUP) {
      // A few outcomes wait a moment for more: recording costs about the same for one outcome as for a hundred.
      this.groupTimer ??= setTimeout(() => {
        this.groupTimer = undefined;
        this.startRecorder(true);
      }, GROUP_WAIT_MS);
      return;
    }
    clearTimeout(this.groupTimer);
    this.groupTimer = undefined;
    this.recorder = this.drain().finally(() => {
      this.recorder = undefined;
      // Outcomes that came in while this recorder was finishing.
      this.startRecorder();
    });
  }

  private async drain(): Promise<void> {
    while (this.toRecord.length > 0 || this.toRelease.length > 0) {
      const released = this.toRelease.splice(0);
      if (released.length > 0) {
        try {
          await releaseDeliveries(this.db, released.map((d) => d.id));
        } catch (err) {
          // Their leases run out and they are claimed again.
          this.ctx.logger.warn({ err, deliveries: released.length }, 'giving back unsent deliveries failed');
        }
        for (const d of released) this.changed(d.organization_id);
      }
      const group = this.toRecord.splice(0, this.options.batchSize);
      if (group.length === 0) continue;
      const records = group.map((a) => a.record);
      await this.record(records, Math.min(...group.map((a) => a.claimedAt)));
      for (const r of records) {
        this.metrics?.deliveries.inc({ outcome: r.step.action === 'done' ? 'delivered' : r.step.action === 'retry' ? 'retried' : 'failed' });
        this.logOutcome(r);
        // A recorded outcome can make the next payload of its callback claimable.
        this.changed(r.delivery.organization_id);
      }
      if (this.idleOutside === null) this.wake();
    }
  }

  /**
   * One line per recorded attempt: info, or warn when the delivery is abandoned. The host only, never the URL, whose
   * path or query may carry a receiver's token. `errorKind`, not `error`: pino-pretty would print an `error` field as an
   * error object, on lines of its own. Skipped before any work when the level is off: the worker records
   * thousands of outcomes a second.
   */
  private logOutcome({ delivery, sent, step }: AttemptRecord): void {
    const level = step.action === 'give-up' ? 'warn' : 'info';
    if (!this.ctx.logger.isLevelEnabled(level)) return;
    const { outcome } = sent;
    this.ctx.logger[level](
      {
        callbackId: delivery.callback_id,
        deliveryId: delivery.id,
        host: hostOf(delivery.url),
        ...(outcome.kind === 'response' ? { status: outcome.status } : { errorKind: outcome.kind }),
        durationMs: sent.durationMs,
        attempt: delivery.attempts + 1,
        retry: step.action === 'retry',
        ...(step.action === 'retry' ? { retryInMs: step.delayMs } : step.action === 'give-up' ? { reason: step.reason } : {}),
      },
      step.action === 'done' ? 'delivered' : step.action === 'retry' ? 'delivery attempt failed; will retry' : 'delivery abandoned',
    );
  }

  /**
   * Records a batch of attempts. When the batch cannot be recorded (after retries), each attempt is recorded alone, so
   * that one delivery whose record fails (a poisoned row) is abandoned with the reason instead of taking the batch
   * with it and being sent again, with the others, every time the leases run out.
   */
  private async record(records: AttemptRecord[], claimedAt: number): Promise<void> {
    try {
      await pRetry(() => recordOutcomes(this.db, records), {
        retries: 1_000,
        minTimeout: 100,
        maxTimeout: 2_000,
        // While the database is unreachable the outcomes are held and retried until shortly before the lease runs out:
        // written once it is back, rather than every delivery of the batch sent a second time.
        maxRetryTime: Math.max(0, claimedAt + this.options.leaseMs - RECORD_MARGIN_MS - Date.now()),
        shouldRetry: ({ error, attemptNumber }) => !this.stopping && (attemptNumber <= 5 || isDatabaseUnreachable(error)),
      });
      return;
    } catch (err) {
      // Unreachable: the leases will expire and the deliveries be sent again: at-least-once, never lost.
      if (isDatabaseUnreachable(err) || records.length === 0) {
        this.ctx.logger.error({ err, deliveries: records.length }, 'recording delivery outcomes failed');
        return;
      }
      if (records.length > 1) this.ctx.logger.warn({ err, deliveries: records.length }, 'recording delivery outcomes failed; recording them one by one');
    }
    for (const record of records) {
      try {
        await recordOutcomes(this.db, [record]);
      } catch (err) {
        if (isDatabaseUnreachable(err)) {
          this.ctx.logger.error({ err, deliveryId: record.delivery.id }, 'recording a delivery outcome failed');
          continue;
        }
        const reason = `its outcome could not be recorded: ${workFailureReason(err)}`;
        try {
          await abandonDeliveries(this.db, [{ id: record.delivery.id, callbackId: record.delivery.callback_id, reason }]);
          this.ctx.logger.error({ err, deliveryId: record.delivery.id }, 'delivery abandoned: its outcome could not be recorded');
        } catch (abandonErr) {
          // Its lease runs out and it is sent again.
          this.ctx.logger.error({ err: abandonErr, deliveryId: record.delivery.id }, 'abandoning a delivery failed');
        }
      }
    }
  }

  /** Sleeps until woken, or until the next delivery outside the skipped organizations is due (at most `idleRecheckMs`). */
  private async idle(): Promise<void> {
    if (this.wakeup.pending || this.stopping) return;
    let delay = this.options.idleRecheckMs;
    // Work due now that this loop could not claim waits behind an older payload of its callback: look again shortly, not at once.
    if (this.idleDue) delay = Math.max(IDLE_FLOOR_MS, Math.min(delay, this.idleDue.getTime() - Date.now()));
    const woken = await this.wakeup.sleep(delay);
    // Time passed: retries came due, leases held elsewhere ran out.
    if (!woken) this.changed(null);
  }

  private hostLimit(url: string): ConcurrencyLimit {
    const host = new URL(url).host;
    let limit = this.perHost.get(host);
    if (!limit) {
      limit = new ConcurrencyLimit(this.options.maxInFlightPerHost);
      this.perHost.set(host, limit);
    }
    return limit;
  }

  private async attempt(delivery: ClaimedDelivery, claimedAt: number): Promise<Attempted> {
    let host: ConcurrencyLimit;
    try {
      host = this.hostLimit(delivery.url);
    } catch (err) {
      return this.unattemptable(delivery, claimedAt, err);
    }
    // The host's slot first: a delivery waiting for its busy host must not hold one of the slots every host shares.
    const releaseHost = await host.acquire();
    const releaseOverall = await this.overall.acquire();
    try {
      // One that waited so long that its lease could run out before it is answered and recorded is given back unsent,
      // never sent while another worker may claim it too.
      if (Date.now() + this.options.attemptMs + RECORD_MARGIN_MS > claimedAt + this.options.leaseMs) return { kind: 'released', delivery };
      const sentAt = this.ctx.now();
      let headers: { own: Record<string, string>; template: Record<string, string> };
      try {
        // Signed now, not at claim time: the timestamp is the send's.
        headers = this.headersFor(delivery, sentAt);
      } catch (err) {
        return this.unattemptable(delivery, claimedAt, err);
      }
      let sent: SendResult;
      try {
        sent = await this.sender.send(delivery.url, headers.own, delivery.body, { templateHeaders: headers.template, now: this.ctx.now });
      } catch (err) {
        // The sender never throws for a remote failure: only our own bug gets here, recorded as a failed attempt, never thrown.
        sent = { outcome: { kind: 'network', error: `could not send: ${workFailureReason(err)}` }, responseCode: null, durationMs: 0 };
      }
      this.metrics?.deliveryAttempts.inc({ status_class: statusClass(sent.outcome) });
      this.metrics?.attemptDuration.observe(sent.durationMs / 1000);
      const step = nextStep(sent.outcome, delivery.attempts + 1, this.options.retryPolicy, this.options.random);
      return { kind: 'attempt', record: { delivery, sent, step, sentAt, now: this.ctx.now() }, claimedAt };
    } finally {
      releaseOverall();
      releaseHost();
    }
  }

  /**
   * The request cannot even be built (a stored URL that does not parse, a secret that no longer decrypts): no retry
   * would fare better, so the delivery is abandoned at once with the reason, never thrown at the loop.
   */
  private unattemptable(delivery: ClaimedDelivery, claimedAt: number, err: unknown): Attempted {
    const error = `could not be attempted: ${workFailureReason(err)}`;
    const sent: SendResult = { outcome: { kind: 'network', error }, responseCode: null, durationMs: 0 };
    const now = this.ctx.now();
    return { kind: 'attempt', record: { delivery, sent, step: { action: 'give-up', reason: error }, sentAt: now, now }, claimedAt };
  }

  private openSecret(sealed: string): string {
    let secret = this.openedSecrets.get(sealed);
    if (secret === undefined) {
      secret = this.ctx.secrets.open(sealed);
      // Bounded: the cache only saves work within bursts, so dropping it all now and then costs little.
      if (this.openedSecrets.size >= 1000) this.openedSecrets.clear();
      this.openedSecrets.set(sealed, secret);
    }
    return secret;
  }

  /** The server's own headers, and the template's (which the sender never lets set or shadow the server's). */
  private headersFor(delivery: ClaimedDelivery, sentAt: Date): { own: Record<string, string>; template: Record<string, string> } {
    const timestamp = Math.floor(sentAt.getTime() / 1000);
    const secret = delivery.signing === 'standard-webhooks' && delivery.secret_ciphertext ? this.openSecret(delivery.secret_ciphertext) : undefined;
    const own: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': this.options.userAgent,
      ...standardWebhookHeaders(delivery.webhook_id, timestamp, delivery.body, secret),
    };
    // An AutoPi delivery stores the server's own X-Request-Signature; any other stores what its template rendered.
    if (delivery.signing === 'request-signature') return { own: { ...delivery.headers, ...own }, template: {} };
    const template: Record<string, string> = {};
    for (const [name, value] of Object.entries(delivery.headers)) template[name] = wireValue(value);
    return { own, template };
  }
}
