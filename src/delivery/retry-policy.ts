/** The retry policy: one pure function from an attempt's outcome to what happens next. The schedule is data. */

/** What one HTTP attempt came to. */
export type AttemptOutcome =
  | { kind: 'response'; status: number; retryAfterSeconds?: number }
  | { kind: 'network'; error: string }
  | { kind: 'timeout'; error: string }
  /** The destination guard refused the address the request would have reached; nothing was sent. */
  | { kind: 'blocked'; error: string };

/** What to do after an attempt. */
export type NextStep =
  | { action: 'done' }
  | { action: 'retry'; delayMs: number; reason: string }
  | { action: 'give-up'; reason: string };

/** The retry schedule and its bounds. */
export interface RetryPolicy {
  /** Delays before each retry, in milliseconds (default 10 s, 30 s, 2 min, 10 min, 1 h: five retries, as AutoPi's). */
  scheduleMs: number[];
  /** Random spread around each delay, as a fraction (default 0.2, i.e. ±20%). */
  jitter: number;
  /** Shortest and longest wait a receiver's Retry-After may ask for, in milliseconds (default 1 s and 1 h). */
  retryAfterMinMs: number;
  retryAfterMaxMs: number;
}

/** The default policy (`RETRY_SCHEDULE` in the README, and the AutoPi seed's five retries). */
export const defaultRetryPolicy: RetryPolicy = {
  scheduleMs: [10_000, 30_000, 120_000, 600_000, 3_600_000],
  jitter: 0.2,
  retryAfterMinMs: 1_000,
  retryAfterMaxMs: 3_600_000,
};

/** Parses a schedule like `10s,30s,2m,10m,1h` (units ms, s, m, h; a bare number is seconds) into milliseconds. */
export function parseSchedule(text: string): number[] {
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, '': 1000 };
  return text.split(',').map((part) => {
    const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|)\s*$/.exec(part);
    if (!match) throw new Error(`"${part.trim()}" is not a delay like 10s, 2m or 1h`);
    return Math.round(Number(match[1]) * units[match[2]!]!);
  });
}

/** Describes an outcome for logs and the callback's errors. */
export function describeOutcome(outcome: AttemptOutcome): string {
  return outcome.kind === 'response' ? `HTTP ${outcome.status}` : outcome.error;
}

/**
 * Decides what follows attempt number `attempt` (1 for the first send).
 * @param random a number in [0, 1), injected so tests can pin the jitter
 */
export function nextStep(outcome: AttemptOutcome, attempt: number, policy: RetryPolicy, random: () => number): NextStep {
  const described = describeOutcome(outcome);
  // Configuration decides what may be reached, and it does not change between retries: the delivery fails at once.
  if (outcome.kind === 'blocked') return { action: 'give-up', reason: described };
  if (outcome.kind === 'response') {
    const { status } = outcome;
    if (status >= 200 && status < 300) return { action: 'done' };
    // 410 Gone: the receiver says this endpoint is gone for good.
    if (status === 410) return { action: 'give-up', reason: `${described}: the receiver is gone` };
    // Other 4xx mean the request itself is refused; sending the same bytes again cannot help (408 and 429 are about timing).
    if (status >= 400 && status < 500 && status !== 408 && status !== 429) {
      return { action: 'give-up', reason: `${described}: refused by the receiver` };
    }
  }
  const planned = policy.scheduleMs[attempt - 1];
  if (planned === undefined) return { action: 'give-up', reason: `${described}: no retries left after ${attempt} attempts` };
  if (outcome.kind === 'response' && (outcome.status === 429 || outcome.status === 503) && outcome.retryAfterSeconds !== undefined) {
    // The receiver said when; honour it within bounds so a huge value cannot park the delivery forever.
    const asked = outcome.retryAfterSeconds * 1000;
    return { action: 'retry', delayMs: Math.min(policy.retryAfterMaxMs, Math.max(policy.retryAfterMinMs, asked)), reason: described };
  }
  const spread = 1 + policy.jitter * (2 * random() - 1);
  return { action: 'retry', delayMs: Math.round(planned * spread), reason: described };
}

/** Reads a Retry-After header (seconds or an HTTP date) as whole seconds from `now`; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | string[] | undefined, now: Date): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (!text) return undefined;
  if (/^\d+$/.test(text.trim())) return Number(text.trim());
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now.getTime()) / 1000));
}
