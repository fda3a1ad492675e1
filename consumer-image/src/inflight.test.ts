import { describe, expect, it } from 'vitest';
import { InFlight } from './inflight.ts';

describe('InFlight', () => {
  it('counts tracked work and resolves idle when all settled, rejected ones included', async () => {
    const f = new InFlight();
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
  });

  it("a detached group's unfinished work stops counting, and its late completions change nothing", async () => {
    const f = new InFlight();
    const lost = f.group();
    const kept = f.group();
    let finishLost = (): void => undefined;
    let finishKept = (): void => undefined;
    lost.track(new Promise<void>((resolve) => (finishLost = resolve)));
    lost.track(new Promise<void>(() => undefined)); // hangs forever
    kept.track(new Promise<void>((resolve) => (finishKept = resolve)));
    expect(f.size).toBe(3);
    const idle = f.idle();
    lost.detach();
    expect(f.size).toBe(1);
    finishLost();
    await new Promise((r) => setTimeout(r, 5));
    expect(f.size).toBe(1);
    lost.track(Promise.resolve()); // a detached group takes nothing new
    finishKept();
    await idle;
    expect(f.size).toBe(0);
  });
});
