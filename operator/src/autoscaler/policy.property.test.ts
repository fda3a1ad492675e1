// fast-check properties of the policy: bounds, no scale-down on read errors, constant depth -> constant count.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AutoscalingSpec } from '../api/consumerpool.ts';
import { decide, initialState } from './policy.ts';
import { clamp } from './recommend.ts';
import type { Reading } from './types.ts';

const specArb: fc.Arbitrary<AutoscalingSpec> = fc
  .record({
    min: fc.integer({ min: 0, max: 30 }),
    span: fc.integer({ min: 0, max: 30 }),
    messagesPerReplica: fc.integer({ min: 1, max: 200 }),
    activationMessages: fc.integer({ min: 0, max: 50 }),
    pollIntervalSeconds: fc.integer({ min: 1, max: 30 }),
    up: fc.integer({ min: 0, max: 120 }),
    down: fc.integer({ min: 0, max: 600 }),
    failureThreshold: fc.integer({ min: 1, max: 5 }),
    fallback: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: undefined }),
  })
  .map((r) => ({
    enabled: true,
    paused: false,
    minReplicas: r.min,
    maxReplicas: r.min + r.span,
    messagesPerReplica: r.messagesPerReplica,
    activationMessages: r.activationMessages,
    pollIntervalSeconds: r.pollIntervalSeconds,
    scaleUp: { stabilizationWindowSeconds: r.up },
    scaleDown: { stabilizationWindowSeconds: r.down },
    fallback: {
      failureThreshold: r.failureThreshold,
      ...(r.fallback === undefined ? {} : { replicas: r.min + Math.round(r.fallback * r.span) }),
    },
  }));

const readingArb: fc.Arbitrary<Reading> = fc.oneof(
  fc.record({ ready: fc.nat(5000), unacked: fc.option(fc.nat(500), { nil: undefined }), consumers: fc.nat(50) }).map(
    (depth): Reading => ({ ok: true, depth, latencyMs: 1 }),
  ),
  fc.constant<Reading>({ ok: false, kind: 'timeout', error: 'no answer in 5000 ms', latencyMs: 5000 }),
);

/** Ticks of (seconds since the previous tick, reading). */
const ticksArb = fc.array(fc.tuple(fc.integer({ min: 1, max: 90 }), readingArb), { minLength: 1, maxLength: 60 });

describe('policy properties', () => {
  it('every count it sets lies within [minReplicas, maxReplicas]', () => {
    fc.assert(
      fc.property(specArb, fc.nat(60), ticksArb, (spec, start, ticks) => {
        let state = initialState(start, 0);
        let current = start;
        let now = 0;
        for (const [gap, reading] of ticks) {
          now += gap * 1000;
          const { state: next, decision } = decide({ spec, current, state, reading, now });
          if (decision.replicas !== undefined) {
            expect(decision.replicas).toBeGreaterThanOrEqual(spec.minReplicas);
            expect(decision.replicas).toBeLessThanOrEqual(spec.maxReplicas);
            expect(decision.replicas).not.toBe(current);
          }
          if (reading.ok) expect(decision.desired).toBe(clamp(decision.desired, spec.minReplicas, spec.maxReplicas));
          state = next;
          current = decision.replicas ?? current;
        }
      }),
    );
  });

  it('a failed read never scales down', () => {
    fc.assert(
      fc.property(specArb, fc.nat(60), ticksArb, (spec, start, ticks) => {
        let state = initialState(start, 0);
        let current = start;
        let now = 0;
        for (const [gap, reading] of ticks) {
          now += gap * 1000;
          const { state: next, decision } = decide({ spec, current, state, reading, now });
          if (!reading.ok) expect(decision.replicas ?? current).toBeGreaterThanOrEqual(current);
          state = next;
          current = decision.replicas ?? current;
        }
      }),
    );
  });

  it('the busy floor never scales up, and never lets a pool fall below its busy pods', () => {
    const withUnackedArb = fc.record({ ready: fc.nat(500), unacked: fc.nat(500), consumers: fc.nat(50) });
    fc.assert(
      fc.property(specArb, fc.nat(60), fc.integer({ min: 1, max: 20 }), fc.array(fc.tuple(fc.integer({ min: 1, max: 90 }), withUnackedArb), { minLength: 1, maxLength: 40 }), (spec, start, prefetch, ticks) => {
        let withFloor = initialState(start, 0);
        let without = initialState(start, 0);
        let current = start;
        let now = 0;
        for (const [gap, depth] of ticks) {
          now += gap * 1000;
          const reading: Reading = { ok: true, depth, latencyMs: 1 };
          const a = decide({ spec, current, state: withFloor, reading, now, prefetch });
          const b = decide({ spec, current, state: without, reading, now });
          const busy = Math.ceil(depth.unacked / prefetch);
          expect(a.decision.desired).toBeLessThanOrEqual(Math.max(b.decision.desired, clamp(current, spec.minReplicas, spec.maxReplicas)));
          expect(a.decision.desired).toBeGreaterThanOrEqual(Math.min(current, busy, spec.maxReplicas));
          // the two runs share the count (the floor's) and keep their own histories
          withFloor = a.state;
          without = b.state;
          current = a.decision.replicas ?? current;
        }
      }),
    );
  });

  it('a constant depth gives a constant count once the windows have passed', () => {
    fc.assert(
      fc.property(specArb, fc.nat(60), fc.nat(3000), (spec, start, depth) => {
        const poll = spec.pollIntervalSeconds * 1000;
        const settle = Math.max(spec.scaleUp.stabilizationWindowSeconds, spec.scaleDown.stabilizationWindowSeconds) * 1000 + poll;
        const reading: Reading = { ok: true, depth: { ready: depth, consumers: 1 }, latencyMs: 1 };
        let state = initialState(start, 0);
        let current = start;
        const after: number[] = [];
        for (let now = poll; now <= settle + 10 * poll; now += poll) {
          const out = decide({ spec, current, state, reading, now });
          state = out.state;
          current = out.decision.replicas ?? current;
          if (now > settle) after.push(current);
        }
        // from 0 replicas a depth at or below activationMessages never activates; otherwise HareMq's formula
        const stuckAtZero = start === 0 && spec.minReplicas === 0 && depth <= spec.activationMessages;
        const expected = clamp(stuckAtZero ? 0 : Math.ceil(depth / spec.messagesPerReplica), spec.minReplicas, spec.maxReplicas);
        expect(new Set(after)).toEqual(new Set([expected]));
      }),
    );
  });
});
