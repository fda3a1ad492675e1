import { describe, expect, it } from 'vitest';
import { makePod, makePool } from '../testing/fixtures.ts';
import { computeStatus, statusChanged } from './status.ts';

const now = new Date('2026-01-01T00:00:00Z');
const cond = (s: ReturnType<typeof computeStatus>, type: string) => s.conditions.find((c) => c.type === type);

describe('computeStatus', () => {
  it('counts live, ready, updated and draining pods and publishes the selector', () => {
    const pool = makePool({ replicas: 3 });
    const pods = [
      makePod({ name: 'a', hash: 'h2' }),
      makePod({ name: 'b', hash: 'h1' }),
      makePod({ name: 'c', hash: 'h2', ready: false }),
      makePod({ name: 'd', hash: 'h1', terminating: true }),
    ];
    const s = computeStatus({ pool, pods, templateHash: 'h2', now });
    expect(s).toMatchObject({ replicas: 3, readyReplicas: 2, updatedReplicas: 2, drainingReplicas: 1, selector: 'hare.dev/pool=orders', observedGeneration: 1 });
    expect(cond(s, 'Ready')).toMatchObject({ status: 'False', reason: 'ReplicasNotReady', message: '2/3 pods ready' });
    expect(cond(s, 'Progressing')).toMatchObject({ status: 'True', reason: 'RollingUpdate', message: '2 of 3 pods on the current template' });
  });

  it('is Ready and not Progressing when all pods are current and ready', () => {
    const s = computeStatus({ pool: makePool({ replicas: 2 }), pods: [makePod({ name: 'a' }), makePod({ name: 'b' })], templateHash: 'h1', now });
    expect(cond(s, 'Ready')).toMatchObject({ status: 'True', reason: 'AllReplicasReady' });
    expect(cond(s, 'Progressing')).toMatchObject({ status: 'False', reason: 'Stable' });
  });

  it('reports scaling and draining as progress', () => {
    const pool = makePool({ replicas: 1 });
    const up = computeStatus({ pool: makePool({ replicas: 3 }), pods: [makePod({ name: 'a' })], templateHash: 'h1', now });
    expect(cond(up, 'Progressing')).toMatchObject({ reason: 'ScalingUp', message: '1 of 3 pods exist' });
    const draining = computeStatus({ pool, pods: [makePod({ name: 'a' }), makePod({ name: 'b', terminating: true })], templateHash: 'h1', now });
    expect(cond(draining, 'Progressing')).toMatchObject({ status: 'True', reason: 'Draining', message: '1 pod finishing in-flight messages' });
  });

  it('shows an invalid spec on both conditions', () => {
    const s = computeStatus({ pool: makePool(), pods: [], templateHash: 'h1', invalidSpec: 'pod rejected: bad resources', now });
    expect(cond(s, 'Ready')).toMatchObject({ status: 'False', reason: 'InvalidSpec', message: 'pod rejected: bad resources' });
    expect(cond(s, 'Progressing')).toMatchObject({ status: 'False', reason: 'InvalidSpec' });
  });

  it('leaves conditions of other writers out and keeps transition times', () => {
    const pool = makePool({ replicas: 1 });
    const first = computeStatus({ pool, pods: [makePod({ name: 'a' })], templateHash: 'h1', now });
    const foreign = { type: 'BrokerReachable', status: 'True' as const, reason: 'DepthRead', message: '', lastTransitionTime: now.toISOString() };
    pool.status = { ...first, conditions: [...first.conditions, foreign] };
    const later = computeStatus({ pool, pods: [makePod({ name: 'a' })], templateHash: 'h1', now: new Date('2026-02-01T00:00:00Z') });
    expect(later.conditions.map((c) => c.type)).toEqual(['Progressing', 'Ready']);
    expect(cond(later, 'Ready')?.lastTransitionTime).toBe(now.toISOString());
    expect(statusChanged(pool, later)).toBe(false);
  });

  it('detects a change that needs a write', () => {
    const pool = makePool({ replicas: 1 });
    pool.status = computeStatus({ pool, pods: [makePod({ name: 'a' })], templateHash: 'h1', now });
    const next = computeStatus({ pool, pods: [makePod({ name: 'a', ready: false })], templateHash: 'h1', now });
    expect(statusChanged(pool, next)).toBe(true);
  });
});
