// The controller's worker loop and informer handlers with a fake reconciler, the real work queue and fake timers.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ownerReference } from '../api/pool.ts';
import { OperatorMetrics } from '../metrics.ts';
import { Expectations } from '../reconcile/expectations.ts';
import type { ReconcileResult } from '../reconcile/reconciler.ts';
import { capturedLog } from '../testing/log.ts';
import { makePod, makePool } from '../testing/fixtures.ts';
import { Controller } from './controller.ts';
import { WorkQueue } from './workqueue.ts';

type Reconcile = (key: string) => Promise<ReconcileResult>;

function setup(reconcile: Reconcile, opts: { workers?: number; keys?: string[] } = {}) {
  const queue = new WorkQueue({ baseMs: 50, maxMs: 1000 });
  const expectations = new Expectations();
  const metrics = new OperatorMetrics(false);
  const { log, lines } = capturedLog();
  const calls: string[] = [];
  const controller = new Controller({
    queue, expectations, metrics, log,
    reconciler: { reconcile: (key) => { calls.push(key); return reconcile(key); } },
    poolKeys: () => opts.keys ?? [],
    workers: opts.workers ?? 2,
    resyncMs: 60_000,
  });
  return { controller, queue, expectations, metrics, lines, calls };
}

const total = async (m: OperatorMetrics, result: string): Promise<number> =>
  (await m.reconcileTotal.get()).values.find((v) => v.labels.result === result)?.value ?? 0;

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('Controller worker loop', () => {
  it('reconciles every pool at start, and each again after its requeueAfterMs', async () => {
    const { controller, calls, metrics } = setup((key) => Promise.resolve(key === 'ns/b' ? { requeueAfterMs: 5000 } : {}), { keys: ['ns/a', 'ns/b'] });
    controller.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toEqual(['ns/a', 'ns/b']);
    await vi.advanceTimersByTimeAsync(4999);
    expect(calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toEqual(['ns/a', 'ns/b', 'ns/b']);
    expect({ success: await total(metrics, 'success'), requeue: await total(metrics, 'requeue_after') }).toEqual({ success: 1, requeue: 2 });
    await controller.stop();
  });

  it('retries a failed reconcile with the backoff, logs it with the pool key, and forgets the backoff on success', async () => {
    let failures = 2;
    const { controller, queue, calls, lines, metrics } = setup(() => (failures-- > 0 ? Promise.reject(new Error('conflict')) : Promise.resolve({})), { keys: ['ns/a'] });
    controller.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(50);
    expect(calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(99);
    expect(calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toHaveLength(3);
    expect(queue.retries('ns/a')).toBe(0);
    expect(lines.filter((l) => l.msg === 'reconcile failed').map((l) => [l.pool, l.err, l.retries])).toEqual([['ns/a', 'conflict', 0], ['ns/a', 'conflict', 1]]);
    expect((await metrics.reconcileErrors.get()).values[0]?.value).toBe(2);
    await controller.stop();
  });

  it('never reconciles one pool on two workers at once; a change meanwhile reconciles it once more after', async () => {
    const gates: PromiseWithResolvers<ReconcileResult>[] = [];
    let running = 0;
    let most = 0;
    const { controller, queue, calls } = setup(async () => {
      running++;
      most = Math.max(most, running);
      const gate = Promise.withResolvers<ReconcileResult>();
      gates.push(gate);
      const result = await gate.promise;
      running--;
      return result;
    }, { workers: 4, keys: ['ns/a'] });
    controller.start();
    await vi.advanceTimersByTimeAsync(0);
    queue.add('ns/a');
    queue.add('ns/a');
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toHaveLength(1);
    gates[0]!.resolve({});
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toHaveLength(2);
    gates[1]!.resolve({});
    await vi.advanceTimersByTimeAsync(0);
    expect({ calls: calls.length, most }).toEqual({ calls: 2, most: 1 });
    await controller.stop();
  });

  it('re-enqueues every pool on each resync, and reconciles nothing after stop', async () => {
    const { controller, calls } = setup(() => Promise.resolve({}), { keys: ['ns/a', 'ns/b'] });
    controller.start();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(calls).toEqual(['ns/a', 'ns/b', 'ns/a', 'ns/b']);
    await controller.stop();
    await vi.advanceTimersByTimeAsync(120_000);
    expect(calls).toHaveLength(4);
  });
});

describe('Controller pod handlers', () => {
  it('still enqueues the pool when the expectations bookkeeping throws', async () => {
    const { controller, queue, expectations } = setup(() => Promise.resolve({}));
    const base = makePod({ name: 'orders-1' });
    const pod = { ...base, metadata: { ...base.metadata, ownerReferences: [ownerReference(makePool())] } };
    vi.spyOn(expectations, 'creationObserved').mockImplementation(() => { throw new Error('bookkeeping broken'); });
    const handlers = controller.podHandlers();
    expect(() => handlers.add(pod)).toThrow('bookkeeping broken'); // the reflector logs it with the pod's key
    expect(queue.length).toBe(1);
    expect(await queue.get()).toBe('shop/orders');
  });
});
