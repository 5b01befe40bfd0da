/** The worker's book of what each organization holds: when it is skipped, how much room is left, and when a loop must be woken. */
import { describe, expect, it } from 'vitest';
import { ClaimShares } from '../../src/delivery/claim-shares.js';

describe('ClaimShares', () => {
  it('skips an organization once it holds its share, and frees it when it drops below', () => {
    const shares = new ClaimShares(3, 10);
    shares.book(4);
    shares.settle(4, ['1', '1', '1', '2']);
    expect(shares.full()).toEqual(['1']);
    expect(shares.isFull('1')).toBe(true);
    expect(shares.isFull('2')).toBe(false);
    expect(shares.room()).toBe(6);
    expect(shares.release('1')).toEqual({ organizationFreed: true, roomFreed: false });
    expect(shares.full()).toEqual([]);
    expect(shares.release('1')).toEqual({ organizationFreed: false, roomFreed: false });
  });

  it('a claim may take an organization past its share; it is freed only when it drops below it again', () => {
    const shares = new ClaimShares(2, 10);
    shares.book(4);
    shares.settle(4, ['7', '7', '7', '7']);
    expect(shares.release('7').organizationFreed).toBe(false);
    expect(shares.release('7').organizationFreed).toBe(false);
    expect(shares.isFull('7')).toBe(true);
    expect(shares.release('7').organizationFreed).toBe(true);
    expect(shares.isFull('7')).toBe(false);
  });

  it('a booking holds room while its claim runs, and what the claim did not return goes back', () => {
    const shares = new ClaimShares(100, 10);
    shares.book(8);
    expect(shares.room()).toBe(2);
    shares.settle(8, ['1', '2']);
    expect(shares.room()).toBe(8);
    shares.book(8);
    shares.settle(8, ['1', '1', '1', '1', '1', '1', '1', '1']);
    expect(shares.room()).toBe(0);
    // Releasing from a full worker makes room, which wakes a loop; the next release does not need to.
    expect(shares.release('2')).toEqual({ organizationFreed: false, roomFreed: true });
    expect(shares.release('1')).toEqual({ organizationFreed: false, roomFreed: false });
    expect(shares.room()).toBe(2);
  });

  it('a failed claim gives its whole booking back', () => {
    const shares = new ClaimShares(5, 10);
    shares.book(10);
    shares.settle(10, []);
    expect(shares.room()).toBe(10);
    expect(shares.full()).toEqual([]);
  });
});
