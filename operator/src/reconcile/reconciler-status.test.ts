import type { V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { Pool } from '../api/pool.ts';
import { desiredPod } from '../resources/pod.ts';
import { STUCK_AFTER_MS } from '../status/status.ts';
import { FakeEvents, FakeWriter } from '../testing/fakes.ts';
import { makePod, makePool } from '../testing/fixtures.ts';
import { Expectations } from './expectations.ts';
import { Reconciler } from './reconciler.ts';

const now = new Date('2026-01-01T00:00:00Z');

function setup(pool: Pool, pods: V1Pod[] = [], autoscalerDisabled?: boolean) {
  const writer = new FakeWriter();
  const reconciler = new Reconciler({
    pools: { get: () => pool }, podsOf: () => pods, writer, events: new FakeEvents(), expectations: new Expectations(),
    now: () => now, ...(autoscalerDisabled !== undefined ? { autoscalerDisabled } : {}),
  });
  return { writer, reconciler };
}

/** What the autoscaler wrote while it was active. */
function autoscaledStatus(pool: Pool): Pool {
  const at = now.toISOString();
  pool.status = {
    queue: { ready: 40, unacked: 3, consumers: 2, observedAt: at },
    autoscaler: { desiredReplicas: 4, lastScaleTime: at, reason: 'depth 43 / 10 per replica -> 4' },
    conditions: [
      { type: 'AutoscalingActive', status: 'True', reason: 'Active', message: 'scaling on queue depth', lastTransitionTime: at },
      { type: 'BrokerReachable', status: 'True', reason: 'DepthRead', message: 'queue depth read', lastTransitionTime: at },
    ],
  };
  return pool;
}

describe('Reconciler: the autoscaler status when the autoscaler is off', () => {
  it('replaces what the autoscaler wrote by AutoscalingActive=False Disabled once autoscaling is turned off', async () => {
    const pool = autoscaledStatus(makePool({ replicas: 0, autoscaling: { enabled: false } }));
    const { writer, reconciler } = setup(pool);
    await reconciler.reconcile('shop/orders');
    expect(writer.scalerStatuses).toEqual([{
      conditions: [{
        type: 'AutoscalingActive', status: 'False', reason: 'Disabled', observedGeneration: 1, lastTransitionTime: now.toISOString(),
        message: 'spec.autoscaling.enabled is not true; spec.replicas is set by hand, an HPA or KEDA',
      }],
    }]);
  });

  it('shows a pool without autoscaling as disabled, once', async () => {
    const pool = makePool({ replicas: 0 });
    const { writer, reconciler } = setup(pool);
    await reconciler.reconcile('shop/orders');
    expect(writer.scalerStatuses).toHaveLength(1);
    pool.status = { ...writer.statuses[0], ...writer.scalerStatuses[0], conditions: [...writer.statuses[0]!.conditions, ...writer.scalerStatuses[0]!.conditions] };
    await reconciler.reconcile('shop/orders');
    expect(writer.scalerStatuses).toHaveLength(1);
  });

  it('says so when the operator runs without its autoscaler, though the pool asks for autoscaling', async () => {
    const { writer, reconciler } = setup(autoscaledStatus(makePool({ replicas: 0, autoscaling: {} })), [], true);
    await reconciler.reconcile('shop/orders');
    expect(writer.scalerStatuses[0]?.conditions[0]?.reason).toBe('Disabled');
    expect(writer.scalerStatuses[0]?.conditions[0]?.message).toMatch(/^the operator runs without its autoscaler \(--no-autoscaler\)/);
  });

  it('leaves the status of an autoscaled pool to the autoscaler', async () => {
    const { writer, reconciler } = setup(autoscaledStatus(makePool({ replicas: 0, autoscaling: {} })), [], false);
    await reconciler.reconcile('shop/orders');
    expect(writer.scalerStatuses).toEqual([]);
  });
});

describe('Reconciler: draining pods', () => {
  it('comes back when a terminating pod would become stuck, with no event to wake it', async () => {
    const pool = makePool({ replicas: 1 });
    const hash = desiredPod(pool).templateHash;
    const pods = [makePod({ name: 'a', hash }), makePod({ name: 'b', hash, terminating: true, deletionDue: now.getTime() / 1000 + 5 })];
    const { reconciler } = setup(pool, pods);
    expect(await reconciler.reconcile('shop/orders')).toEqual({ requeueAfterMs: 5000 + STUCK_AFTER_MS });
  });
});
