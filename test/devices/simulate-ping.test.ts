import { describe, expect, it } from 'vitest';
import { externalPathLatencyMs, simulatePing } from '../../src/devices/simulate-ping.js';
import { schemaErrors } from '../support/job-schemas.js';
import { scriptedRandom, seededRandom } from '../support/seeded-random.js';

const decimals = (n: number) => (String(n).split('.')[1] ?? '').length;

describe('simulatePing', () => {
  it('computes each reply from the random draws: loss first, then jitter', () => {
    // Loss 40%: a draw of 0.5 keeps the packet (50 ≥ 40), 0.1 loses it (10 < 40); jitter = (2·draw − 1)·jitterMs.
    const random = scriptedRandom([0.5, 0.75, 0.1, 0.9, 0.0]);
    const results = simulatePing({ latencyMs: 10, jitterMs: 2, lossPercent: 40 }, 3, random);
    expect(results).toEqual({
      sent: 3,
      received: 2,
      loss: { percentage: 33.333 },
      latencies: { minimum: 8, average: 9.5, maximum: 11 },
      replies: [
        { sequenceId: 1, size: 64, latency: 11 },
        { sequenceId: 3, size: 64, latency: 8 },
      ],
    });
    expect(schemaErrors('PingResults', results)).toEqual([]);
  });

  it('without loss, every packet answers within latency ± jitter, rounded to 3 decimals', () => {
    const random = seededRandom(1);
    for (let run = 0; run < 200; run++) {
      const results = simulatePing({ latencyMs: 12, jitterMs: 3, lossPercent: 0 }, 5, random);
      expect(results.sent).toBe(5);
      expect(results.received).toBe(5);
      expect(results.loss.percentage).toBe(0);
      expect(results.replies.map((r) => r.sequenceId)).toEqual([1, 2, 3, 4, 5]);
      const latencies = results.replies.map((r) => r.latency);
      for (const latency of latencies) {
        expect(latency).toBeGreaterThanOrEqual(9);
        expect(latency).toBeLessThanOrEqual(15);
        expect(decimals(latency)).toBeLessThanOrEqual(3);
      }
      expect(results.latencies.minimum).toBe(Math.min(...latencies));
      expect(results.latencies.maximum).toBe(Math.max(...latencies));
      expect(results.latencies.average).toBeCloseTo(latencies.reduce((a, b) => a + b) / 5, 3);
      expect(schemaErrors('PingResults', results)).toEqual([]);
    }
  });

  it('loses about lossPercent of the packets, and the mean latency is the behaviour latency', () => {
    const random = seededRandom(42);
    let sent = 0;
    let received = 0;
    let latencySum = 0;
    for (let run = 0; run < 4000; run++) {
      const results = simulatePing({ latencyMs: 35, jitterMs: 10, lossPercent: 30 }, 5, random);
      sent += results.sent;
      received += results.received;
      expect(results.loss.percentage).toBeCloseTo((100 * (results.sent - results.received)) / results.sent, 3);
      expect(results.replies).toHaveLength(results.received);
      latencySum += results.replies.reduce((sum, r) => sum + r.latency, 0);
    }
    expect(100 * (1 - received / sent)).toBeGreaterThan(28.5);
    expect(100 * (1 - received / sent)).toBeLessThan(31.5);
    expect(latencySum / received).toBeGreaterThan(34.7);
    expect(latencySum / received).toBeLessThan(35.3);
  });

  it('when every packet is lost: 100% loss, no replies and null latencies (the schema: "null when no reply was received")', () => {
    const results = simulatePing({ latencyMs: 5, jitterMs: 1, lossPercent: 100 }, 4, seededRandom(7));
    expect(results).toEqual({
      sent: 4,
      received: 0,
      loss: { percentage: 100 },
      latencies: { minimum: null, average: null, maximum: null },
      replies: [],
    });
    expect(schemaErrors('PingResults', results)).toEqual([]);
  });

  it('never reports a negative latency when jitter exceeds latency', () => {
    const results = simulatePing({ latencyMs: 1, jitterMs: 5, lossPercent: 0 }, 5, scriptedRandom([0, 0, 0, 0, 0, 0, 0, 0, 0, 0]));
    expect(results.replies.map((r) => r.latency)).toEqual([0, 0, 0, 0, 0]);
  });
});

describe('externalPathLatencyMs', () => {
  it('is 5–40 ms, the same for the same target (any case), different for different targets', () => {
    const targets = ['8.8.8.8', '1.1.1.1', 'meraki.com', 'example.org', '2001:4860:4860::8888', '75.75.75.75'];
    const values = targets.map(externalPathLatencyMs);
    for (const value of values) {
      expect(value).toBeGreaterThanOrEqual(5);
      expect(value).toBeLessThanOrEqual(40);
    }
    expect(new Set(values).size).toBe(targets.length);
    expect(externalPathLatencyMs('Meraki.COM')).toBe(externalPathLatencyMs('meraki.com'));
  });
});
