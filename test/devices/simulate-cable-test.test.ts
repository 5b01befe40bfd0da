import { describe, expect, it } from 'vitest';
import { simulateCableTest, switchPortCount } from '../../src/devices/simulate-cable-test.js';
import { schemaErrors } from '../support/job-schemas.js';

function cableJob(ports: string[], results: unknown) {
  return { cableTestId: '7', url: '/devices/Q2MS-DEMO-0002/liveTools/cableTest/7', request: { serial: 'Q2MS-DEMO-0002', ports }, status: 'complete', results };
}

describe('switchPortCount', () => {
  it.each([
    ['MS120-8', 8],
    ['MS120-8LP', 8],
    ['MS225-48FP', 48],
    ['MS390-24UX', 24],
    ['C9300-24P-M', 24],
    ['MS120', 24],
  ])('%s has %i ports', (model, count) => {
    expect(switchPortCount(model)).toBe(count);
  });
});

describe('simulateCableTest', () => {
  it('answers one result per requested port, in order, valid against CableTestJob', () => {
    const ports = ['1', '2', '3', '4', '5', '6', '7', '8', '9'];
    const results = simulateCableTest('Q2MS-DEMO-0002', 'MS120-8', ports);
    expect(results.map((r) => r.port)).toEqual(ports);
    expect(schemaErrors('CableTestJob', cableJob(ports, results))).toEqual([]);
  });

  it('is the same for the same (serial, port) every time', () => {
    const ports = Array.from({ length: 48 }, (_, i) => String(i + 1));
    expect(simulateCableTest('Q2MS-AAAA-0001', 'MS225-48FP', ports)).toEqual(simulateCableTest('Q2MS-AAAA-0001', 'MS225-48FP', ports));
    expect(simulateCableTest('Q2MS-AAAA-0001', 'MS225-48FP', ports)).not.toEqual(simulateCableTest('Q2MS-AAAA-0002', 'MS225-48FP', ports));
  });

  it('mostly up at 1000 Mbps with four ok pairs of similar length; down ports show an open pair and 0 Mbps', () => {
    const ports = Array.from({ length: 48 }, (_, i) => String(i + 1));
    const results = Array.from({ length: 50 }, (_, s) => simulateCableTest(`Q2MS-TEST-${s}`, 'MS225-48FP', ports)).flat();
    const share = (predicate: (r: (typeof results)[number]) => boolean) => results.filter(predicate).length / results.length;
    expect(share((r) => r.status === 'up' && r.speedMbps === 1000)).toBeGreaterThan(0.6);
    expect(share((r) => r.status === 'down')).toBeGreaterThan(0.15);
    expect(share((r) => r.status === 'down')).toBeLessThan(0.35);
    for (const r of results) {
      expect(r.pairs.map((p) => p.index)).toEqual([0, 1, 2, 3]);
      const lengths = r.pairs.map((p) => p.lengthMeters);
      if (r.status === 'up') {
        expect([1000, 100]).toContain(r.speedMbps);
        expect(r.pairs.every((p) => p.status === 'ok')).toBe(true);
        expect(Math.max(...lengths) - Math.min(...lengths)).toBeLessThanOrEqual(1);
        expect(Math.min(...lengths)).toBeGreaterThanOrEqual(2);
      } else {
        expect(r.status).toBe('down');
        expect(r.speedMbps).toBe(0);
        const open = r.pairs.filter((p) => p.status === 'open');
        expect(open.length === 1 || open.length === 4).toBe(true);
        // A damaged cable: the open pair breaks no further than the cable's length; unplugged: every pair open at 0 m.
        if (open.length === 1) expect(open[0]!.lengthMeters).toBeLessThanOrEqual(Math.max(...lengths));
        else expect(lengths).toEqual([0, 0, 0, 0]);
      }
    }
    expect(results.some((r) => r.status === 'down' && r.pairs.filter((p) => p.status === 'open').length === 1)).toBe(true);
  });

  it('a port the model does not have is an error with a message', () => {
    const results = simulateCableTest('Q2MS-DEMO-0002', 'MS120-8', ['9', '0', 'uplink', '08']);
    for (const r of results) {
      expect(r.status).toBe('error');
      expect(r.speedMbps).toBe(0);
      expect(r.pairs).toEqual([]);
    }
    expect(results[0]!.error).toBe('Port "9" does not exist on a MS120-8 (ports 1-8).');
    expect(schemaErrors('CableTestJob', cableJob(['9', '0', 'uplink', '08'], results))).toEqual([]);
  });
});
