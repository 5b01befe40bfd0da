/** Simulated ping statistics, built packet by packet from a device's behaviour. */
import type { PingResults } from '../../generated/client/types.gen.js';
import { stableHash } from './stable-hash.js';

/** How the path to the pinged host behaves. */
export interface PingPath {
  /** Mean round-trip time, in milliseconds. */
  latencyMs: number;
  /** Each reply's round-trip time is `latencyMs` ± up to this many milliseconds, uniformly. */
  jitterMs: number;
  /** Chance that a packet is lost, 0–100. */
  lossPercent: number;
}

/** Size of each echo reply, in bytes (ping's default 56-byte payload plus the 8-byte ICMP header). */
export const pingReplySize = 64;

/** Rounds to 3 decimals, the precision ping prints. */
function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}

/**
 * Sends `count` echo requests (sequence ids 1…count) over `path`; for each one `random` decides first whether it is lost,
 * then (if not) its jitter. When every packet is lost the latencies are null, as the schema says ("null when no reply was received").
 */
export function simulatePing(path: PingPath, count: number, random: () => number): PingResults {
  const replies: PingResults['replies'] = [];
  for (let sequenceId = 1; sequenceId <= count; sequenceId++) {
    const lost = random() * 100 < path.lossPercent;
    if (lost) continue;
    const jitter = (random() * 2 - 1) * path.jitterMs;
    replies.push({ sequenceId, size: pingReplySize, latency: round3(Math.max(0, path.latencyMs + jitter)) });
  }
  const latencies = replies.map((reply) => reply.latency);
  return {
    sent: count,
    received: replies.length,
    loss: { percentage: round3((100 * (count - replies.length)) / count) },
    latencies:
      latencies.length === 0
        ? { minimum: null, average: null, maximum: null }
        : {
            minimum: Math.min(...latencies),
            average: round3(latencies.reduce((sum, latency) => sum + latency, 0) / latencies.length),
            maximum: Math.max(...latencies),
          },
    replies,
  };
}

/** Extra round-trip time beyond the device's own link to reach an outside `target`, 5–40 ms, the same for the same target (case-insensitive). */
export function externalPathLatencyMs(target: string): number {
  return 5 + (stableHash(target.trim().toLowerCase()) % 3501) / 100;
}
