import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RECONNECT_BACKOFF, backoffDelay, sleep, within } from './backoff.ts';

describe('backoffDelay', () => {
  it('doubles per attempt between half and all of the step', () => {
    expect(backoffDelay(0, RECONNECT_BACKOFF, () => 0)).toBe(250);
    expect(backoffDelay(0, RECONNECT_BACKOFF, () => 1)).toBe(500);
    expect(backoffDelay(3, RECONNECT_BACKOFF, () => 1)).toBe(4000);
  });

  it('stays within [step/2, min(max, step)] for any attempt and random value', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000 }), fc.double({ min: 0, max: 1, noNaN: true }), (attempt, r) => {
        const d = backoffDelay(attempt, RECONNECT_BACKOFF, () => r);
        const step = Math.min(RECONNECT_BACKOFF.maxMs, RECONNECT_BACKOFF.baseMs * 2 ** Math.min(attempt, 30));
        expect(d).toBeGreaterThanOrEqual(Math.floor(step / 2));
        expect(d).toBeLessThanOrEqual(RECONNECT_BACKOFF.maxMs);
      }),
    );
  });

  it('jitters: different random values give different delays', () => {
    expect(backoffDelay(4, RECONNECT_BACKOFF, () => 0.1)).not.toBe(backoffDelay(4, RECONNECT_BACKOFF, () => 0.9));
  });
});

describe('sleep and within', () => {
  it('sleep ends early on abort', async () => {
    const ac = new AbortController();
    const t = performance.now();
    setTimeout(() => ac.abort(), 20);
    await sleep(10_000, ac.signal);
    expect(performance.now() - t).toBeLessThan(2000);
  });

  it('within gives the value or the fallback', async () => {
    expect(await within(Promise.resolve(1), 1000, 'late')).toBe(1);
    expect(await within(new Promise(() => undefined), 10, 'late')).toBe('late');
  });
});
