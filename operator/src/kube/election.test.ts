import { describe, expect, it } from 'vitest';
import { DEFAULT_TIMING, mayTake, nextAttemptInMs, nextSpec, observe } from './election.ts';

describe('leader election rules', () => {
  it('takes a lease nobody holds, and renews its own', () => {
    expect(mayTake(observe(undefined, undefined, 0), 'a', DEFAULT_TIMING, 0)).toBe(true);
    const mine = observe(undefined, { holderIdentity: 'a', renewTime: new Date(0) }, 0);
    expect(mayTake(mine, 'a', DEFAULT_TIMING, 1)).toBe(true);
  });

  it("waits out another holder's lease duration, timed by its own clock", () => {
    const spec = { holderIdentity: 'b', renewTime: new Date('2000-01-01T00:00:00Z') }; // remote clock far behind
    const seen = observe(undefined, spec, 1000);
    expect(mayTake(seen, 'a', DEFAULT_TIMING, 1000 + 15_000)).toBe(false);
    expect(mayTake(observe(seen, spec, 16_500), 'a', DEFAULT_TIMING, 16_500)).toBe(true);
  });

  it('restarts the clock whenever the holder renews', () => {
    const first = observe(undefined, { holderIdentity: 'b', renewTime: new Date(1) }, 0);
    const renewed = observe(first, { holderIdentity: 'b', renewTime: new Date(2) }, 14_000);
    expect(mayTake(renewed, 'a', DEFAULT_TIMING, 20_000)).toBe(false);
  });

  it('counts transitions only when the holder changes', () => {
    const now = new Date(5000);
    const taken = nextSpec({ holderIdentity: 'b', leaseTransitions: 2, acquireTime: new Date(0) }, 'a', DEFAULT_TIMING, now);
    expect(taken).toMatchObject({ holderIdentity: 'a', leaseTransitions: 3, acquireTime: now, renewTime: now, leaseDurationSeconds: 15 });
    const renewed = nextSpec(taken, 'a', DEFAULT_TIMING, new Date(7000));
    expect(renewed).toMatchObject({ leaseTransitions: 3, acquireTime: now, renewTime: new Date(7000) });
    expect(nextSpec(undefined, 'a', DEFAULT_TIMING, now).leaseTransitions).toBe(0);
    // as read back from the API server: times are strings
    const read = { holderIdentity: 'a', leaseTransitions: 3, acquireTime: '2026-01-01T00:00:05.000000Z' as unknown as Date };
    expect(nextSpec(read, 'a', DEFAULT_TIMING, new Date(9000)).acquireTime).toEqual(new Date('2026-01-01T00:00:05.000Z'));
  });

  it('tries again one retry period later, or right when a watched lease runs out', () => {
    const { retryPeriodMs: period } = DEFAULT_TIMING;
    const mine = observe(undefined, { holderIdentity: 'a', renewTime: new Date(1) }, 0);
    expect(nextAttemptInMs(mine, 'a', DEFAULT_TIMING, 5000, 1)).toBe(period); // the leader renews on time, no jitter
    expect(nextAttemptInMs(observe(undefined, undefined, 0), 'a', DEFAULT_TIMING, 0, 1)).toBe(period * 1.2);
    const theirs = observe(undefined, { holderIdentity: 'b', renewTime: new Date(1) }, 1000);
    expect(nextAttemptInMs(theirs, 'a', DEFAULT_TIMING, 2000, 0.5)).toBe(period * 1.1);
    // 500 ms before the lease runs out: wake just after it does, and then it may be taken
    const wait = nextAttemptInMs(theirs, 'a', DEFAULT_TIMING, 15_500, 1);
    expect(wait).toBe(501);
    expect(mayTake(theirs, 'a', DEFAULT_TIMING, 15_500 + wait)).toBe(true);
    expect(nextAttemptInMs(theirs, 'a', DEFAULT_TIMING, 30_000, 1)).toBe(0);
  });
});
