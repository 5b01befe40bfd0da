import { describe, expect, it } from 'vitest';
import { defaultRetryPolicy, nextStep, parseRetryAfter, parseSchedule } from '../../src/delivery/retry-policy.js';

const middle = () => 0.5; // no jitter
const low = () => 0; // -20%
const high = () => 0.999999; // +20%

describe('retry policy', () => {
  it('retries after 10 s, 30 s, 2 min, 10 min and 1 h, then gives up after 6 attempts', () => {
    const delays = [1, 2, 3, 4, 5].map((attempt) => nextStep({ kind: 'response', status: 500 }, attempt, defaultRetryPolicy, middle));
    expect(delays).toEqual([10_000, 30_000, 120_000, 600_000, 3_600_000].map((delayMs) => ({ action: 'retry', delayMs, reason: 'HTTP 500' })));
    expect(nextStep({ kind: 'response', status: 500 }, 6, defaultRetryPolicy, middle)).toEqual({
      action: 'give-up',
      reason: 'HTTP 500: no retries left after 6 attempts',
    });
  });

  it('spreads each delay by ±20%', () => {
    expect(nextStep({ kind: 'network', error: 'ECONNREFUSED' }, 1, defaultRetryPolicy, low)).toMatchObject({ delayMs: 8_000 });
    expect(nextStep({ kind: 'timeout', error: 'timed out' }, 1, defaultRetryPolicy, high)).toMatchObject({ delayMs: 12_000 });
  });

  it('is done on any 2xx', () => {
    for (const status of [200, 201, 202, 204, 299]) expect(nextStep({ kind: 'response', status }, 1, defaultRetryPolicy, middle)).toEqual({ action: 'done' });
  });

  it('stops at once on 410 and on 4xx other than 408 and 429', () => {
    expect(nextStep({ kind: 'response', status: 410 }, 1, defaultRetryPolicy, middle)).toEqual({ action: 'give-up', reason: 'HTTP 410: the receiver is gone' });
    for (const status of [400, 401, 403, 404, 413, 422]) {
      expect(nextStep({ kind: 'response', status }, 1, defaultRetryPolicy, middle)).toEqual({ action: 'give-up', reason: `HTTP ${status}: refused by the receiver` });
    }
    for (const status of [408, 429, 500, 502, 503, 504, 301]) expect(nextStep({ kind: 'response', status }, 1, defaultRetryPolicy, middle).action).toBe('retry');
  });

  it('stops at once when the destination guard refused the address, on the first attempt as on any', () => {
    const blocked = { kind: 'blocked', error: 'destination refused: 127.0.0.1 is a loopback address' } as const;
    for (const attempt of [1, 3]) {
      expect(nextStep(blocked, attempt, defaultRetryPolicy, middle)).toEqual({ action: 'give-up', reason: 'destination refused: 127.0.0.1 is a loopback address' });
    }
  });

  it('honours Retry-After on 429 and 503, within bounds', () => {
    expect(nextStep({ kind: 'response', status: 429, retryAfterSeconds: 42 }, 1, defaultRetryPolicy, middle)).toMatchObject({ delayMs: 42_000 });
    expect(nextStep({ kind: 'response', status: 503, retryAfterSeconds: 0 }, 1, defaultRetryPolicy, middle)).toMatchObject({ delayMs: 1_000 });
    expect(nextStep({ kind: 'response', status: 503, retryAfterSeconds: 86_400 }, 1, defaultRetryPolicy, middle)).toMatchObject({ delayMs: 3_600_000 });
    // Retry-After on a 500 is not a promise the receiver made: the schedule decides.
    expect(nextStep({ kind: 'response', status: 500, retryAfterSeconds: 42 }, 1, defaultRetryPolicy, middle)).toMatchObject({ delayMs: 10_000 });
    // It does not add attempts beyond the schedule.
    expect(nextStep({ kind: 'response', status: 429, retryAfterSeconds: 1 }, 6, defaultRetryPolicy, middle).action).toBe('give-up');
  });

  it('parses schedules and Retry-After headers', () => {
    expect(parseSchedule('10s,30s,2m,10m,1h')).toEqual([10_000, 30_000, 120_000, 600_000, 3_600_000]);
    expect(parseSchedule('250ms, 1.5s, 3')).toEqual([250, 1_500, 3_000]);
    expect(() => parseSchedule('10s,soon')).toThrow('"soon" is not a delay like 10s, 2m or 1h');
    const now = new Date('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:01:30 GMT', now)).toBe(90);
    expect(parseRetryAfter('whenever', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});
