import { describe, expect, it } from 'vitest';
import { EXPECTATIONS_TIMEOUT_MS, Expectations } from './expectations.ts';

describe('Expectations', () => {
  it('is satisfied for an unknown pool', () => {
    expect(new Expectations().satisfied('ns/a')).toBe(true);
  });

  it('waits for every create and delete to be observed', () => {
    const e = new Expectations();
    e.expect('ns/a', 2, ['p1']);
    expect(e.satisfied('ns/a')).toBe(false);
    e.creationObserved('ns/a');
    e.creationObserved('ns/a');
    expect(e.satisfied('ns/a')).toBe(false);
    e.deletionObserved('ns/a', 'other');
    expect(e.satisfied('ns/a')).toBe(false);
    e.deletionObserved('ns/a', 'p1');
    expect(e.satisfied('ns/a')).toBe(true);
  });

  it('keeps pools apart and gives up after the timeout', () => {
    let now = 0;
    const e = new Expectations(() => now);
    e.expect('ns/a', 1, []);
    expect(e.satisfied('ns/b')).toBe(true);
    now = EXPECTATIONS_TIMEOUT_MS + 1;
    expect(e.satisfied('ns/a')).toBe(true);
  });
});
