/**
 * How much of the delivery worker each organization holds: deliveries claimed and not yet sent, by organization and
 * in all. An organization holding its full share is skipped by the next claim, so its backlog (to a slow receiver, or
 * simply a large one) cannot keep another organization's deliveries from being claimed and sent.
 */
export class ClaimShares {
  private readonly held = new Map<string, number>();
  private total = 0;

  /**
   * @param perOrganization claimed deliveries from which an organization is skipped (a claim may take it past this)
   * @param overall claimed deliveries the worker holds at most
   */
  constructor(
    private readonly perOrganization: number,
    private readonly overall: number,
  ) {}

  /** Organizations holding their full share, which the next claim skips. */
  full(): string[] {
    const full: string[] = [];
    for (const [organizationId, n] of this.held) if (n >= this.perOrganization) full.push(organizationId);
    return full;
  }

  /** Whether `organizationId` holds its full share. */
  isFull(organizationId: string): boolean {
    return (this.held.get(organizationId) ?? 0) >= this.perOrganization;
  }

  /** How many more deliveries may be claimed now. */
  room(): number {
    return Math.max(0, this.overall - this.total);
  }

  /** Books `n` deliveries before claiming them, so that loops claiming at the same time do not all take the same room. */
  book(n: number): void {
    this.total += n;
  }

  /** Turns a booking of `booked` into the deliveries the claim returned, given by their organizations. */
  settle(booked: number, organizationIds: readonly string[]): void {
    this.total -= booked - organizationIds.length;
    for (const id of organizationIds) this.held.set(id, (this.held.get(id) ?? 0) + 1);
  }

  /** Gives back one claimed delivery of `organizationId`; says what that made room for, so the worker can wake a loop. */
  release(organizationId: string): { organizationFreed: boolean; roomFreed: boolean } {
    const n = this.held.get(organizationId) ?? 0;
    if (n <= 1) this.held.delete(organizationId);
    else this.held.set(organizationId, n - 1);
    this.total -= 1;
    return { organizationFreed: n === this.perOrganization, roomFreed: this.total === this.overall - 1 };
  }
}
