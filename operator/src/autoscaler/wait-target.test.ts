// The wait-time target (spec.autoscaling.targetWaitSeconds): rates by Little's law and EWMA, sizing, reasons.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decide, initialState } from './policy.ts';
import type { PolicyState } from './policy.ts';
import { arrivalSample, perPodSample, RATE_TAU_MS, updateRates } from './rates.ts';
import { waitRecommendation } from './recommend.ts';
import { autoscalingSpec, failed } from './testing/fixtures.ts';
import type { ReadSuccess } from './types.ts';

function read(ready: number, unacked: number, rates: { publish?: number; deliverGet?: number }): ReadSuccess {
  return { ok: true, depth: { ready, unacked, consumers: 1, rates }, latencyMs: 1 };
}

describe('rates', () => {
  it("per-pod rate is prefetch x completions / in flight (Little's law), none without work in flight", () => {
    expect(perPodSample(read(0, 4, { deliverGet: 10 }).depth, 2)).toBe(5);
    expect(perPodSample(read(0, 0, { deliverGet: 10 }).depth, 1)).toBeUndefined();
    expect(perPodSample(read(0, 3, {}).depth, 1)).toBeUndefined();
  });

  it('arrivals: the publish rate, else depth change plus completions', () => {
    expect(arrivalSample(read(5, 0, { publish: 7, deliverGet: 3 }).depth, undefined, 0)).toEqual({ rate: 7, from: 'publish' });
    const prev = updateRates(undefined, read(100, 0, {}).depth, 1, 0);
    // +50 in 5 s while 10/s were settled: 20/s arrived
    expect(arrivalSample(read(150, 0, { deliverGet: 10 }).depth, prev, 5000)).toEqual({ rate: 20, from: 'depth' });
  });

  it('smooths with weight 1 - exp(-dt / tau) on the injected clock', () => {
    const a = updateRates(undefined, read(0, 1, { publish: 10, deliverGet: 5 }).depth, 1, 0);
    expect(a.arrival).toBe(10);
    const b = updateRates(a, read(0, 1, { publish: 20, deliverGet: 5 }).depth, 1, RATE_TAU_MS);
    expect(b.arrival).toBeCloseTo(10 + 10 * (1 - Math.exp(-1)), 9);
    const same = updateRates(a, read(0, 1, { publish: 20, deliverGet: 5 }).depth, 1, 0);
    expect(same.arrival).toBe(10);
  });
});

describe('waitRecommendation', () => {
  it('keeps up with arrivals and drains the ready backlog within the target', () => {
    // (40/s + 300 ready / 30 s) / 5/s per pod = 10
    expect(waitRecommendation(300, 310, 40, 5, 30, 4, 0).replicas).toBe(10);
    expect(waitRecommendation(301, 310, 40, 5, 30, 4, 0).replicas).toBe(11);
  });

  it('empty queue with under one message per target: 0; traffic keeps pods', () => {
    expect(waitRecommendation(0, 0, 0.01, 5, 30, 2, 0).replicas).toBe(0);
    expect(waitRecommendation(0, 0, 20, 5, 30, 2, 0).replicas).toBe(4);
    expect(waitRecommendation(3, 3, 0, 5, 30, 0, 5).replicas).toBe(0);
  });

  it('property: the service rate it buys covers arrivals plus backlog / target, with less than one pod to spare', () => {
    fc.assert(
      fc.property(fc.nat(100_000), fc.double({ min: 0.1, max: 1000, noNaN: true }), fc.double({ min: 0.01, max: 100, noNaN: true }), fc.integer({ min: 1, max: 3600 }), (ready, arrival, perPod, target) => {
        const n = waitRecommendation(ready, ready + 1, arrival, perPod, target, 1, 0).replicas;
        const need = arrival + ready / target;
        expect(n * perPod).toBeGreaterThanOrEqual(need * (1 - 1e-9));
        expect((n - 1) * perPod).toBeLessThan(Math.max(need, perPod));
      }),
    );
  });
});

describe('decide with targetWaitSeconds', () => {
  const spec = autoscalingSpec({ targetWaitSeconds: 30, downWindow: 0 });

  it('sizes from the rates and says so with the numbers', () => {
    const out = decide({ spec, current: 2, state: initialState(2, 0), reading: read(300, 8, { publish: 40, deliverGet: 10 }), now: 1000, prefetch: 1 });
    // per pod 1 x 10 / 8 = 1.25/s; (40 + 300 / 30) / 1.25 = 40 -> clamped to 20
    expect(out.decision.desired).toBe(20);
    expect(out.decision.reason).toBe('scaling 2 -> 20: wait target 30s: (40.0/s arriving (publish rate) + 300 ready / 30s) / 1.25/s per pod = 40.0 -> 40; clamped to [1, 20]: 20');
  });

  it('before a service rate is measured, messagesPerReplica sizes the pool and the reason says why', () => {
    const out = decide({ spec, current: 0, state: initialState(0, 0), reading: read(50, 0, { publish: 5 }), now: 1000, prefetch: 1 });
    expect(out.decision.desired).toBe(5);
    expect(out.decision.reason).toContain('(wait target 30s: no service rate measured yet)');
  });

  it('uses the slack of the target: a busy pool with a backlog it drains in time shrinks (no busy floor in this mode)', () => {
    // 10 pods all busy (unacked 10, prefetch 1), 5/s per pod, 10/s arriving, 60 ready: (10 + 60 / 30) / 5 = 2.4 -> 3
    const out = decide({ spec, current: 10, state: initialState(10, 0), reading: read(60, 10, { publish: 10, deliverGet: 50 }), now: 1000, prefetch: 1 });
    expect(out.decision.desired).toBe(3);
  });

  it('never removes the last consumer while it holds a message', () => {
    const out = decide({ spec, current: 1, state: initialState(1, 0), reading: read(0, 1, { publish: 0, deliverGet: 1 }), now: 1000, prefetch: 1 });
    expect(out.decision.desired).toBe(1);
    const zeroMin = autoscalingSpec({ targetWaitSeconds: 30, downWindow: 0, minReplicas: 0 });
    const held = decide({ spec: zeroMin, current: 1, state: initialState(1, 0), reading: read(0, 1, { publish: 0, deliverGet: 1 }), now: 1000, prefetch: 1 });
    expect(held.decision.desired).toBe(1);
    const idle = decide({ spec: zeroMin, current: 1, state: initialState(1, 0), reading: read(0, 0, { publish: 0, deliverGet: 1 }), now: 1000, prefetch: 1 });
    expect(idle.decision.desired).toBe(0);
  });

  it('a failed read keeps the measured rates (fallback too)', () => {
    const first = decide({ spec, current: 2, state: initialState(2, 0), reading: read(0, 2, { publish: 4, deliverGet: 4 }), now: 1000, prefetch: 1 });
    let state: PolicyState = first.state;
    for (let k = 0; k < 4; k++) state = decide({ spec, current: 2, state, reading: failed(), now: 2000 + k, prefetch: 1 }).state;
    expect(state.rates?.perPod).toBe(2);
    expect(state.rates?.arrival).toBe(4);
  });
});
