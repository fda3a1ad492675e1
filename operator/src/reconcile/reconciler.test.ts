import type { V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { Pool } from '../api/pool.ts';
import { FakeEvents, FakeWriter } from '../testing/fakes.ts';
import { makePod, makePool } from '../testing/fixtures.ts';
import { desiredPod } from '../resources/pod.ts';
import { Expectations } from './expectations.ts';
import { INVALID_SPEC_RETRY_MS, Reconciler, STATUS_WAIT_MS } from './reconciler.ts';

function setup(pool: Pool | undefined, pods: V1Pod[] = [], clock: () => number = () => 0) {
  const writer = new FakeWriter();
  const events = new FakeEvents();
  const expectations = new Expectations(clock);
  const reconciler = new Reconciler({
    pools: { get: () => pool }, podsOf: () => pods, writer, events, expectations, now: () => new Date('2026-01-01T00:00:00Z'),
  });
  return { writer, events, expectations, reconciler };
}

describe('Reconciler', () => {
  it('creates the missing pods and records events; the status waits until the cache holds the new pods', async () => {
    const pool = makePool({ replicas: 3 });
    const pods: V1Pod[] = [];
    const { writer, events, expectations, reconciler } = setup(pool, pods);
    expect(await reconciler.reconcile('shop/orders')).toEqual({ requeueAfterMs: STATUS_WAIT_MS }); // unless events come first
    expect(writer.created).toHaveLength(3);
    expect(events.events.filter((e) => e.reason === 'SuccessfulCreate').map((e) => e.message)).toEqual(['Created 3 pods: orders-0, orders-1, orders-2']);
    expect(expectations.satisfied('shop/orders')).toBe(false); // until the informer sees them
    // a status now would say 0 of 3 pods while 3 exist: one write per burst instead of one per pod event
    expect(writer.statuses).toEqual([]);
    for (const created of writer.created.slice(0, 2)) {
      pods.push(created);
      expectations.creationObserved('shop/orders');
      await reconciler.reconcile('shop/orders');
    }
    expect(writer.statuses).toEqual([]);
    pods.push(writer.created[2]!);
    expectations.creationObserved('shop/orders');
    await reconciler.reconcile('shop/orders');
    expect(writer.statuses.map((s) => s.replicas)).toEqual([3]);
  });

  it('writes the status anyway once the creates have gone unseen for STATUS_WAIT_MS (a lost watch event)', async () => {
    let now = 0;
    const { writer, reconciler } = setup(makePool({ replicas: 2 }), [], () => now);
    await reconciler.reconcile('shop/orders');
    now = STATUS_WAIT_MS - 1000;
    expect(await reconciler.reconcile('shop/orders')).toEqual({ requeueAfterMs: 1000 });
    expect(writer.statuses).toEqual([]);
    now = STATUS_WAIT_MS;
    await reconciler.reconcile('shop/orders');
    expect(writer.statuses.map((s) => s.replicas)).toEqual([0]);
    expect(writer.created).toHaveLength(2); // and still no second round of creates
  });

  it('plans nothing while expectations are unmet (a lagging cache never duplicates pods)', async () => {
    const { writer, reconciler } = setup(makePool({ replicas: 3 }));
    await reconciler.reconcile('shop/orders');
    await reconciler.reconcile('shop/orders');
    expect(writer.created).toHaveLength(3);
  });

  it('writes no status and makes no calls at steady state', async () => {
    const pool = makePool({ replicas: 1 });
    const hash = desiredPod(pool).templateHash;
    const first = setup(pool, [makePod({ name: 'orders-a', hash })]);
    await first.reconciler.reconcile('shop/orders');
    pool.status = first.writer.statuses[0];
    const second = setup(pool, [makePod({ name: 'orders-a', hash })]);
    await second.reconciler.reconcile('shop/orders');
    expect(second.writer).toMatchObject({ created: [], deleted: [], statuses: [], replicas: [] });
    expect(second.events.events).toEqual([]);
  });

  it('turns a pod the API server rejects into an InvalidSpec condition, a Warning and a slow retry', async () => {
    const { writer, events, reconciler } = setup(makePool({ replicas: 2 }));
    writer.createError = Object.assign(new Error('HTTP 422'), { code: 422, body: JSON.stringify({ message: 'Pod "x" is invalid: spec.containers[0].resources.requests: Invalid value' }) });
    expect(await reconciler.reconcile('shop/orders')).toEqual({ requeueAfterMs: INVALID_SPEC_RETRY_MS });
    const ready = writer.statuses[0]?.conditions.find((c) => c.type === 'Ready');
    expect(ready).toMatchObject({ status: 'False', reason: 'InvalidSpec' });
    expect(ready?.message).toContain('resources.requests: Invalid value');
    expect(events.events.some((e) => e.type === 'Warning' && e.reason === 'FailedCreate')).toBe(true);
  });

  it('rethrows transient failures after writing status', async () => {
    const { writer, reconciler } = setup(makePool({ replicas: 1 }));
    writer.createError = Object.assign(new Error('HTTP 500'), { code: 500 });
    await expect(reconciler.reconcile('shop/orders')).rejects.toThrow(/create pod/);
    expect(writer.statuses).toHaveLength(1);
  });

  it('defaults spec.replicas through the scale subresource', async () => {
    const pool = makePool({ autoscaling: { enabled: true, minReplicas: 3, maxReplicas: 9 } });
    delete pool.spec.replicas;
    const { writer, reconciler } = setup(pool);
    await reconciler.reconcile('shop/orders');
    expect(writer.replicas).toEqual([{ replicas: 3, manager: 'hare-operator' }]);
    expect(writer.created).toEqual([]);
  });

  it('forgets a deleted pool', async () => {
    const { writer, reconciler } = setup(undefined);
    expect(await reconciler.reconcile('shop/gone')).toEqual({});
    expect(writer.statuses).toEqual([]);
  });
});

describe('Reconciler: refused specs', () => {
  it('does not retry a refused generation until the retry time, then tries again', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const pool = makePool({ replicas: 1 });
    const writer = new FakeWriter();
    writer.createError = Object.assign(new Error('HTTP 422'), { code: 422, body: JSON.stringify({ message: 'Pod "orders-x7k2p" is invalid: bad' }) });
    const reconciler = new Reconciler({
      pools: { get: () => pool }, podsOf: () => [], writer, events: new FakeEvents(), expectations: new Expectations(), now: () => new Date(now),
    });
    let attempts = 0;
    const create = writer.createPod.bind(writer);
    writer.createPod = (p) => { attempts++; return create(p); };
    await reconciler.reconcile('shop/orders');
    pool.status = writer.statuses[0];
    await reconciler.reconcile('shop/orders');
    await reconciler.reconcile('shop/orders');
    expect(attempts).toBe(1);
    expect(writer.statuses[0]?.conditions.find((c) => c.type === 'Ready')?.message).toBe('create pod: Pod "orders-*" is invalid: bad');
    now += INVALID_SPEC_RETRY_MS;
    await reconciler.reconcile('shop/orders');
    expect(attempts).toBe(2);
    pool.metadata.generation = 2; // the user changed the spec: try at once
    await reconciler.reconcile('shop/orders');
    expect(attempts).toBe(3);
  });
});

describe('Reconciler: recreated pools', () => {
  it('tries a pool recreated under the same name at once, though the old one was refused at the same generation', async () => {
    let pool = makePool({ replicas: 1 });
    const writer = new FakeWriter();
    writer.createError = Object.assign(new Error('HTTP 422'), { code: 422, body: JSON.stringify({ message: 'Pod "orders-x7k2p" is invalid: bad' }) });
    const reconciler = new Reconciler({
      pools: { get: () => pool }, podsOf: () => [], writer, events: new FakeEvents(), expectations: new Expectations(() => 0), now: () => new Date('2026-01-01T00:00:00Z'),
    });
    await reconciler.reconcile('shop/orders');
    expect(writer.statuses[0]?.conditions.find((c) => c.type === 'Ready')?.reason).toBe('InvalidSpec');
    // deleted and created again (fixed) between two reconciles: the work queue merged both events into one key
    writer.createError = undefined;
    pool = makePool({ replicas: 1 });
    pool.metadata.uid = 'uid-orders-2';
    expect(pool.metadata.generation).toBe(1);
    expect(await reconciler.reconcile('shop/orders')).toEqual({ requeueAfterMs: STATUS_WAIT_MS }); // its status once the pod is seen
    expect(writer.created).toHaveLength(1);
  });
});

describe('podList', () => {
  it('names one pod, several pods, and shortens long lists', async () => {
    const { podList } = await import('./apply.ts');
    expect(podList(['a'], 'scale down')).toBe('pod a (scale down)');
    expect(podList(['a', 'b'])).toBe('2 pods: a, b');
    expect(podList(Array.from({ length: 12 }, (_, i) => `p${i}`), 'rolling update')).toBe('12 pods (rolling update): p0, p1, p2, p3, p4, p5, p6, p7, p8, p9 and 2 more');
  });
});
