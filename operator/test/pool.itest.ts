// A pool on a real control plane: pods as designed, kubectl scale both ways, victim ranking, status, events, GC.
import { beforeAll, describe, expect, it } from 'vitest';
import { desiredPod } from '../src/resources/pod.ts';
import { AMQP_URI } from './support/broker.ts';
import { setPodReady } from './support/kubelet.ts';
import { createPool, getPool, poolPods, waitFor } from './support/kube.ts';
import { NO_NODE, poolManifest } from './support/pools.ts';
import { dumpLogsOnFailure, operatorSuite } from './support/suite.ts';

const s = operatorSuite('it-pool');
// the pools' broker: the operator declares their topology there (a missing Secret would be a Warning Event)
beforeAll(async () => {
  await s.k.core.createNamespacedSecret({ namespace: s.ns, body: { metadata: { name: 'rabbitmq' }, stringData: { uri: AMQP_URI } } });
});

async function eventsOf(pool: string): Promise<{ reason: string; message: string; type: string; count: number }[]> {
  const list = await s.k.core.listNamespacedEvent({ namespace: s.ns, fieldSelector: `involvedObject.name=${pool}` });
  return list.items.map((e) => ({ reason: e.reason ?? '', message: e.message ?? '', type: e.type ?? '', count: e.count ?? 1 }));
}

const names = (pods: { metadata?: { name?: string } }[]): string[] => pods.map((p) => p.metadata?.name ?? '').sort();

describe('ConsumerPool -> pods', () => {
  it('creates exactly spec.replicas pods with the designed spec, and no more', async () => {
    dumpLogsOnFailure(s);
    const pool = await createPool(s.k, s.ns, poolManifest('orders', { replicas: 3 }));
    await waitFor('3 pods', async () => (await poolPods(s.k, s.ns, 'orders')).length === 3);
    await new Promise((r) => setTimeout(r, 2000)); // a lagging cache must not add a 4th
    const pods = await poolPods(s.k, s.ns, 'orders');
    expect(pods).toHaveLength(3);
    const { pod: want } = desiredPod(await getPool(s.k, s.ns, 'orders'));
    for (const pod of pods) {
      expect(pod.metadata?.name).toMatch(/^orders-[a-z0-9]{5}$/);
      expect(pod.metadata?.ownerReferences).toEqual([{ ...want.metadata?.ownerReferences?.[0], uid: pool.metadata.uid }]);
      expect(pod.metadata?.labels).toEqual(want.metadata?.labels);
      const c = pod.spec?.containers[0];
      expect(c?.env).toEqual(want.spec?.containers[0]?.env);
      expect(c?.lifecycle).toMatchObject(want.spec?.containers[0]?.lifecycle ?? {}); // the server adds scheme: HTTP
      expect(c?.securityContext).toEqual(want.spec?.containers[0]?.securityContext);
      expect(pod.spec?.terminationGracePeriodSeconds).toBe(45);
    }
  });

  it('reports status, conditions and events as designed', async () => {
    dumpLogsOnFailure(s);
    const status = await waitFor('status of 3 pods', async () => {
      const p = await getPool(s.k, s.ns, 'orders');
      return p.status?.replicas === 3 && p.status;
    });
    expect(status).toMatchObject({ replicas: 3, readyReplicas: 0, updatedReplicas: 3, drainingReplicas: 0, selector: 'hare.dev/pool=orders', observedGeneration: 1 });
    // the real scheduler finds no node for the pods (they select none): Ready says so, with its message
    const unschedulable = await waitFor('Ready=False Unschedulable', async () => {
      const p = await getPool(s.k, s.ns, 'orders');
      return p.status?.conditions?.find((c) => c.type === 'Ready' && c.reason === 'Unschedulable');
    });
    expect(unschedulable).toMatchObject({ status: 'False', message: expect.stringMatching(/^0\/3 pods ready; 3 pods unschedulable: /) as string });
    for (const pod of await poolPods(s.k, s.ns, 'orders')) await setPodReady(s.k, pod, true);
    const ready = await waitFor('Ready=True', async () => {
      const p = await getPool(s.k, s.ns, 'orders');
      return p.status?.conditions?.find((c) => c.type === 'Ready' && c.status === 'True');
    });
    expect(ready).toMatchObject({ reason: 'AllReplicasReady', message: '3/3 pods ready', observedGeneration: 1 });
    const events = await eventsOf('orders');
    expect(events.filter((e) => e.reason === 'SuccessfulCreate').map((e) => e.message)).toEqual([expect.stringMatching(/^Created 3 pods: orders-\w+, orders-\w+, orders-\w+$/)]);
    expect(events.every((e) => e.type === 'Normal')).toBe(true);
  });

  it('grows and shrinks with kubectl scale; victims are pending, then not ready, then newest', async () => {
    dumpLogsOnFailure(s);
    const before = names(await poolPods(s.k, s.ns, 'orders'));
    await s.k.kubectl('scale', '-n', s.ns, 'cpool/orders', '--replicas=6');
    const grown = await waitFor('6 pods', async () => {
      const pods = await poolPods(s.k, s.ns, 'orders');
      return pods.length === 6 && pods;
    });
    const added = grown.filter((p) => !before.includes(p.metadata?.name ?? ''));
    // one of the new pods runs but is not ready; the other two stay pending
    await setPodReady(s.k, added[0]!, false);
    await s.k.kubectl('scale', '-n', s.ns, 'cpool/orders', '--replicas=3');
    const left = await waitFor('3 pods', async () => {
      const pods = (await poolPods(s.k, s.ns, 'orders')).filter((p) => !p.metadata?.deletionTimestamp);
      return pods.length === 3 && pods;
    });
    expect(names(left)).toEqual(before);
    await waitFor('observedGeneration to follow the scale', async () => {
      const pool = await getPool(s.k, s.ns, 'orders');
      return pool.metadata.generation === 3 && pool.status?.observedGeneration === 3 && pool.status.replicas === 3;
    });
    const deleted = (await eventsOf('orders')).filter((e) => e.reason === 'SuccessfulDelete');
    expect(deleted.map((e) => e.message)).toEqual([expect.stringMatching(/^Deleted 3 pods \(scale down\): orders-\w+, orders-\w+, orders-\w+; draining in-flight messages for up to 30s$/)]);
  });

  it('defaults spec.replicas when it is absent', async () => {
    dumpLogsOnFailure(s);
    await createPool(s.k, s.ns, poolManifest('defaulted'));
    const pool = await waitFor('spec.replicas set', async () => {
      const p = await getPool(s.k, s.ns, 'defaulted');
      return p.spec.replicas !== undefined && p;
    });
    expect(pool.spec.replicas).toBe(1);
    expect(pool.metadata.managedFields?.some((f) => f.manager === 'hare-operator' && f.fieldsV1 && JSON.stringify(f.fieldsV1).includes('f:replicas'))).toBe(true);
    await waitFor('the ReplicasDefaulted Event', async () => (await eventsOf('defaulted')).some((e) => e.message === 'spec.replicas was not set; set it to 1'));
    await waitFor('1 pod', async () => (await poolPods(s.k, s.ns, 'defaulted')).length === 1);
  });

  it('shows a spec the pod API rejects as InvalidSpec without a hot loop, and recovers when fixed', async () => {
    dumpLogsOnFailure(s);
    const bad = { template: { spec: { ...NO_NODE.template.spec, resources: { requests: { cpu: '2' }, limits: { cpu: '1' } } } } };
    await createPool(s.k, s.ns, poolManifest('broken', { replicas: 2, extra: bad }));
    const cond = await waitFor('Ready=False InvalidSpec', async () => {
      const p = await getPool(s.k, s.ns, 'broken');
      return p.status?.conditions?.find((c) => c.type === 'Ready' && c.reason === 'InvalidSpec');
    });
    expect(cond.message).toMatch(/must be less than or equal to cpu limit/);
    await new Promise((r) => setTimeout(r, 5000));
    const failed = (await eventsOf('broken')).filter((e) => e.reason === 'FailedCreate');
    expect(failed[0]?.type).toBe('Warning');
    expect(failed.reduce((n, e) => n + e.count, 0)).toBeLessThanOrEqual(2); // not retried in a loop
    expect(s.op.child.exitCode).toBeNull();
    await s.k.kubectl('patch', '-n', s.ns, 'cpool/broken', '--type=merge', '-p', JSON.stringify({ spec: { template: { spec: { resources: { requests: { cpu: '1' } } } } } }));
    await waitFor('2 pods after the fix', async () => (await poolPods(s.k, s.ns, 'broken')).length === 2);
    await waitFor('InvalidSpec cleared', async () => {
      const p = await getPool(s.k, s.ns, 'broken');
      const ready = p.status?.conditions?.find((c) => c.type === 'Ready');
      return ready !== undefined && ready.reason !== 'InvalidSpec' && ready.status === 'False';
    });
  });

  it('deleting the pool removes its pods through garbage collection', async () => {
    dumpLogsOnFailure(s);
    expect((await poolPods(s.k, s.ns, 'orders')).length).toBeGreaterThan(0);
    await s.k.kubectl('delete', '-n', s.ns, 'cpool/orders', '--wait=false');
    await waitFor('pods garbage-collected', async () => (await poolPods(s.k, s.ns, 'orders')).length === 0, 60_000);
  });
});
