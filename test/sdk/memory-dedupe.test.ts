/** MemoryDedupe: a webhook-id's state follows claim, commit and release; another digest under a known id is a conflict. */
import { describe, expect, it } from 'vitest';
import { MemoryDedupe } from '../../src/sdk/memory-dedupe.js';

describe('MemoryDedupe', () => {
  it('tells a redelivery (same digest) from another body under the same id, in flight and once handled', () => {
    const store = new MemoryDedupe();
    expect(store.claim('msg_a', 'digest-1')).toBe('claimed');
    expect([store.claim('msg_a', 'digest-1'), store.claim('msg_a', 'digest-2')]).toEqual(['in-flight', 'conflict']);
    store.commit('msg_a');
    expect([store.claim('msg_a', 'digest-1'), store.claim('msg_a', 'digest-2')]).toEqual(['handled', 'conflict']);
  });

  it('forgets a released claim, so that a retry (with any body) is claimed again', () => {
    const store = new MemoryDedupe();
    expect(store.claim('msg_b', 'digest-1')).toBe('claimed');
    store.release('msg_b');
    expect([store.size, store.claim('msg_b', 'digest-2')]).toEqual([0, 'claimed']);
  });

  it('keeps at most `limit` handled ids, forgetting the oldest first, but never one in flight', () => {
    const store = new MemoryDedupe(2);
    expect(store.claim('msg_in_flight', 'd')).toBe('claimed');
    for (const id of ['msg_1', 'msg_2', 'msg_3']) {
      store.claim(id, 'd');
      store.commit(id);
    }
    expect(store.size).toBe(2);
    expect(['msg_in_flight', 'msg_1', 'msg_2', 'msg_3'].map((id) => store.claim(id, 'd'))).toEqual(['in-flight', 'claimed', 'claimed', 'handled']);
  });

  it('refuses a limit that is not a positive integer', () => {
    expect(() => new MemoryDedupe(0)).toThrow(RangeError);
  });
});
