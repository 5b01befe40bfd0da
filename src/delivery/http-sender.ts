/** Outbound HTTP for deliveries: one undici Agent (keep-alive pools per origin), guarded lookups, timeouts, no redirects. */
import { Agent, errors as undiciErrors } from 'undici';
import { guardedLookup, type DestinationPolicy } from '../callbacks/destination-guard.js';
import { parseRetryAfter, type AttemptOutcome } from './retry-policy.js';

/** Timeouts and limits of outbound requests. */
export interface SenderOptions {
  /** TCP/TLS connect timeout, in milliseconds (default 5,000). */
  connectTimeoutMs: number;
  /** Whole-request timeout, in milliseconds (default 15,000). */
  totalTimeoutMs: number;
  /** Connections kept per destination origin (default 64). */
  connectionsPerOrigin: number;
  /** How much of a response body is read before the rest is discarded, in bytes (default 64 KiB). */
  maxResponseBytes: number;
}

/** Default sender options. */
export const defaultSenderOptions: SenderOptions = {
  connectTimeoutMs: 5_000,
  totalTimeoutMs: 15_000,
  connectionsPerOrigin: 64,
  maxResponseBytes: 64 * 1024,
};

/** One request's result: the outcome for the retry policy, and what the webhook log records. */
export interface SendResult {
  outcome: AttemptOutcome;
  responseCode: number | null;
  durationMs: number;
}

/** A request in flight and when it must be given up. */
interface Deadline {
  at: number;
  controller: AbortController;
}

/** Sends delivery requests; never throws for a remote failure (the outcome says what happened). */
export class HttpSender {
  private readonly agent: Agent;
  /**
   * Total timeouts, enforced by one coarse timer over the requests in flight rather than a timer per request:
   * `AbortSignal.timeout` costs 8 µs a request here and leaves a 15 s timer behind each, a twentieth of a delivery's CPU.
   */
  private readonly deadlines = new Set<Deadline>();
  private deadlineTimer: NodeJS.Timeout | undefined;
  private readonly tickMs: number;

  constructor(
    policy: DestinationPolicy,
    private readonly options: SenderOptions = defaultSenderOptions,
  ) {
    // A tenth of the timeout (at most 250 ms) late at worst.
    this.tickMs = Math.max(10, Math.min(250, Math.floor(options.totalTimeoutMs / 10)));
    this.agent = new Agent({
      connect: { timeout: options.connectTimeoutMs, lookup: guardedLookup(policy) },
      connections: options.connectionsPerOrigin,
      keepAliveTimeout: 30_000,
      headersTimeout: options.totalTimeoutMs,
      bodyTimeout: options.totalTimeoutMs,
      // No redirect interceptor is composed, so a 3xx is an answer, not followed: the callback URL is the only place a payload may go.
    });
  }

  /** POSTs `body` to `url` with `headers`. */
  async send(url: string, headers: Record<string, string>, body: string, now: () => Date = () => new Date()): Promise<SendResult> {
    const started = performance.now();
    const duration = () => Math.round(performance.now() - started);
    const deadline: Deadline = { at: started + this.options.totalTimeoutMs, controller: new AbortController() };
    this.track(deadline);
    try {
      const target = new URL(url);
      const res = await this.agent.request({
        origin: target.origin,
        path: target.pathname + target.search,
        method: 'POST',
        headers,
        body,
        signal: deadline.controller.signal,
      });
      // Read (and discard) at most a small part of the answer; a receiver cannot make us buffer megabytes.
      await res.body.dump({ limit: this.options.maxResponseBytes }).catch(() => {});
      const retryAfterSeconds = parseRetryAfter(res.headers['retry-after'], now());
      return {
        outcome: { kind: 'response', status: res.statusCode, ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}) },
        responseCode: res.statusCode,
        durationMs: duration(),
      };
    } catch (err) {
      return { outcome: classify(err), responseCode: null, durationMs: duration() };
    } finally {
      this.untrack(deadline);
    }
  }

  private track(deadline: Deadline): void {
    this.deadlines.add(deadline);
    if (this.deadlineTimer) return;
    this.deadlineTimer = setInterval(() => {
      const now = performance.now();
      for (const d of this.deadlines) {
        if (d.at <= now) d.controller.abort(new DOMException(`no answer within ${this.options.totalTimeoutMs} ms`, 'TimeoutError'));
      }
    }, this.tickMs);
    this.deadlineTimer.unref();
  }

  private untrack(deadline: Deadline): void {
    this.deadlines.delete(deadline);
    if (this.deadlines.size === 0 && this.deadlineTimer) {
      clearInterval(this.deadlineTimer);
      this.deadlineTimer = undefined;
    }
  }

  /** Closes idle connections and waits for in-flight requests. */
  async close(): Promise<void> {
    await this.agent.close();
  }
}

/** Maps a request error to a network or timeout outcome with a readable message. */
function classify(err: unknown): AttemptOutcome {
  const e = err as { name?: string; code?: string; message?: string; cause?: { code?: string; message?: string } };
  if (
    e.name === 'TimeoutError' ||
    e.name === 'AbortError' ||
    err instanceof undiciErrors.HeadersTimeoutError ||
    err instanceof undiciErrors.BodyTimeoutError ||
    err instanceof undiciErrors.ConnectTimeoutError
  ) {
    return { kind: 'timeout', error: `timed out: ${e.message ?? e.name}` };
  }
  const code = e.code ?? e.cause?.code;
  return { kind: 'network', error: `network error${code ? ` ${code}` : ''}: ${e.message ?? String(err)}` };
}
