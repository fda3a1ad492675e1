import { describe, expect, it } from 'vitest';
import { makePool } from '../testing/fixtures.ts';
import { Autoscaler } from './loop.ts';
import { fakeLoopDeps } from './testing/loop-fakes.ts';
import { failed, ready } from './testing/fixtures.ts';

/** Every exposed series line of the autoscaler's metrics. */
async function series(f: ReturnType<typeof fakeLoopDeps>): Promise<string[]> {
  return (await f.registry.metrics()).split('\n').filter((l) => l.startsWith('hare_autoscaler_'));
}

describe('autoscaler metrics', () => {
  it('label each pool with namespace and pool apart, and expose maxReplicas', async () => {
    const f = fakeLoopDeps();
    new Autoscaler(f.deps).sync(f.pools.set(makePool({ replicas: 1, autoscaling: { minReplicas: 1, maxReplicas: 7 } })));
    f.sources.depth.set('orders', ready(30));
    await f.clock.advance(10_000);
    const lines = await series(f);
    expect(lines).toContain('hare_autoscaler_max_replicas{namespace="shop",pool="orders"} 7');
    expect(lines).toContain('hare_autoscaler_queue_ready{namespace="shop",pool="orders"} 30');
    expect(lines.filter((l) => !l.includes('namespace="shop",pool="orders"'))).toEqual([]);
  });

  it('count the pods that did not answer, and drop the series with the pool', async () => {
    const f = fakeLoopDeps();
    const loop = new Autoscaler(f.deps);
    const pool = f.pools.set(makePool({ replicas: 2, autoscaling: { minReplicas: 1, maxReplicas: 7 } }));
    loop.sync(pool);
    f.sources.depth.set('orders', { ok: true, depth: { ready: 0, consumers: 2, unacked: 10, unackedFrom: 'pods', perPodUnacked: { a: 0 }, silentPods: ['b'] }, latencyMs: 1 });
    await f.clock.advance(10_000);
    expect(await series(f)).toContain('hare_autoscaler_silent_pods{namespace="shop",pool="orders"} 1');
    // a later read that asked no pod (none ready) leaves no count from the older one
    f.sources.depth.set('orders', { ok: true, depth: { ready: 0, consumers: 2 }, latencyMs: 1 });
    await f.clock.advance(30_000);
    expect((await series(f)).filter((l) => l.includes('silent'))).toEqual([]);
    f.sources.depth.set('orders', { ok: true, depth: { ready: 0, consumers: 2, unacked: 10, unackedFrom: 'pods', perPodUnacked: { a: 0 }, silentPods: ['b'] }, latencyMs: 1 });
    await f.clock.advance(30_000);
    expect(await series(f)).toContain('hare_autoscaler_silent_pods{namespace="shop",pool="orders"} 1');
    loop.forget(pool);
    expect((await series(f)).filter((l) => l.includes('silent'))).toEqual([]);
  });

  it('drop every series of a deleted pool and of one no longer autoscaled, and keep the others', async () => {
    const f = fakeLoopDeps();
    const loop = new Autoscaler(f.deps);
    const orders = f.pools.set(makePool({ replicas: 1, autoscaling: { minReplicas: 1, maxReplicas: 7 } }));
    const mail = f.pools.set(makePool({ replicas: 1, queue: { name: 'mail' }, autoscaling: { minReplicas: 1, maxReplicas: 3 } }, 'mail'));
    loop.sync(orders);
    loop.sync(mail);
    f.sources.depth.set('orders', ready(30));
    f.sources.depth.set('mail', failed());
    await f.clock.advance(10_000);
    expect((await series(f)).some((l) => l.includes('pool="mail"'))).toBe(true);
    expect((await series(f)).some((l) => l.startsWith('hare_autoscaler_read_errors_total{namespace="shop",pool="mail"'))).toBe(true);
    f.pools.delete('shop', 'mail');
    loop.forget(mail);
    expect((await series(f)).filter((l) => l.includes('pool="mail"'))).toEqual([]);
    loop.sync(f.pools.edit('shop', 'orders', (p) => { p.spec.autoscaling!.enabled = false; }));
    expect((await series(f)).filter((l) => l.includes('pool="orders"'))).toEqual([]);
  });
});
