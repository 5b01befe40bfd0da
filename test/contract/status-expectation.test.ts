/** statusExpectation: classes, exact statuses and lists of them, and what it refuses. */
import { describe, expect, it } from 'vitest';
import { statusExpectation } from '../../src/contract/status-expectation.js';

describe('statusExpectation', () => {
  it('reads a class, a status and a list, and says which statuses meet each', () => {
    const statuses = [200, 204, 400, 401, 422, 499, 500];
    const met = (written: string | number) => {
      const e = statusExpectation(written);
      return [e.label, statuses.filter((s) => e.matches(s))];
    };
    expect([met('2xx'), met('4XX'), met(401), met('400, 422')]).toEqual([
      ['2xx', [200, 204]],
      ['4xx', [400, 401, 422, 499]],
      ['401', [401]],
      ['400 or 422', [400, 422]],
    ]);
  });

  it('refuses what is not a status', () => {
    for (const written of ['4x', '600', 'ok', '', '40']) expect(() => statusExpectation(written)).toThrow(/is not a status/);
  });
});
