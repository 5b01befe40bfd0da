/** Simulated cable tests: each port of each switch always shows the same cable. */
import type { CableTestResults } from './device-driver.js';
import { stableHash } from './stable-hash.js';

type PortResult = CableTestResults[number];
type Pair = PortResult['pairs'][number];

/** Ports assumed when the model name carries no port count (default 24). */
export const defaultPortCount = 24;

/** Number of access ports of a switch model, from its name (`MS120-8LP` → 8, `MS225-48FP` → 48; default 24). */
export function switchPortCount(model: string): number {
  const match = /^[a-z0-9]+-(\d+)/i.exec(model.trim());
  const count = match ? Number(match[1]) : NaN;
  return Number.isInteger(count) && count > 0 ? count : defaultPortCount;
}

const pairIndexes = [0, 1, 2, 3] as const;

/**
 * The result of testing `port` of a switch; a pure function of (serial, port, model):
 * about 70% of ports are up at 1000 Mbps and 5% at 100 Mbps, all four pairs ok and within a metre of each other;
 * about 13% are down with nothing plugged in (every pair open at 0 m) and 12% down on a damaged cable (one pair open where it breaks);
 * a port the model does not have gets status `error`.
 */
export function simulateCablePort(serial: string, model: string, port: string): PortResult {
  const portCount = switchPortCount(model);
  if (!/^[1-9][0-9]*$/.test(port) || Number(port) > portCount) {
    return { port, status: 'error', speedMbps: 0, error: `Port ${JSON.stringify(port)} does not exist on a ${model} (ports 1-${portCount}).`, pairs: [] };
  }
  // Separate hashes per decision, so that a port's state, length and fault do not correlate.
  const seed = (salt: string) => stableHash(`${serial}/${port}/${salt}`);
  const state = seed('state') % 100;
  const cableLength = 2 + (seed('length') % 79);
  const lengths = seed('pairs');
  const pairs: Pair[] = pairIndexes.map((index) => ({ index, status: 'ok', lengthMeters: cableLength + ((lengths >>> (index * 2)) & 1) }));

  if (state < 70) return { port, status: 'up', speedMbps: 1000, pairs };
  if (state < 75) return { port, status: 'up', speedMbps: 100, pairs };
  if (state < 88) return { port, status: 'down', speedMbps: 0, pairs: pairIndexes.map((index) => ({ index, status: 'open', lengthMeters: 0 })) };
  const fault = seed('fault');
  const broken = pairIndexes[fault % 4]!;
  // An open pair reflects the test pulse where it breaks, so its length is the distance to the fault.
  pairs[broken] = { index: broken, status: 'open', lengthMeters: 1 + ((fault >>> 2) % cableLength) };
  return { port, status: 'down', speedMbps: 0, pairs };
}

/** Results of a cable test on `ports` of a switch, one per requested port in request order. */
export function simulateCableTest(serial: string, model: string, ports: readonly string[]): CableTestResults {
  return ports.map((port) => simulateCablePort(serial, model, port));
}
