import { describe, expect, it } from 'vitest';
import { InFlight } from './inflight.ts';

describe('InFlight', () => {
  it('counts tracked work and resolves idle when all settled, rejected ones included', async () => {
    const seen: number[] = [];
    const f = new InFlight((n) => seen.push(n));
    await f.idle();
    let finish!: () => void;
    f.track(new Promise<void>((resolve) => (finish = resolve)));
    f.track(Promise.reject(new Error('x')));
    expect(f.size).toBe(2);
    const idle = f.idle();
    await new Promise((r) => setTimeout(r, 5));
    expect(f.size).toBe(1);
    finish();
    await idle;
    expect(f.size).toBe(0);
    expect(seen).toEqual([1, 2, 1, 0]);
  });
});
