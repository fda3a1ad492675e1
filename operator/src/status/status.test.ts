import { describe, expect, it } from 'vitest';
import { makePod, makePool } from '../testing/fixtures.ts';
import { computeStatus, STUCK_AFTER_MS, statusChanged, statusRecheckMs } from './status.ts';

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

  it('names a pod write that fails and is retried (Progressing and Reconciling say why the pool is short)', () => {
    const retrying = 'create pod: pods "orders-*" is forbidden: error looking up service account shop/consumers: serviceaccount "consumers" not found';
    const s = computeStatus({ pool: makePool({ replicas: 2 }), pods: [], templateHash: 'h1', retrying, now });
    const message = `0 of 2 pods exist; retrying ${retrying}`;
    expect(cond(s, 'Progressing')).toMatchObject({ status: 'True', reason: 'FailedCreate', message });
    expect(cond(s, 'Reconciling')).toMatchObject({ status: 'True', reason: 'FailedCreate', message });
    const deleting = computeStatus({ pool: makePool({ replicas: 0 }), pods: [makePod({ name: 'a' })], templateHash: 'h1', retrying: 'delete pod a: etcd timeout', now });
    expect(cond(deleting, 'Progressing')).toMatchObject({ reason: 'FailedDelete', message: '1 of 0 pods exist; retrying delete pod a: etcd timeout' });
  });

  it('reports scaling and draining as progress', () => {
    const pool = makePool({ replicas: 1 });
    const up = computeStatus({ pool: makePool({ replicas: 3 }), pods: [makePod({ name: 'a' })], templateHash: 'h1', now });
    expect(cond(up, 'Progressing')).toMatchObject({ reason: 'ScalingUp', message: '1 of 3 pods exist' });
    const draining = computeStatus({ pool, pods: [makePod({ name: 'a' }), makePod({ name: 'b', terminating: true, deletionDue: now.getTime() / 1000 + 20 })], templateHash: 'h1', now });
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

describe('computeStatus: why pods are not ready', () => {
  it('names the cause in the Ready reason and message', () => {
    const pod = makePod({ name: 'a', phase: 'Pending', ready: false });
    pod.status!.containerStatuses = [{ name: 'consumer', image: 'x', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason: 'CreateContainerConfigError', message: 'secret "rabbitmq" not found' } } }];
    const s = computeStatus({ pool: makePool({ replicas: 2 }), pods: [pod, makePod({ name: 'b' })], templateHash: 'h1', now });
    expect(cond(s, 'Ready')).toMatchObject({
      status: 'False', reason: 'CreateContainerConfigError',
      message: '1/2 pods ready; 1 pod cannot start container consumer (CreateContainerConfigError: secret "rabbitmq" not found)',
    });
  });
});

describe('computeStatus: pods stuck terminating (their node is gone)', () => {
  const due = now.getTime() / 1000 - 60; // the grace period ended a minute ago: past STUCK_AFTER_MS
  const pods = [makePod({ name: 'a' }), makePod({ name: 'b' }), makePod({ name: 'c', terminating: true, deletionDue: due })];

  it('does not hold Progressing=True: says which pods are stuck, and counts them neither as capacity nor as ready', () => {
    const s = computeStatus({ pool: makePool({ replicas: 2 }), pods, templateHash: 'h1', now });
    expect(cond(s, 'Progressing')).toMatchObject({ status: 'False', reason: 'TerminationStuck' });
    expect(cond(s, 'Progressing')?.message).toMatch(/^1 pod still terminating after the grace period, not counted and replaced: c on node node-1; .*is the node down\?/);
    expect(cond(s, 'Reconciling')).toBeUndefined();
    expect(s).toMatchObject({ replicas: 2, readyReplicas: 2, drainingReplicas: 1 });
    expect(cond(s, 'Ready')).toMatchObject({ status: 'True', message: '2/2 pods ready' });
  });

  it('is Draining until the grace period plus STUCK_AFTER_MS has passed, and says when to look again', () => {
    const fresh = [pods[0]!, pods[1]!, makePod({ name: 'c', terminating: true, deletionDue: now.getTime() / 1000 + 10 })];
    const s = computeStatus({ pool: makePool({ replicas: 2 }), pods: fresh, templateHash: 'h1', now });
    expect(cond(s, 'Progressing')).toMatchObject({ status: 'True', reason: 'Draining' });
    expect(statusRecheckMs(fresh, now)).toBe(10_000 + STUCK_AFTER_MS);
    expect(statusRecheckMs(pods, now)).toBeUndefined();
    const later = new Date(now.getTime() + 10_000 + STUCK_AFTER_MS);
    expect(cond(computeStatus({ pool: makePool({ replicas: 2 }), pods: fresh, templateHash: 'h1', now: later }), 'Progressing')?.reason).toBe('TerminationStuck');
  });

  it('keeps the message the same as time passes (no status write per resync)', () => {
    const pool = makePool({ replicas: 2 });
    pool.status = computeStatus({ pool, pods, templateHash: 'h1', now });
    expect(statusChanged(pool, computeStatus({ pool, pods, templateHash: 'h1', now: new Date(now.getTime() + 3_600_000) }))).toBe(false);
  });
});

describe('computeStatus: kstatus conditions', () => {
  it('is Reconciling while Progressing is True, with the same reason; absent when stable', () => {
    const up = computeStatus({ pool: makePool({ replicas: 3 }), pods: [makePod({ name: 'a' })], templateHash: 'h1', now });
    expect(cond(up, 'Reconciling')).toMatchObject({ status: 'True', reason: 'ScalingUp', message: '1 of 3 pods exist' });
    const down = computeStatus({ pool: makePool({ replicas: 1 }), pods: [makePod({ name: 'a' }), makePod({ name: 'b' })], templateHash: 'h1', now });
    expect(cond(down, 'Ready')?.status).toBe('True');
    expect(cond(down, 'Reconciling')).toMatchObject({ status: 'True', reason: 'ScalingDown' });
    const stable = computeStatus({ pool: makePool({ replicas: 1 }), pods: [makePod({ name: 'a' })], templateHash: 'h1', now });
    expect(stable.conditions.map((c) => c.type)).toEqual(['Progressing', 'Ready']);
  });

  it('is Stalled for a spec the API server refuses', () => {
    const s = computeStatus({ pool: makePool(), pods: [], templateHash: 'h1', invalidSpec: 'pod rejected: bad resources', now });
    expect(cond(s, 'Stalled')).toMatchObject({ status: 'True', reason: 'InvalidSpec', message: 'pod rejected: bad resources' });
    expect(cond(s, 'Reconciling')).toBeUndefined();
  });

  it('writes when a Reconciling or Stalled condition must go (server-side apply then removes it)', () => {
    const pool = makePool({ replicas: 1 });
    pool.status = computeStatus({ pool, pods: [], templateHash: 'h1', invalidSpec: 'bad', now });
    const fixed = computeStatus({ pool, pods: [makePod({ name: 'a' })], templateHash: 'h1', now });
    expect(cond(fixed, 'Stalled')).toBeUndefined();
    expect(statusChanged(pool, fixed)).toBe(true);
    pool.status = { ...fixed, conditions: [...fixed.conditions, { type: 'AutoscalingActive', status: 'True', reason: 'Active', message: '', lastTransitionTime: now.toISOString() }] };
    expect(statusChanged(pool, computeStatus({ pool, pods: [makePod({ name: 'a' })], templateHash: 'h1', now }))).toBe(false);
  });
});
