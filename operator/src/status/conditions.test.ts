import { describe, expect, it } from 'vitest';
import { findCondition, setCondition } from './conditions.ts';

const t0 = new Date('2026-01-01T00:00:00Z');
const t1 = new Date('2026-01-01T00:05:00Z');

describe('setCondition', () => {
  it('adds a condition with the transition time and generation', () => {
    const list = setCondition(undefined, { type: 'Ready', status: 'False', reason: 'ReplicasNotReady', message: '0/2' }, 3, t0);
    expect(list).toEqual([{ type: 'Ready', status: 'False', reason: 'ReplicasNotReady', message: '0/2', lastTransitionTime: t0.toISOString(), observedGeneration: 3 }]);
  });

  it('keeps lastTransitionTime when only reason or message change', () => {
    const a = setCondition(undefined, { type: 'Ready', status: 'False', reason: 'ReplicasNotReady', message: '0/2' }, 1, t0);
    const b = setCondition(a, { type: 'Ready', status: 'False', reason: 'ReplicasNotReady', message: '1/2' }, 1, t1);
    expect(findCondition(b, 'Ready')?.lastTransitionTime).toBe(t0.toISOString());
    expect(findCondition(b, 'Ready')?.message).toBe('1/2');
  });

  it('moves lastTransitionTime when the status flips, and keeps other types sorted', () => {
    const a = setCondition(undefined, { type: 'Ready', status: 'False', reason: 'ReplicasNotReady', message: '' }, 1, t0);
    const b = setCondition(a, { type: 'Progressing', status: 'True', reason: 'ScalingUp', message: '' }, 1, t0);
    const c = setCondition(b, { type: 'Ready', status: 'True', reason: 'AllReplicasReady', message: '' }, 1, t1);
    expect(c.map((x) => x.type)).toEqual(['Progressing', 'Ready']);
    expect(findCondition(c, 'Ready')?.lastTransitionTime).toBe(t1.toISOString());
  });
});
