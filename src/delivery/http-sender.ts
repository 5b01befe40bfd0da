/** Outbound HTTP for deliveries: one undici Agent (keep-alive pools per origin), guarded connects, timeouts, no redirects. */
import { isIP } from 'node:net';
import { Agent, buildConnector, type Dispatcher, errors as undiciErrors } from 'undici';
import {
  addressRefusal,
  ALLOW_HINT,
  connectRefusal,
  DestinationError,
  guardedLookup,
  isAllowedHost,
  isLoopbackHost,
  isOwnInbox,
  isOwnOrigin,
  urlPort,
  type DestinationPolicy,
} from '../callbacks/destination-guard.js';
import { parseRetryAfter, type AttemptOutcome } from './retry-policy.js';
import { SERVER_HEADERS } from './server-headers.js';

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

/** What else a request may carry: headers its payload template rendered, and the clock for Retry-After dates. */
export interface SendOptions {
  /** Header values from the payload template; one that names a header the server sets is dropped, whatever its case. */
  templateHeaders?: Record<string, string>;
  now?: () => Date;
}

/** A request in flight and when it must be given up. */
interface Deadline {
  at: number;
  abort(reason: Error): void;
}

/** Sends delivery requests; never throws for a remote failure (the outcome says what happened). */
export class HttpSender {
  private readonly agent: Agent;
  /**
   * Total timeouts, enforced by one coarse timer over the requests in flight rather than a timer and an AbortSignal
   * per request (`AbortSignal.timeout` alone costs 8 µs a request here and leaves a 15 s timer behind each).
   */
  private readonly deadlines = new Set<Deadline>();
  private deadlineTimer: NodeJS.Timeout | undefined;
  private readonly tickMs: number;
  /** Parsed callback URLs: a burst of deliveries mostly goes to a few. */
  private readonly targets = new Map<string, { origin: string; path: string }>();

  constructor(
    private readonly policy: DestinationPolicy,
    private readonly options: SenderOptions = defaultSenderOptions,
  ) {
    // A tenth of the timeout (at most 250 ms) late at worst.
    this.tickMs = Math.max(10, Math.min(250, Math.floor(options.totalTimeoutMs / 10)));
    this.agent = new Agent({
      connect: guardedConnector(policy, options.connectTimeoutMs),
      connections: options.connectionsPerOrigin,
      keepAliveTimeout: 30_000,
      headersTimeout: options.totalTimeoutMs,
      bodyTimeout: options.totalTimeoutMs,
      // No redirect interceptor is composed, so a 3xx is an answer, not followed: the callback URL is the only place a payload may go.
    });
  }

  /**
   * POSTs `body` to `url` with the server's own `headers` and the template's. Uses undici's handler interface rather
   * than `request()`: the answer's body is only counted and dropped, so no stream is built for it, and aborting needs no AbortSignal.
   */
  send(url: string, headers: Record<string, string>, body: string, options: SendOptions = {}): Promise<SendResult> {
    const now = options.now ?? (() => new Date());
    const started = performance.now();
    const duration = () => Math.round(performance.now() - started);
    let target: { origin: string; path: string };
    try {
      target = this.target(url);
    } catch (err) {
      return Promise.resolve({ outcome: classify(err), responseCode: null, durationMs: 0 });
    }
    const { maxResponseBytes } = this.options;
    return new Promise<SendResult>((resolve) => {
      let controller: Dispatcher.DispatchController | undefined;
      let abortReason: Error | undefined;
      let status = 0;
      let retryAfter: string | string[] | undefined;
      let received = 0;
      let done = false;
      const deadline: Deadline = {
        at: started + this.options.totalTimeoutMs,
        abort: (reason) => {
          abortReason = reason;
          // A request still queued for a connection has no controller yet: it is answered now and aborted when it starts.
          if (controller) controller.abort(reason);
          else finish({ outcome: classify(reason), responseCode: null, durationMs: duration() });
        },
      };
      const answered = (): SendResult => {
        const retryAfterSeconds = parseRetryAfter(retryAfter, now());
        return {
          outcome: { kind: 'response', status, ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}) },
          responseCode: status,
          durationMs: duration(),
        };
      };
      const finish = (result: SendResult) => {
        if (done) return;
        done = true;
        this.untrack(deadline);
        resolve(result);
      };
      this.track(deadline);
      const handler: Dispatcher.DispatchHandler = {
        onRequestStart: (c) => {
          controller = c;
          if (abortReason) c.abort(abortReason);
        },
        onResponseStart: (_c, statusCode, responseHeaders) => {
          status = statusCode;
          retryAfter = responseHeaders['retry-after'];
        },
        onResponseData: (c, chunk) => {
          received += chunk.length;
          // The status is what counts; a receiver that keeps talking past the cap is cut off (the answer stands).
          if (received > maxResponseBytes) c.abort(new Error('response body over the cap'));
        },
        onResponseEnd: () => finish(answered()),
        // After the status line, a body cut short (by the cap, the deadline or the receiver) still leaves the answer.
        onResponseError: (_c, err) => finish(status ? answered() : { outcome: classify(err), responseCode: null, durationMs: duration() }),
      };
      try {
        const wire = wireHeaders(headers, options.templateHeaders);
        this.agent.dispatch({ origin: target.origin, path: target.path, method: 'POST', headers: wire, body }, handler);
      } catch (err) {
        finish({ outcome: classify(err), responseCode: null, durationMs: duration() });
      }
    });
  }

  /** Closes idle connections and waits for in-flight requests. */
  async close(): Promise<void> {
    await this.agent.close();
  }

  private target(url: string): { origin: string; path: string } {
    let target = this.targets.get(url);
    if (!target) {
      const parsed = new URL(url);
      const host = parsed.hostname.replace(/^\[|\]$/g, '');
      // The connector lets connections to this server's own loopback address through for its inboxes; connections
      // are pooled per origin, so the path is what keeps every other endpoint of the server out of reach.
      if (isOwnOrigin(host, urlPort(parsed), this.policy) && !isOwnInbox(parsed, this.policy) && !isAllowedHost(host, this.policy)) {
        throw new DestinationError(`${parsed.host} is this server; only its callback inboxes (/inbox/TOKEN) may be reached there`);
      }
      target = { origin: parsed.origin, path: parsed.pathname + parsed.search };
      if (this.targets.size >= 1000) this.targets.clear();
      this.targets.set(url, target);
    }
    return target;
  }

  private track(deadline: Deadline): void {
    this.deadlines.add(deadline);
    if (this.deadlineTimer) return;
    this.deadlineTimer = setInterval(() => {
      const now = performance.now();
      for (const d of this.deadlines) {
        if (d.at <= now) d.abort(new DOMException(`no answer within ${this.options.totalTimeoutMs} ms`, 'TimeoutError'));
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
}

/**
 * Connects through undici's own connector, checking the address each new connection really dials against `policy`.
 * Names are checked by the guarded lookup, whose answer is what the socket dials (no second resolution to rebind);
 * sockets never look up an IP literal, so literals are checked here before dialling. The peer of every connection
 * made is checked once more, so no path around these two can reach a refused address unnoticed.
 */
function guardedConnector(policy: DestinationPolicy, timeoutMs: number): buildConnector.connector {
  const connect = buildConnector({ timeout: timeoutMs, lookup: guardedLookup(policy) });
  // This server's own inboxes live on loopback, which the guarded lookup refuses: its address is dialled plainly, and
  // the peer must still be loopback (send() has already refused every other path on it).
  const connectOwn = buildConnector({ timeout: timeoutMs });
  return (options, callback) => {
    const { hostname } = options;
    const bare = hostname.replace(/^\[|\]$/g, '');
    const port = Number(options.port) || (options.protocol === 'https:' ? 443 : 80);
    if (isOwnOrigin(bare, port, policy)) {
      return connectOwn(options, (...[err, socket]) => {
        if (err) return callback(err, null);
        const peer = socket.remoteAddress ?? '';
        if (!isLoopbackHost(peer)) {
          socket.destroy();
          return callback(new DestinationError(`${hostname} connected to ${peer}, which is not this server's loopback address`), null);
        }
        callback(null, socket);
      });
    }
    if (isIP(hostname)) {
      const refused = connectRefusal(hostname, hostname, policy);
      if (refused) return callback(refused, null);
    }
    connect(options, (...[err, socket]) => {
      if (err) return callback(err, null);
      const peer = socket.remoteAddress ?? '';
      const why = isAllowedHost(hostname, policy) ? undefined : addressRefusal(peer);
      if (why !== undefined) {
        socket.destroy();
        return callback(new DestinationError(`${hostname} connected to ${peer} (${why}), a blocked address`), null);
      }
      callback(null, socket);
    });
  };
}

/**
 * The headers sent: the template's, then the server's own over them, all in lower case so that no two names differ
 * only in case. A template header naming one the server sets is dropped even if the server does not set it on this
 * request (templates saved before that rule was enforced at save time must not forge one either).
 */
function wireHeaders(own: Record<string, string>, templated: Record<string, string> | undefined): Record<string, string> {
  const wire: Record<string, string> = {};
  if (templated) {
    for (const [name, value] of Object.entries(templated)) {
      const lower = name.toLowerCase();
      if (!SERVER_HEADERS.has(lower)) wire[lower] = value;
    }
  }
  for (const [name, value] of Object.entries(own)) wire[name.toLowerCase()] = value;
  return wire;
}

/** Maps a request error to a blocked, network or timeout outcome with a readable message. */
function classify(err: unknown): AttemptOutcome {
  const e = err as { name?: string; code?: string; message?: string; cause?: { code?: string; message?: string } };
  if (err instanceof DestinationError || e.cause instanceof DestinationError) {
    const refused = err instanceof DestinationError ? err : (e.cause as DestinationError);
    return { kind: 'blocked', error: `destination refused: ${refused.message}; ${ALLOW_HINT}` };
  }
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
