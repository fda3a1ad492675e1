// Table-driven decisions of the pure policy: HareMq's cases, clamping, activation, windows, fallback, pause.
import { describe, expect, it } from 'vitest';
import type { AutoscalingSpec } from '../api/consumerpool.ts';
import { decide, initialState } from './policy.ts';
import type { Decision, PolicyState } from './policy.ts';
import { autoscalingSpec, failed, ready, withUnacked } from './testing/fixtures.ts';
import type { Reading } from './types.ts';

interface Step {
  /** Seconds since the start. */
  t: number;
  reading: Reading;
}

/** Runs ticks in order, applying each decision to the replica count as the caller would. */
function run(spec: AutoscalingSpec, start: number, steps: Step[], prefetch?: number): { decisions: Decision[]; replicas: number[]; state: PolicyState } {
  let state = initialState(start, 0);
  let current = start;
  const decisions: Decision[] = [];
  const replicas: number[] = [];
  for (const step of steps) {
    const out = decide({ spec, current, state, reading: step.reading, now: step.t * 1000, prefetch });
    state = out.state;
    current = out.decision.replicas ?? current;
    decisions.push(out.decision);
    replicas.push(current);
  }
  return { decisions, replicas, state };
}

const noWindows = autoscalingSpec({ downWindow: 0 });

describe('decide: the recommendation (HareMq formula, min 1, 10 per replica)', () => {
  it.each([
    [0, 1],
    [10, 1],
    [15, 2],
    [50, 5],
    [1, 1],
    [11, 2],
    [199, 20],
    [5000, 20],
  ])('depth %i -> %i replicas', (depth, expected) => {
    const { replicas } = run(noWindows, 1, [{ t: 1, reading: ready(depth) }]);
    expect(replicas).toEqual([expected]);
  });

  it('counts unacknowledged messages when the management API reports them', () => {
    const { decisions } = run(noWindows, 1, [{ t: 1, reading: withUnacked(50, 7) }]);
    expect(decisions[0]).toMatchObject({ kind: 'scaleUp', replicas: 6, desired: 6, event: true });
    expect(decisions[0]!.reason).toBe('scaling 1 -> 6: depth 57 (50 ready + 7 unacked) / 10 per replica -> 6');
  });

  it.each([
    { name: 'above max', spec: autoscalingSpec({ maxReplicas: 4, downWindow: 0 }), start: 1, depth: 90, expected: 4 },
    { name: 'below min', spec: autoscalingSpec({ minReplicas: 3, downWindow: 0 }), start: 5, depth: 0, expected: 3 },
    { name: 'manual count above max', spec: autoscalingSpec({ maxReplicas: 20 }), start: 25, depth: 50, expected: 20 },
    { name: 'manual count below min', spec: autoscalingSpec({ minReplicas: 2 }), start: 0, depth: 0, expected: 2 },
  ])('clamps to [min, max]: $name', ({ spec, start, depth, expected }) => {
    const { replicas, decisions } = run(spec, start, [{ t: 1, reading: ready(depth) }]);
    expect(replicas).toEqual([expected]);
    expect(decisions[0]!.reason).toContain('clamped to');
  });

  it('writes nothing when the count does not change', () => {
    const { decisions } = run(noWindows, 3, [{ t: 1, reading: ready(25) }]);
    expect(decisions[0]).toMatchObject({ kind: 'steady', replicas: undefined, desired: 3, event: false });
  });
});

describe('decide: activation and scale to zero', () => {
  const zero = autoscalingSpec({ minReplicas: 0, activationMessages: 5, downWindow: 0 });

  it.each([
    [0, 0],
    [5, 0],
    [6, 1],
    [25, 3],
  ])('from 0 replicas, depth %i -> %i (activation 5, strictly greater)', (depth, expected) => {
    expect(run(zero, 0, [{ t: 1, reading: ready(depth) }]).replicas).toEqual([expected]);
  });

  it('explains a depth below the activation threshold', () => {
    const { decisions } = run(zero, 0, [{ t: 1, reading: ready(3) }]);
    expect(decisions[0]!.reason).toBe('keeping 0 replicas: depth 3 (ready only) is not above activationMessages 5');
  });

  it('keeps one consumer while messages below the activation threshold remain', () => {
    expect(run(zero, 2, [{ t: 1, reading: ready(3) }]).replicas).toEqual([1]);
  });

  it('does not empty a pool whose consumers hold unacked messages (keda#356)', () => {
    const steps = [{ t: 1, reading: withUnacked(0, 2) }, { t: 2, reading: withUnacked(0, 1) }, { t: 3, reading: withUnacked(0, 0) }];
    expect(run(zero, 1, steps).replicas).toEqual([1, 1, 0]);
  });

  it('goes to zero only after the scale-down window saw nothing but empty reads', () => {
    const spec = autoscalingSpec({ minReplicas: 0, downWindow: 60 });
    const depths: [number, number][] = [[1, 4], [30, 0], [60, 0], [61, 0]];
    expect(run(spec, 1, depths.map(([t, d]) => ({ t, reading: ready(d) }))).replicas).toEqual([1, 1, 1, 0]);
  });
});

describe('decide: stabilisation windows (as the HPA)', () => {
  it('scales down only to the highest recommendation within the down window', () => {
    const spec = autoscalingSpec({ downWindow: 60 });
    const depths: [number, number][] = [[1, 80], [10, 0], [31, 40], [45, 0], [60, 0], [61, 0], [90, 0], [91, 0]];
    const { replicas, decisions } = run(spec, 1, depths.map(([t, d]) => ({ t, reading: ready(d) })));
    // a recommendation counts while it is strictly newer than now - 60 s: 8 (t=1) until t=61, 4 (t=31) until t=91
    expect(replicas).toEqual([8, 8, 8, 8, 8, 4, 4, 1]);
    expect(decisions[5]!.reason).toBe(
      'scaling 8 -> 4: depth 0 (ready only) / 10 per replica -> 0; scale-down window 60s: highest recent recommendation 4, so 4',
    );
  });

  it('scales up only to the lowest recommendation within the up window', () => {
    const spec = autoscalingSpec({ upWindow: 30, downWindow: 0 });
    const depths: [number, number][] = [[1, 80], [15, 80], [31, 30], [32, 80], [61, 80], [62, 80]];
    const { replicas } = run(spec, 1, depths.map(([t, d]) => ({ t, reading: ready(d) })));
    // t=31: the window (1 s, 31 s] holds 8 (t=15) and 3 -> 3; t=61: (31 s, 61 s] holds only 8s
    expect(replicas).toEqual([1, 1, 3, 3, 8, 8]);
  });

  it('seeds a fresh autoscaler with the current count, so a restart does not shrink a pool at once', () => {
    const spec = autoscalingSpec({ downWindow: 60 });
    const { replicas } = run(spec, 8, [0, 30, 59, 60].map((t) => ({ t, reading: ready(0) })));
    expect(replicas).toEqual([8, 8, 8, 1]);
  });
});

describe('decide: the reason at rest (no status write when a window expires)', () => {
  it.each([
    { name: 'min = max, empty queue', spec: autoscalingSpec({ minReplicas: 5, maxReplicas: 5, downWindow: 60 }), start: 5, depth: 0 },
    { name: 'at min, a small backlog', spec: autoscalingSpec({ minReplicas: 3, downWindow: 60 }), start: 3, depth: 12 },
    { name: 'at max, a large backlog', spec: autoscalingSpec({ maxReplicas: 4, downWindow: 60 }), start: 4, depth: 90 },
  ])('keeps the same wording before and after the seeded scale-down window expires: $name', ({ spec, start, depth }) => {
    const ticks = [1, 30, 59, 61, 90, 200];
    const { decisions, replicas } = run(spec, start, ticks.map((t) => ({ t, reading: ready(depth) })));
    expect(replicas).toEqual(ticks.map(() => start));
    expect(new Set(decisions.map((d) => d.reason)).size).toBe(1);
  });

  it('still names a window that holds the count', () => {
    const { decisions } = run(autoscalingSpec({ downWindow: 60 }), 6, [{ t: 1, reading: ready(20) }]);
    expect(decisions[0]!.reason).toBe('keeping 6 replicas: depth 20 (ready only) / 10 per replica -> 2; scale-down window 60s: highest recent recommendation 6, so 6');
  });
});

describe('decide: the busy floor (with prefetch and unacked counts)', () => {
  it('does not shrink a pool below the pods its in-flight work fills, even with an empty queue', () => {
    const { replicas, decisions } = run(noWindows, 20, [{ t: 1, reading: withUnacked(0, 14) }], 1);
    expect(replicas).toEqual([14]);
    expect(decisions[0]!.reason).toBe(
      'scaling 20 -> 14: depth 14 (0 ready + 14 unacked) / 10 per replica -> 2; 14 unacked / prefetch 1 keep 14 busy pods',
    );
  });

  it('counts pods worth of work, not pods touched: 15 unacked at prefetch 10 keep 2', () => {
    expect(run(noWindows, 8, [{ t: 1, reading: withUnacked(0, 15) }], 10).replicas).toEqual([2]);
  });

  it('never scales up for work in flight (draining pods hold unacked messages too)', () => {
    expect(run(noWindows, 5, [{ t: 1, reading: withUnacked(0, 15) }], 1).replicas).toEqual([5]);
  });

  it('is off without prefetch or without unacked counts: exactly the HareMq formula', () => {
    expect(run(noWindows, 20, [{ t: 1, reading: withUnacked(0, 14) }]).replicas).toEqual([2]);
    expect(run(noWindows, 20, [{ t: 1, reading: ready(0) }], 1).replicas).toEqual([1]);
  });
});

describe('decide: failed reads and fallback', () => {
  const spec = autoscalingSpec({ failureThreshold: 3, downWindow: 0 });

  it('holds below the threshold without touching BrokerReachable, then falls back and reports the broker lost', () => {
    const { decisions, replicas } = run(spec, 4, [1, 2, 3, 4].map((t) => ({ t, reading: failed() })));
    expect(replicas).toEqual([4, 4, 4, 4]);
    expect(decisions.map((d) => d.kind)).toEqual(['readFailed', 'readFailed', 'fallback', 'fallback']);
    expect(decisions.map((d) => d.broker.reachable)).toEqual([undefined, undefined, false, false]);
    expect(decisions.map((d) => d.broker.transition)).toEqual([undefined, undefined, 'lost', undefined]);
    expect(decisions.map((d) => d.event)).toEqual([false, false, true, false]);
    expect(decisions[0]!.reason).toBe(
      'queue depth read failed (1 of 3 before fallback): unreachable: connect ECONNREFUSED 127.0.0.1:5672; keeping 4 replicas',
    );
  });

  it('recovers by itself and reports it', () => {
    const steps = [...[1, 2, 3].map((t) => ({ t, reading: failed() })), { t: 4, reading: ready(0) }];
    const { decisions, replicas, state } = run(spec, 4, steps);
    expect(decisions[3]!.broker).toMatchObject({ reachable: true, transition: 'recovered' });
    expect(replicas[3]).toBe(1);
    expect(state.failures).toBe(0);
  });

  it('goes up to fallback.replicas but never down to it', () => {
    const up = autoscalingSpec({ failureThreshold: 2, fallbackReplicas: 6 });
    expect(run(up, 4, [1, 2].map((t) => ({ t, reading: failed() }))).replicas).toEqual([4, 6]);
    const down = autoscalingSpec({ failureThreshold: 2, fallbackReplicas: 2 });
    const { replicas, decisions } = run(down, 4, [1, 2].map((t) => ({ t, reading: failed() })));
    expect(replicas).toEqual([4, 4]);
    expect(decisions[1]!.reason).toContain('fallback.replicas 2 would scale down');
  });

  it('applies the scale-down window to the fallback count after recovery', () => {
    const fb = autoscalingSpec({ failureThreshold: 1, fallbackReplicas: 6, downWindow: 60 });
    const steps = [{ t: 100, reading: failed() }, { t: 105, reading: ready(0) }, { t: 160, reading: ready(0) }];
    expect(run(fb, 2, steps).replicas).toEqual([6, 6, 1]);
  });

  it('a failure resets only after a successful read', () => {
    const steps = [{ t: 1, reading: failed() }, { t: 2, reading: failed() }, { t: 3, reading: ready(5) }, { t: 4, reading: failed() }];
    expect(run(spec, 4, steps).decisions.map((d) => d.kind)).toEqual(['readFailed', 'readFailed', 'scaleDown', 'readFailed']);
  });
});

describe('decide: paused and disabled', () => {
  it.each([
    ['paused', autoscalingSpec({ paused: true, downWindow: 0 })],
    ['disabled', autoscalingSpec({ enabled: false, downWindow: 0 })],
  ])('%s: no decision and no state change, whatever the reading', (kind, spec) => {
    const state = initialState(3, 0);
    for (const reading of [ready(500), ready(0), failed()]) {
      const out = decide({ spec, current: 3, state, reading, now: 1000 });
      expect(out.state).toBe(state);
      expect(out.decision).toMatchObject({ kind, replicas: undefined, desired: 3, event: false, broker: { reachable: undefined } });
    }
  });
});
