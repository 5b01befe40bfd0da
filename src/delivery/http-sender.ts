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

/** Sends delivery requests; never throws for a remote failure (the outcome says what happened). */
export class HttpSender {
  private readonly agent: Agent;

  constructor(
    policy: DestinationPolicy,
    private readonly options: SenderOptions = defaultSenderOptions,
  ) {
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
    try {
      const target = new URL(url);
      const res = await this.agent.request({
        origin: target.origin,
        path: target.pathname + target.search,
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.timeout(this.options.totalTimeoutMs),
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
