import { describe, expect, it } from 'vitest';
import type { Decision, Reading } from '../autoscaler/index.ts';
import { makePool } from '../testing/fixtures.ts';
import { computeScalerStatus, scalerStatusWorthWriting } from './autoscaler-status.ts';

const now = new Date('2026-01-01T00:00:00Z');
const ok = (ready: number, unacked?: number): Reading => ({ ok: true, depth: { ready, unacked, consumers: 2 }, latencyMs: 3 });
const decision = (over: Partial<Decision> = {}): Decision => ({
  kind: 'steady', replicas: undefined, desired: 2, reason: 'depth 15 / 10 per replica -> 2', event: false,
  broker: { reachable: true, transition: undefined, message: 'queue depth read' }, ...over,
});

describe('computeScalerStatus', () => {
  it('reports the queue, the decision and both conditions', () => {
    const s = computeScalerStatus({ pool: makePool({ autoscaling: {} }), reading: ok(15, 3), decision: decision(), scaled: false, now });
    expect(s.queue).toEqual({ ready: 15, unacked: 3, consumers: 2, observedAt: now.toISOString() });
    expect(s.autoscaler).toEqual({ desiredReplicas: 2, reason: 'depth 15 / 10 per replica -> 2' });
    expect(s.conditions.map((c) => [c.type, c.status, c.reason])).toEqual([['AutoscalingActive', 'True', 'Active'], ['BrokerReachable', 'True', 'DepthRead']]);
  });

  it('keeps the last queue numbers and reports the broker unreachable in fallback', () => {
    const pool = makePool({ autoscaling: {} });
    pool.status = computeScalerStatus({ pool, reading: ok(7), decision: decision(), scaled: true, now });
    const failed: Reading = { ok: false, kind: 'unreachable', error: 'connect ECONNREFUSED', latencyMs: 1 };
    const later = new Date('2026-01-01T00:01:00Z');
    const s = computeScalerStatus({
      pool, reading: failed, scaled: false, now: later,
      decision: decision({ kind: 'fallback', reason: 'queue depth unreadable for 3 consecutive reads', broker: { reachable: false, transition: 'lost', message: 'unreachable: connect ECONNREFUSED' } }),
    });
    expect(s.queue?.ready).toBe(7);
    expect(s.autoscaler?.lastScaleTime).toBe(now.toISOString());
    expect(s.conditions.find((c) => c.type === 'BrokerReachable')).toMatchObject({ status: 'False', reason: 'DepthReadFailed', message: 'unreachable: connect ECONNREFUSED', lastTransitionTime: later.toISOString() });
    expect(s.conditions.find((c) => c.type === 'AutoscalingActive')).toMatchObject({ status: 'False', reason: 'Fallback' });
  });

  it('reports a paused autoscaler', () => {
    const s = computeScalerStatus({ pool: makePool({ autoscaling: {} }), reading: ok(100), decision: decision({ kind: 'paused', reason: 'autoscaling is paused at 2 replicas' }), scaled: false, now });
    expect(s.conditions.find((c) => c.type === 'AutoscalingActive')).toMatchObject({ status: 'False', reason: 'Paused' });
  });
});

describe('scalerStatusWorthWriting', () => {
  const pool = makePool({ autoscaling: {} });
  pool.status = computeScalerStatus({ pool, reading: ok(15), decision: decision(), scaled: false, now });

  it('writes nothing when nothing changed', () => {
    const same = computeScalerStatus({ pool, reading: ok(15), decision: decision(), scaled: false, now });
    expect(scalerStatusWorthWriting(pool, same, 0, 10_000_000, 15_000)).toBe(false);
  });

  it('writes changing queue numbers at most every quiet period', () => {
    const busier = computeScalerStatus({ pool, reading: ok(16), decision: decision(), scaled: false, now });
    expect(scalerStatusWorthWriting(pool, busier, 100_000, 105_000, 15_000)).toBe(false);
    expect(scalerStatusWorthWriting(pool, busier, 100_000, 115_000, 15_000)).toBe(true);
  });

  it('writes a new desired size or condition at once', () => {
    const bigger = computeScalerStatus({ pool, reading: ok(40), decision: decision({ desired: 4 }), scaled: true, now });
    expect(scalerStatusWorthWriting(pool, bigger, 100_000, 100_001, 15_000)).toBe(true);
  });
});
