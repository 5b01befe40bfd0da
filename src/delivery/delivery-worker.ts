/** The delivery worker: claims due deliveries, signs and sends them with bounded concurrency, and records what happened. */
import { createHmac } from 'node:crypto';
import pRetry from 'p-retry';
import type { CallbackContext } from '../callbacks/callback-context.js';
import { DELIVERY_CHANNEL } from '../callbacks/enqueue-payload.js';
import type { Db, Unlisten } from '../db/create-db.js';
import { isDatabaseUnreachable } from '../db/database-unreachable.js';
import { workFailureReason } from '../db/work-failures.js';
import { claimDeliveries, nextDueAt, type ClaimedDelivery } from './claim-deliveries.js';
import { ConcurrencyLimit } from './concurrency-limit.js';
import type { DeliveryMetrics } from './delivery-metrics.js';
import type { HttpSender, SendResult } from './http-sender.js';
import { abandonDeliveries, recordOutcomes, type AttemptRecord } from './record-outcomes.js';
import { nextStep, type RetryPolicy } from './retry-policy.js';

/** Worker tuning. */
export interface WorkerOptions {
  /** Deliveries claimed per query (default 200). */
  batchSize: number;
  /** Claim loops running at once (default 4 on Postgres, 1 on PGlite, which has one connection). */
  claimers: number;
  /** How long a claim is held, in milliseconds; longer than a request can take, so only a dead worker's claims expire (default 60,000). */
  leaseMs: number;
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

/** Standard Webhooks `webhook-signature`: `v1,` + Base64 HMAC-SHA256 of `id.timestamp.body` keyed with the secret's UTF-8 bytes. */
export function standardWebhookSignature(secret: string, webhookId: string, timestamp: number, body: string): string {
  // node:crypto rather than the standardwebhooks package's pure-JS hash: same bytes, far cheaper on the hot path (the tests verify with the package).
  return `v1,${createHmac('sha256', Buffer.from(secret, 'utf8')).update(`${webhookId}.${timestamp}.${body}`).digest('base64')}`;
}

/** Header values must be Latin-1 on the wire; UTF-8 text from templates is passed as its bytes. */
function wireValue(value: string): string {
  return /^[\x20-\x7e]*$/.test(value) ? value : Buffer.from(value, 'utf8').toString('latin1');
}

/** Shortest idle pause when nothing could be claimed, in milliseconds; NOTIFY still wakes a loop at once. */
const IDLE_FLOOR_MS = 50;

/** Runs the claim loops until stopped. */
export class DeliveryWorker {
  private stopping = false;
  private loops: Promise<void>[] = [];
  private unlisten: Unlisten | undefined;
  private wakeRequested = false;
  private sleepers: (() => void)[] = [];
  private readonly overall: ConcurrencyLimit;
  private readonly perHost = new Map<string, ConcurrencyLimit>();
  /** Recently opened secrets by ciphertext: a burst of deliveries often shares one HTTP server's secret. */
  private readonly openedSecrets = new Map<string, string>();

  constructor(
    private readonly db: Db,
    private readonly ctx: CallbackContext,
    private readonly sender: HttpSender,
    private readonly options: WorkerOptions,
    private readonly metrics?: DeliveryMetrics,
  ) {
    this.overall = new ConcurrencyLimit(options.maxInFlight);
  }

  /** Listens for new deliveries and starts the loops. */
  async start(): Promise<void> {
    this.unlisten = await this.db.listen(DELIVERY_CHANNEL, () => this.wake());
    for (let i = 0; i < this.options.claimers; i += 1) this.loops.push(this.loop());
  }

  /**
   * Wakes one idle loop (new work may be due). One is enough for a NOTIFY: a loop that then finds a full batch wakes
   * the next, so loops join in as the backlog grows instead of all racing for every single row.
   */
  wake(): void {
    this.wakeRequested = true;
    this.sleepers.shift()?.();
  }

  /** Stops claiming, lets in-flight requests finish and be recorded, then returns. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const wake of this.sleepers.splice(0)) wake();
    await Promise.all(this.loops);
    await this.unlisten?.();
  }

  private async loop(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      this.wakeRequested = false;
      let claimed: ClaimedDelivery[];
      const claimedAt = Date.now();
      try {
        // Transient database errors (a dropped connection) are retried in memory; the schedule itself lives in the rows.
        claimed = await pRetry(() => claimDeliveries(this.db, this.options.batchSize, this.options.leaseMs), { retries: 3, minTimeout: 100 });
      } catch (err) {
        if (this.stopping) return;
        failures += 1;
        // An outage: back off (1 s, 2 s, 4 s, then every 5 s) and keep going; the LISTEN reconnect wakes a loop once the database is back.
        if (failures === 1 || !isDatabaseUnreachable(err)) this.ctx.logger.error({ err, failures }, 'claiming deliveries failed');
        await this.sleep(Math.min(5_000, 1_000 * 2 ** (failures - 1)));
        continue;
      }
      if (failures > 0) this.ctx.logger.info({ failures }, 'claiming deliveries works again');
      failures = 0;
      if (claimed.length === 0) {
        await this.idle();
        continue;
      }
      // A full batch suggests a backlog: bring another loop in.
      if (claimed.length === this.options.batchSize) this.sleepers.shift()?.();
      const records = await Promise.all(claimed.map((delivery) => this.attempt(delivery)));
      await this.record(records, claimedAt);
      for (const r of records) {
        this.metrics?.deliveries.inc({ outcome: r.step.action === 'done' ? 'delivered' : r.step.action === 'retry' ? 'retried' : 'failed' });
        if (r.step.action === 'give-up') this.ctx.logger.warn({ deliveryId: r.delivery.id, url: r.delivery.url, reason: r.step.reason }, 'delivery abandoned');
      }
    }
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
        maxRetryTime: Math.max(0, claimedAt + this.options.leaseMs - 5_000 - Date.now()),
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

  /** Sleeps until woken, or until the next delivery is due (at most `idleRecheckMs`). */
  private async idle(): Promise<void> {
    if (this.wakeRequested || this.stopping) return;
    let delay = this.options.idleRecheckMs;
    try {
      const due = await nextDueAt(this.db);
      // Work due now that this loop could not claim waits behind an older payload of its callback: look again shortly, not at once.
      if (due) delay = Math.max(IDLE_FLOOR_MS, Math.min(delay, due.getTime() - Date.now()));
    } catch {
      // Look again after the usual pause.
    }
    if (this.wakeRequested || this.stopping) return;
    await this.sleep(delay);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        // A loop that woke by itself must leave the queue, or a later wake() would go to it and be lost.
        const index = this.sleepers.indexOf(done);
        if (index >= 0) this.sleepers.splice(index, 1);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.sleepers.push(done);
    });
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

  private async attempt(delivery: ClaimedDelivery): Promise<AttemptRecord> {
    let host: ConcurrencyLimit;
    let headers: { own: Record<string, string>; template: Record<string, string> };
    const sentAt = this.ctx.now();
    try {
      host = this.hostLimit(delivery.url);
      headers = this.headersFor(delivery, sentAt);
    } catch (err) {
      // The request cannot even be built (a stored URL that does not parse, a secret that no longer decrypts): no
      // retry would fare better, so the delivery is abandoned at once with the reason, never thrown at the loop.
      const error = `could not be attempted: ${workFailureReason(err)}`;
      const sent: SendResult = { outcome: { kind: 'network', error }, responseCode: null, durationMs: 0 };
      return { delivery, sent, step: { action: 'give-up', reason: error }, sentAt, now: this.ctx.now() };
    }
    const releaseOverall = await this.overall.acquire();
    const releaseHost = await host.acquire();
    let sent: SendResult;
    try {
      sent = await this.sender.send(delivery.url, headers.own, delivery.body, { templateHeaders: headers.template, now: this.ctx.now });
    } catch (err) {
      // The sender never throws for a remote failure: only our own bug gets here, recorded as a failed attempt, never thrown.
      sent = { outcome: { kind: 'network', error: `could not send: ${workFailureReason(err)}` }, responseCode: null, durationMs: 0 };
    } finally {
      releaseHost();
      releaseOverall();
    }
    this.metrics?.attempts.inc();
    this.metrics?.attemptDuration.observe(sent.durationMs / 1000);
    const step = nextStep(sent.outcome, delivery.attempts + 1, this.options.retryPolicy, this.options.random);
    return { delivery, sent, step, sentAt, now: this.ctx.now() };
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
    const own: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': this.options.userAgent,
      'webhook-id': delivery.webhook_id,
      'webhook-timestamp': String(timestamp),
    };
    if (delivery.signing === 'standard-webhooks' && delivery.secret_ciphertext) {
      const secret = this.openSecret(delivery.secret_ciphertext);
      own['webhook-signature'] = standardWebhookSignature(secret, delivery.webhook_id, timestamp, delivery.body);
    }
    // An AutoPi delivery stores the server's own X-Request-Signature; any other stores what its template rendered.
    if (delivery.signing === 'request-signature') return { own: { ...delivery.headers, ...own }, template: {} };
    const template: Record<string, string> = {};
    for (const [name, value] of Object.entries(delivery.headers)) template[name] = wireValue(value);
    return { own, template };
  }
}
