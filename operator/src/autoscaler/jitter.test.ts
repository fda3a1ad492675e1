// Jitter and backoff helpers: bounds with extreme random draws, spread over many draws, capping.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffMs, firstPollDelayMs, jitteredIntervalMs, shortenedIntervalMs } from './jitter.ts';

describe('jitteredIntervalMs', () => {
  it('stays within +-10% of the interval by default', () => {
    expect(jitteredIntervalMs(5, () => 0)).toBe(4500);
    expect(jitteredIntervalMs(5, () => 0.5)).toBe(5000);
    expect(jitteredIntervalMs(5, () => 0.999999)).toBe(5500);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3600 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (s, r) => {
        const ms = jitteredIntervalMs(s, () => r);
        expect(ms).toBeGreaterThanOrEqual(s * 900);
        expect(ms).toBeLessThanOrEqual(s * 1100);
      }),
    );
  });

  it('honours a custom spread', () => {
    expect(jitteredIntervalMs(10, () => 0, 0.5)).toBe(5000);
  });
});

describe('shortenedIntervalMs', () => {
  it('only shortens the interval, by at most the spread', () => {
    expect(shortenedIntervalMs(5, () => 0)).toBe(5000);
    expect(shortenedIntervalMs(5, () => 0.5)).toBe(4750);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3600 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (s, r) => {
        const ms = shortenedIntervalMs(s, () => r);
        expect(ms).toBeGreaterThanOrEqual(s * 900);
        expect(ms).toBeLessThanOrEqual(s * 1000);
      }),
    );
  });
});

describe('firstPollDelayMs', () => {
  it('spreads first polls over one interval', () => {
    expect(firstPollDelayMs(5, () => 0)).toBe(0);
    expect(firstPollDelayMs(5, () => 0.5)).toBe(2500);
    expect(firstPollDelayMs(5, () => 0.9999)).toBeLessThan(5000);
  });
});

describe('backoffMs', () => {
  it('doubles from the base and caps at the maximum, with jitter in [0.5, 1)', () => {
    const top = (): number => 0.999999;
    expect([1, 2, 3, 4, 5, 6, 7].map((a) => backoffMs(a, top))).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000]);
    expect(backoffMs(3, () => 0)).toBe(2000);
    expect(backoffMs(1, () => 0, { baseMs: 200, maxMs: 1000 })).toBe(100);
  });
});
