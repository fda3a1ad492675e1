// Which pods are asked, how their answers become unacked, per-pod counts and the busy floor, and the read that asks them.
import { describe, expect, it } from 'vitest';
import { makePod, makePool } from '../testing/fixtures.ts';
import { decide, initialState } from './policy.ts';
import { completionRate, signalTargets, withPodSignals } from './pod-depth.ts';
import { readDepth, type SourceDeps } from './pool-source.ts';
import type { PodSignal } from './pod-signals.ts';
import { describeDepth } from './reason.ts';
import { autoscalingSpec } from './testing/fixtures.ts';
import type { QueueDepth } from './types.ts';

const management: QueueDepth = {
  ready: 4, consumers: 3, unacked: 9, unackedFrom: 'management', perConnectionUnacked: { a: 9 }, perPeerUnacked: { '10.0.0.1': 9 }, rates: { publish: 2, deliverGet: 3 },
};

describe('signalTargets', () => {
  const pods = [
    makePod({ name: 'ready', ip: '10.0.0.1' }),
    makePod({ name: 'starting', ready: false, ip: '10.0.0.2' }),
    makePod({ name: 'draining', terminating: true, ip: '10.0.0.3' }),
    makePod({ name: 'failed', phase: 'Failed', ip: '10.0.0.4' }),
    makePod({ name: 'no-ip' }),
  ];

  it('asks the ready, live pods of a hare pool, with their IPs (none yet: still asked, to count as silent)', () => {
    expect(signalTargets(makePool({ runtime: 'hare' }), pods)).toEqual([{ name: 'ready', ip: '10.0.0.1' }, { name: 'no-ip', ip: undefined }]);
  });

  it('asks nothing of a generic image: its port promises no such gauge', () => {
    expect(signalTargets(makePool({ runtime: 'generic' }), pods)).toBeUndefined();
  });
});

describe('withPodSignals', () => {
  it('sums the in-flight counts into unacked, per pod by name, instead of the per-connection counts; the rates stay', () => {
    const signals: PodSignal[] = [{ name: 'a', inFlight: 12 }, { name: 'b', inFlight: 0 }];
    expect(withPodSignals(management, signals)).toEqual({
      ready: 4, consumers: 3, rates: { publish: 2, deliverGet: 3 }, unacked: 12, unackedFrom: 'pods', perPodUnacked: { a: 12, b: 0 }, silentPods: [],
    });
  });

  it('keeps the management API total when it is the larger (draining pods, consumers outside the pool, lag)', () => {
    const depth = withPodSignals(management, [{ name: 'a', inFlight: 2 }]);
    expect(depth).toMatchObject({ unacked: 9, unackedFrom: 'management', perPodUnacked: { a: 2 } });
    expect(depth.perConnectionUnacked).toBeUndefined();
  });

  it('leaves a pod that did not answer out of the depth, with no per-pod count (never an idle victim)', () => {
    const depth = withPodSignals({ ready: 0, consumers: 2 }, [{ name: 'a', inFlight: 0 }, { name: 'b', silent: 'no answer in time' }]);
    expect(depth).toMatchObject({ unacked: 0, perPodUnacked: { a: 0 }, silentPods: ['b'] });
    expect(describeDepth(depth)).toBe('depth 0 (0 ready + 0 unacked from 2 pods, 1 silent held busy)');
  });

  it('with no pod asked (none ready), the depth stays the broker\'s', () => {
    expect(withPodSignals({ ready: 3, consumers: 0 }, [])).toEqual({ ready: 3, consumers: 0 });
    expect(withPodSignals(management, [])).toBe(management);
  });
});

describe('the policy on pod signals', () => {
  const spec = autoscalingSpec({ minReplicas: 0, downWindow: 0 });
  const decideOn = (signals: PodSignal[], current: number): number | undefined =>
    decide({ spec, current, state: initialState(current, 0), reading: { ok: true, depth: withPodSignals({ ready: 0, consumers: current }, signals), latencyMs: 1 }, now: 1000, prefetch: 1 }).decision.desired;

  it('keeps a busy pool whose queue has nothing ready (busy floor from the pods)', () => {
    expect(decideOn([{ name: 'a', inFlight: 1 }, { name: 'b', inFlight: 1 }, { name: 'c', inFlight: 1 }], 3)).toBe(3);
  });

  it('never scales to zero, nor below the silent pods, for pods that do not answer', () => {
    expect(decideOn([{ name: 'a', inFlight: 0 }, { name: 'b', silent: 'ECONNREFUSED' }], 2)).toBe(1);
    expect(decideOn([{ name: 'a', silent: 'timeout' }, { name: 'b', silent: 'timeout' }], 2)).toBe(2);
  });

  it('never scales up for pods that do not answer, whatever the prefetch (an unreachable port on every pod)', () => {
    const silent = (n: number): PodSignal[] => Array.from({ length: n }, (_, i) => ({ name: `p${i}`, silent: 'ECONNREFUSED' }));
    const decideSilent = (current: number, prefetch: number): number | undefined =>
      decide({ spec: autoscalingSpec({ minReplicas: 0, messagesPerReplica: 1 }), current, state: initialState(current, 0), reading: { ok: true, depth: withPodSignals({ ready: 0, consumers: current }, silent(current)), latencyMs: 1 }, now: 1000, prefetch }).decision.desired;
    expect(decideSilent(3, 10)).toBe(3);
    expect(decideSilent(1, 50)).toBe(1);
  });

  it('scales an idle pool that answers to zero', () => {
    expect(decideOn([{ name: 'a', inFlight: 0 }, { name: 'b', inFlight: 0 }], 2)).toBe(0);
  });
});

const broker = (depth: QueueDepth): SourceDeps['sources'] => ({
  acquire: (ref) => ({ ref, read: () => Promise.resolve({ ok: true, depth, latencyMs: 1 }), release: () => Promise.resolve() }),
});
const secrets: SourceDeps['secrets'] = { value: () => Promise.resolve('amqp://guest:guest@127.0.0.1:5672/'), forget: () => undefined };
const twoPods = [makePod({ name: 'a', ip: '10.0.0.1' }), makePod({ name: 'b', ip: '10.0.0.2' })];

describe('readDepth with the pods', () => {
  const signals = { read: (targets: readonly { name: string }[]): Promise<PodSignal[]> => Promise.resolve(targets.map((t) => (t.name === 'a' ? { name: 'a', inFlight: 4 } : { name: t.name, silent: 'no answer in time' }))) };

  it('asks the pods beside the broker; their per-pod counts (none for a silent pod) replace the per-connection ones, the larger total counts', async () => {
    const pool = makePool({ runtime: 'hare', queue: { prefetch: 6 } });
    const reading = await readDepth({ sources: broker(management), secrets, pods: { of: () => twoPods, signals }, now: () => 1000 }, {}, pool, () => pool);
    expect(reading).toMatchObject({ ok: true, depth: { ready: 4, unacked: 9, unackedFrom: 'management', perPodUnacked: { a: 4 }, silentPods: ['b'] } });
    expect(reading?.ok && reading.depth.perConnectionUnacked).toBeUndefined();
  });

  it('leaves a generic pool to the broker sources', async () => {
    const pool = makePool({ runtime: 'generic' });
    const reading = await readDepth({ sources: broker(management), secrets, pods: { of: () => twoPods, signals }, now: () => 1000 }, {}, pool, () => pool);
    expect(reading).toMatchObject({ ok: true, depth: { unacked: 9, unackedFrom: 'management' } });
  });
});

describe('the pods\' completion rate', () => {
  const answer = (name: string, acked: number): PodSignal => ({ name, inFlight: 1, acked });

  it('sums the growth of each pod\'s acked counter since the last read, per second', () => {
    const first = completionRate(undefined, [answer('a', 100), answer('b', 40)], 10_000);
    expect(first.rate).toBeUndefined();
    expect(completionRate(first.sample, [answer('a', 130), answer('b', 50)], 12_000).rate).toBe(20);
  });

  it('skips a new pod, a restarted one (its counter went back) and a silent one', () => {
    const before = { at: 0, byPod: { a: 10, b: 500 } };
    expect(completionRate(before, [answer('a', 20), answer('b', 3), answer('c', 90), { name: 'd', silent: 'timeout' }], 1000).rate).toBe(10);
    expect(completionRate(before, [answer('b', 3), answer('c', 90)], 1000).rate).toBeUndefined();
  });

  it('gives the wait-time sizing its completions without the management API: the second read has deliverGet', async () => {
    const pool = makePool({ runtime: 'hare', queue: { prefetch: 6 } });
    let acked = 100;
    let now = 0;
    const counting = { read: (targets: readonly { name: string }[]): Promise<PodSignal[]> => Promise.resolve(targets.map((t) => ({ name: t.name, inFlight: 2, acked }))) };
    const deps: SourceDeps = { sources: broker({ ready: 30, consumers: 2 }), secrets, pods: { of: () => twoPods, signals: counting }, now: () => now };
    const slot = {};
    expect(await readDepth(deps, slot, pool, () => pool)).toMatchObject({ ok: true, depth: { unacked: 4 } });
    acked += 25;
    now += 5000;
    expect(await readDepth(deps, slot, pool, () => pool)).toMatchObject({ ok: true, depth: { unacked: 4, rates: { deliverGet: 10 } } });
  });

  it('leaves the management API\'s completions alone', async () => {
    const pool = makePool({ runtime: 'hare', queue: { prefetch: 6 } });
    const counting = { read: (targets: readonly { name: string }[]): Promise<PodSignal[]> => Promise.resolve(targets.map((t) => ({ name: t.name, inFlight: 9, acked: 1e6 }))) };
    let now = 0;
    const deps: SourceDeps = { sources: broker(management), secrets, pods: { of: () => twoPods, signals: counting }, now: () => (now += 1000) };
    const slot = {};
    await readDepth(deps, slot, pool, () => pool);
    expect(await readDepth(deps, slot, pool, () => pool)).toMatchObject({ ok: true, depth: { rates: { publish: 2, deliverGet: 3 } } });
  });
});
