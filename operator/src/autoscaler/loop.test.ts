// The autoscaler loop with fakes: tick scheduling, the re-read after every await, the 409 path, forget, state by uid.
import { describe, expect, it } from 'vitest';
import type { Pool } from '../api/pool.ts';
import { makePool } from '../testing/fixtures.ts';
import { Autoscaler } from './loop.ts';
import { fakeLoopDeps } from './testing/loop-fakes.ts';
import { ready, withUnacked } from './testing/fixtures.ts';

type Autoscaling = NonNullable<Pool['spec']['autoscaling']>;

/** Pool shop/orders at 1 replica, polled every 5 s; random 0.5: first poll at 2500 ms, then every 4750 ms. */
function setup(autoscaling: Partial<Autoscaling> = {}) {
  const f = fakeLoopDeps();
  const pool = f.pools.set(makePool({ replicas: 1, autoscaling: { minReplicas: 1, maxReplicas: 10, ...autoscaling } }));
  const loop = new Autoscaler(f.deps);
  loop.sync(pool);
  f.sources.depth.set('orders', ready(80)); // asks for 8
  const edit = (change: (p: Pool) => void): Pool => f.pools.edit('shop', 'orders', change);
  /** Runs `fn` inside the next depth read only. */
  const duringNextRead = (fn: () => void): void => {
    f.sources.duringRead = () => { f.sources.duringRead = undefined; fn(); };
  };
  const metric = async (name: string): Promise<Record<string, number>> =>
    Object.fromEntries((await f.registry.getSingleMetric(name)!.get()).values.map((v) => [String(v.labels.why ?? v.labels.kind), v.value]));
  return { ...f, loop, edit, duringNextRead, metric, current: () => f.pools.get('shop', 'orders')! };
}

const FIRST = 2500;
const PERIOD = 4750;

describe('Autoscaler loop: timing', () => {
  it('polls first after a random share of one interval, then every interval less jitter, timed from the start of the tick', async () => {
    const s = setup();
    expect(s.clock.pending()).toEqual([FIRST]);
    await s.clock.advance(FIRST - 1);
    expect(s.sources.handles).toEqual([]);
    await s.clock.advance(1);
    expect(s.sources.handles.map((h) => h.reads)).toEqual([1]);
    expect(s.clock.pending()).toEqual([PERIOD]);
    s.sources.duringRead = () => s.clock.pass(1000); // a read of 1 s
    await s.clock.advance(PERIOD);
    expect(s.sources.handles.map((h) => h.reads)).toEqual([2]);
    expect(s.clock.pending()).toEqual([PERIOD - 1000]);
  });

  it('has no timer for a pool that is not autoscaled, and none after stop()', async () => {
    const s = setup();
    s.loop.sync(s.edit((p) => { p.spec.autoscaling!.enabled = false; }));
    expect(s.clock.pending()).toEqual([]);
    s.loop.sync(s.edit((p) => { p.spec.autoscaling!.enabled = true; }));
    await s.clock.advance(FIRST);
    s.loop.stop();
    expect(s.clock.pending()).toEqual([]);
    expect(s.sources.open()).toEqual([]);
    s.loop.sync(s.current());
    expect(s.clock.pending()).toEqual([]);
  });
});

describe('Autoscaler loop: a tick', () => {
  it('scales through /scale with the resourceVersion it decided on, with an Event and the status', async () => {
    const s = setup();
    await s.clock.advance(FIRST);
    const decidedOn = s.writer.scales[0]?.resourceVersion;
    expect(s.writer.scales).toEqual([{ replicas: 8, manager: 'hare-autoscaler', resourceVersion: decidedOn, uid: 'uid-orders' }]);
    expect(decidedOn).toBeDefined();
    expect(s.events.events.map((e) => `${e.reason}: ${e.message}`)).toEqual(['Autoscaled: scaling 1 -> 8: depth 80 (ready only) / 10 per replica -> 8']);
    expect(s.writer.statuses.map((st) => st.autoscaler?.desiredReplicas)).toEqual([8]);
    expect(s.current().spec.replicas).toBe(8);
  });

  it.each<[string, (p: Pool) => void]>([
    ['paused and scaled by hand (kubectl scale)', (p) => { p.spec.autoscaling!.paused = true; p.spec.replicas = 5; }],
    ['scaled by hand only', (p) => { p.spec.replicas = 5; }],
    ['autoscaling turned off', (p) => { p.spec.autoscaling!.enabled = false; }],
    ['pointed at another broker', (p) => { p.spec.broker.uriSecretRef.name = 'other-broker'; }],
  ])('writes nothing when the pool is %s during the depth read', async (_what, change) => {
    const s = setup();
    s.duringNextRead(() => s.loop.sync(s.edit(change)));
    await s.clock.advance(FIRST);
    expect(s.writer.scales).toEqual([]);
    expect(s.writer.statuses).toEqual([]);
    expect(s.events.events).toEqual([]);
    // a pool no longer autoscaled is forgotten, with its series (scaler-metrics.test.ts)
    expect(await s.metric('hare_autoscaler_dropped_decisions_total')).toEqual(_what === 'autoscaling turned off' ? {} : { poolChanged: 1 });
  });

  it('keeps a pause and a kubectl scale made during the read, on later ticks too', async () => {
    const s = setup();
    s.duringNextRead(() => s.loop.sync(s.edit((p) => { p.spec.autoscaling!.paused = true; p.spec.replicas = 5; })));
    await s.clock.advance(FIRST + 3 * PERIOD);
    expect(s.writer.scales).toEqual([]);
    expect(s.current().spec.replicas).toBe(5);
    expect(s.writer.statuses.at(-1)?.conditions.find((c) => c.type === 'AutoscalingActive')).toMatchObject({ status: 'False', reason: 'Paused' });
  });

  it('never scales on the old queue when spec.queue.name changes during the read', async () => {
    const s = setup();
    s.sources.depth.set('orders-v2', ready(20)); // asks for 2
    s.duringNextRead(() => s.loop.sync(s.edit((p) => { p.spec.queue.name = 'orders-v2'; })));
    await s.clock.advance(FIRST);
    expect(s.writer.scales).toEqual([]);
    expect(s.sources.open()).toEqual([]);
    await s.clock.advance(PERIOD);
    expect(s.writer.scales.map((w) => w.replicas)).toEqual([2]);
    expect(s.sources.open()).toEqual(['orders-v2']);
  });

  it('keeps no handle on the old queue when spec.queue.name changes while the Secrets are read', async () => {
    const s = setup();
    s.sources.depth.set('orders-v2', ready(20));
    s.secrets.duringRead = () => {
      s.secrets.duringRead = undefined;
      s.loop.sync(s.edit((p) => { p.spec.queue.name = 'orders-v2'; }));
    };
    await s.clock.advance(FIRST + 2 * PERIOD);
    expect(s.sources.handles.filter((h) => h.ref.queue === 'orders' && !h.released)).toEqual([]);
    expect(s.writer.scales.map((w) => w.replicas)).toEqual([2]);
  });

  it('takes a 409 from /scale as "decide again next tick": no Event, no status, no warning, then the write on the fresh pool', async () => {
    const s = setup();
    s.writer.conflicts = 1;
    await s.clock.advance(FIRST);
    expect(s.writer.scales).toEqual([]);
    expect(s.events.events).toEqual([]);
    expect(s.writer.statuses).toEqual([]);
    expect(s.logs.filter((l) => l.level >= 40)).toEqual([]);
    expect(await s.metric('hare_autoscaler_dropped_decisions_total')).toEqual({ conflict: 1 });
    const rv = s.current().metadata.resourceVersion;
    await s.clock.advance(PERIOD);
    expect(s.writer.scales).toMatchObject([{ replicas: 8, resourceVersion: rv }]);
    expect(s.events.events.map((e) => e.reason)).toEqual(['Autoscaled']);
  });

  it('reads the broker CA and client certificate from the pool\'s TLS Secret, and a new handle when it changes', async () => {
    const s = setup();
    s.loop.sync(s.edit((p) => { p.spec.broker.tls = { secretName: 'broker-tls', clientCertificate: true }; }));
    await s.clock.advance(FIRST);
    expect(s.sources.handles.at(-1)?.ref.tls).toEqual({
      ca: 'amqp://shop.broker-tls.ca.crt/', cert: 'amqp://shop.broker-tls.tls.crt/', key: 'amqp://shop.broker-tls.tls.key/',
    });
    s.loop.sync(s.edit((p) => { p.spec.broker.tls = { secretName: 'other-ca', clientCertificate: false }; }));
    await s.clock.advance(PERIOD);
    expect(s.sources.handles.at(-1)?.ref.tls).toEqual({ ca: 'amqp://shop.other-ca.ca.crt/' });
    expect(s.sources.open()).toHaveLength(1);
  });

  it('reads the Secrets again after an access error: a rotated password gets a new handle, the same one keeps it', async () => {
    const s = setup();
    s.sources.depth.set('orders', { ok: false, kind: 'accessRefused', error: 'ACCESS_REFUSED', latencyMs: 1 });
    await s.clock.advance(FIRST);
    expect(s.secrets.forgotten).toEqual(['shop/rabbitmq']);
    expect(s.secrets.reads).toBe(2);
    expect(s.sources.open()).toEqual(['orders']); // unchanged: no reconnect churn
    s.secrets.values.set('shop/rabbitmq/uri', 'amqp://rotated@broker/');
    await s.clock.advance(PERIOD);
    expect(s.sources.open()).toEqual([]);
    await s.clock.advance(PERIOD);
    expect(s.sources.handles.map((h) => h.ref.uri)).toEqual(['amqp://shop.rabbitmq.uri/', 'amqp://rotated@broker/']);
  });

  it('connects with a corrected CA after a TLS failure, without an operator restart', async () => {
    const s = setup();
    s.loop.sync(s.edit((p) => { p.spec.broker.tls = { secretName: 'broker-tls', clientCertificate: false }; }));
    s.secrets.values.set('shop/broker-tls/ca.crt', 'WRONG CA');
    s.sources.depth.set('orders', { ok: false, kind: 'unreachable', error: 'self-signed certificate in certificate chain', latencyMs: 1 });
    await s.clock.advance(FIRST);
    await s.clock.advance(PERIOD);
    expect(s.sources.handles).toHaveLength(1); // the same Secret: the same handle, and no forced Secret read
    expect(s.secrets.forgotten).toEqual([]);
    s.secrets.values.set('shop/broker-tls/ca.crt', 'RIGHT CA');
    await s.clock.advance(PERIOD);
    await s.clock.advance(PERIOD);
    expect(s.sources.handles.map((h) => h.ref.tls?.ca)).toEqual(['WRONG CA', 'RIGHT CA']);
    expect(s.sources.open()).toEqual(['orders']);
  });
});

describe('Autoscaler loop: deletion and recreation', () => {
  it('forgets a deleted pool: no timer, handle released, and a read in flight writes nothing', async () => {
    const s = setup();
    await s.clock.advance(FIRST);
    expect(s.writer.scales).toHaveLength(1);
    const statuses = s.writer.statuses.length;
    s.sources.depth.set('orders', ready(100)); // would ask for 10
    s.duringNextRead(() => {
      const gone = s.current();
      s.pools.delete('shop', 'orders');
      s.loop.forget(gone);
    });
    await s.clock.advance(PERIOD);
    expect(s.writer.scales).toHaveLength(1);
    expect(s.writer.statuses).toHaveLength(statuses);
    expect(s.clock.pending()).toEqual([]);
    expect(s.sources.open()).toEqual([]);
  });

  it('ignores forget() for another pool of the same name (another uid)', () => {
    const s = setup();
    s.loop.forget({ ...s.current(), metadata: { ...s.current().metadata, uid: 'uid-older' } });
    expect(s.clock.pending()).toEqual([FIRST]);
  });

  it('starts a pool recreated under the same name clean, though no delete was seen (a relist)', async () => {
    const s = setup({ fallback: { failureThreshold: 2, replicas: 4 } });
    s.sources.depth.delete('orders'); // every read fails
    await s.clock.advance(FIRST); // 1 of 2 failures
    expect(s.writer.scales).toEqual([]);
    const recreated = s.pools.set({ ...makePool({ replicas: 1, autoscaling: { minReplicas: 1, maxReplicas: 10, fallback: { failureThreshold: 2, replicas: 4 } } }) });
    recreated.metadata.uid = 'uid-orders-2';
    s.loop.sync(s.pools.set(recreated));
    await s.clock.advance(FIRST); // the new pool's first poll: 1 of 2 again, not the fallback
    expect(s.writer.scales).toEqual([]);
    expect(s.events.events).toEqual([]);
    expect(s.sources.handles.map((h) => h.released)).toEqual([true, false]);
  });

  it('writes nothing onto a pool recreated during the read, even at the same generation', async () => {
    const s = setup();
    s.duringNextRead(() => {
      const recreated = makePool({ replicas: 1, autoscaling: { minReplicas: 1, maxReplicas: 10 } });
      recreated.metadata.uid = 'uid-orders-2';
      s.loop.sync(s.pools.set(recreated));
    });
    await s.clock.advance(FIRST - 1);
    expect(s.writer.scales).toEqual([]);
    expect(s.writer.statuses).toEqual([]);
    await s.clock.advance(1 + FIRST); // the recreated pool is polled on its own timer
    expect(s.writer.scales).toMatchObject([{ replicas: 8, uid: 'uid-orders-2' }]);
  });

  it('gives busy pods only to the pool they were read for, and only for three intervals', async () => {
    const s = setup();
    s.sources.depth.set('orders', { ...withUnacked(0, 10), depth: { ready: 0, unacked: 10, consumers: 1, perConnectionUnacked: { 'orders-a': 10 }, perPeerUnacked: { '10.0.0.4': 10 } } });
    await s.clock.advance(FIRST);
    expect(s.loop.busyOf(s.current())).toEqual({ byName: new Map([['orders-a', 10]]), byAddress: new Map([['10.0.0.4', 10]]) });
    expect(s.loop.busyOf({ ...s.current(), metadata: { ...s.current().metadata, uid: 'uid-orders-2' } })).toBeUndefined();
    s.sources.depth.set('orders', ready(0));
    await s.clock.advance(3 * 5000);
    expect(s.loop.busyOf(s.current())).toBeUndefined();
  });

  it('reads a pool that another scaler sizes (an HPA, KEDA, kubectl) only for its busy counts while it has 2 or more pods', async () => {
    const s = setup();
    const busy = { ready: 0, unacked: 10, consumers: 2, perConnectionUnacked: { 'orders-a': 10, 'orders-b': 0 }, perPeerUnacked: {} };
    s.sources.depth.set('orders', { ...withUnacked(0, 10, 2), depth: busy });
    s.loop.sync(s.edit((p) => { p.spec.autoscaling!.enabled = false; p.spec.replicas = 3; }));
    await s.clock.advance(FIRST);
    expect(s.sources.handles.map((h) => h.reads)).toEqual([1]);
    expect(s.loop.busyOf(s.current())?.byName).toEqual(new Map([['orders-a', 10], ['orders-b', 0]]));
    // it decides nothing: no /scale write, no Event, no autoscaler status
    expect(s.writer.scales).toEqual([]);
    expect(s.events.events).toEqual([]);
    expect(s.writer.statuses).toEqual([]);
    // at 1 replica there is no victim to choose: the next tick lets the pool go
    s.edit((p) => { p.spec.replicas = 1; });
    await s.clock.advance(PERIOD);
    expect(s.clock.pending()).toEqual([]);
    expect(s.sources.open()).toEqual([]);
  });
});
