// The raw recommendation and the HPA stabilisation arithmetic, in isolation.
import { describe, expect, it } from 'vitest';
import { rawRecommendation, remember, stabilize } from './recommend.ts';

describe('rawRecommendation', () => {
  it.each([
    // depth, per replica, current, activation, expected
    [0, 10, 3, 0, 0],
    [1, 10, 3, 0, 1],
    [10, 10, 3, 0, 1],
    [15, 10, 3, 0, 2],
    [50, 10, 3, 0, 5],
    [5, 10, 0, 5, 0],
    [6, 10, 0, 5, 1],
    [3, 10, 2, 5, 1],
  ])('depth %i / %i at %i replicas (activation %i) -> %i', (depth, per, current, activation, expected) => {
    expect(rawRecommendation(depth, per, current, activation)).toBe(expected);
  });
});

describe('stabilize', () => {
  const windows = { up: 0, down: 60_000 };
  it('keeps the current count between the up and down limits', () => {
    const history = [{ at: 10_000, replicas: 6 }];
    expect(stabilize(history, 2, 5, 20_000, windows)).toEqual({ replicas: 5, upLimit: 2, downLimit: 6 });
  });
  it('excludes a recommendation exactly one window old', () => {
    expect(stabilize([{ at: 0, replicas: 9 }], 2, 5, 60_000, windows).replicas).toBe(2);
    expect(stabilize([{ at: 1, replicas: 9 }], 2, 5, 60_000, windows).replicas).toBe(5);
  });
});

describe('remember', () => {
  it('drops what no window can see', () => {
    const kept = remember([{ at: 0, replicas: 1 }, { at: 30_000, replicas: 2 }], { at: 60_000, replicas: 3 }, { up: 10_000, down: 60_000 });
    expect(kept).toEqual([{ at: 30_000, replicas: 2 }, { at: 60_000, replicas: 3 }]);
  });
});
