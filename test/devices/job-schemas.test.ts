import { describe, expect, it } from 'vitest';
import { schemaErrors } from '../support/job-schemas.js';

// The other tests trust schemaErrors to catch a wrong result: check that it does.
const results = { sent: 1, received: 1, loss: { percentage: 0 }, latencies: { minimum: 1, average: 1, maximum: 1 }, replies: [{ sequenceId: 1, size: 64, latency: 1 }] };

describe('strict job schema validators', () => {
  it('accept a valid value', () => {
    expect(schemaErrors('PingResults', results)).toEqual([]);
  });

  it('reject an extra or misspelt field, at any depth', () => {
    expect(schemaErrors('PingResults', { ...results, lost: 0 })).not.toEqual([]);
    expect(schemaErrors('PingResults', { ...results, replies: [{ sequenceId: 1, size: 64, latencyMs: 1 }] })).not.toEqual([]);
  });

  it('reject a missing field or a wrong type', () => {
    const { replies: _, ...noReplies } = results;
    expect(schemaErrors('PingResults', noReplies)).not.toEqual([]);
    expect(schemaErrors('PingResults', { ...results, sent: 1.5 })).not.toEqual([]);
  });

  it("keep the jobs' conditional rules: a complete job needs its results, a failed one its error", () => {
    const job = { pingId: '1', url: '/devices/Q/liveTools/ping/1', request: { serial: 'Q', target: 'a.b', count: 1 }, status: 'complete' };
    expect(schemaErrors('PingJob', job)).not.toEqual([]);
    expect(schemaErrors('PingJob', { ...job, results })).toEqual([]);
    expect(schemaErrors('PingJob', { ...job, status: 'failed' })).not.toEqual([]);
    expect(schemaErrors('PingJob', { ...job, status: 'failed', error: 'The device is unreachable.' })).toEqual([]);
    expect(schemaErrors('PingJob', { ...job, status: 'running' })).toEqual([]);
    expect(schemaErrors('ArpTableJob', { arpTableId: '1', url: '/devices/Q/liveTools/arpTable/1', request: { serial: 'Q' }, status: 'complete', entries: [{ ip: '10.0.0.1', mac: 'x', vlanId: 1, lastUpdatedAt: 'yesterday' }] })).not.toEqual([]);
  });

  it('tell the variants apart by status: results or an error only where the status has them, and no unknown status', () => {
    const job = { pingId: '1', url: '/devices/Q/liveTools/ping/1', request: { serial: 'Q', target: 'a.b', count: 1 } };
    expect(schemaErrors('PingJob', { ...job, status: 'new', results })).not.toEqual([]);
    expect(schemaErrors('PingJob', { ...job, status: 'complete', results, error: 'x' })).not.toEqual([]);
    expect(schemaErrors('PingJob', { ...job, status: 'done', results })).not.toEqual([]);
    expect(schemaErrors('PingJob', { ...job, status: 'complete', results, lost: 0 })).not.toEqual([]);
    expect(schemaErrors('WakeOnLanJob', { wakeOnLanId: '1', url: '/devices/Q/liveTools/wakeOnLan/1', request: { serial: 'Q', vlanId: 1, mac: 'x' }, status: 'complete' })).toEqual([]);
  });
});
