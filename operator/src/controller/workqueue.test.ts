import { describe, expect, it, vi } from 'vitest';
import { WorkQueue } from './workqueue.ts';

describe('WorkQueue', () => {
  it('merges repeated adds of a waiting key', async () => {
    const q = new WorkQueue();
    q.add('a'); q.add('b'); q.add('a');
    expect(q.length).toBe(2);
    expect(await q.get()).toBe('a');
    expect(await q.get()).toBe('b');
  });

  it('never hands a key to two workers; an add during processing re-queues it once on done', async () => {
    const q = new WorkQueue();
    q.add('a');
    const first = await q.get();
    q.add('a'); q.add('a');
    expect(q.length).toBe(0); // not handed out while processing
    let second: string | undefined;
    void q.get().then((k) => { second = k; });
    await Promise.resolve();
    expect(second).toBeUndefined();
    q.done(first!);
    await Promise.resolve();
    expect(second).toBe('a');
  });

  it('wakes a waiting worker on add', async () => {
    const q = new WorkQueue();
    const pending = q.get();
    q.add('x');
    expect(await pending).toBe('x');
  });

  it('backs off per key exponentially up to the cap, and forget resets it', () => {
    vi.useFakeTimers();
    try {
      const q = new WorkQueue({ baseMs: 100, maxMs: 1000 });
      expect([0, 1, 2, 3, 4, 5].map((n) => q.backoffMs(n))).toEqual([100, 200, 400, 800, 1000, 1000]);
      q.addRateLimited('a');
      expect(q.length).toBe(0);
      vi.advanceTimersByTime(99);
      expect(q.length).toBe(0);
      vi.advanceTimersByTime(1);
      expect(q.length).toBe(1);
      expect(q.retries('a')).toBe(1);
      q.forget('a');
      expect(q.retries('a')).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('keeps the earliest deadline: a 5-minute requeue does not swallow a 50 ms retry, nor delay one already pending', () => {
    vi.useFakeTimers();
    try {
      const q = new WorkQueue();
      q.addAfter('late-first', 300_000);
      q.addAfter('late-first', 50);
      q.addAfter('soon-first', 50);
      q.addAfter('soon-first', 300_000);
      vi.advanceTimersByTime(49);
      expect(q.length).toBe(0);
      vi.advanceTimersByTime(1);
      expect(q.length).toBe(2);
      expect(vi.getTimerCount()).toBe(0); // the later deadline is dropped, as in client-go's delaying queue
    } finally {
      vi.useRealTimers();
    }
  });

  it('resolves pending gets with undefined on shutdown and ignores later adds', async () => {
    const q = new WorkQueue();
    const pending = q.get();
    q.shutDown();
    expect(await pending).toBeUndefined();
    q.add('a');
    expect(await q.get()).toBeUndefined();
  });
});
