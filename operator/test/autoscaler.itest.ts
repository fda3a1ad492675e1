// The autoscaler end to end at the integration tier: a real RabbitMQ, a real API server, the operator process.
// Pods do not run here (no kubelet); the test publishes, consumes and holds messages itself.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pool } from '../src/api/pool.ts';
import { broker, brokerProxy, AMQP_URI, MANAGEMENT_URI, type Broker } from './support/broker.ts';
import { createPool, freshNamespace, getPool, kube, waitFor, type Kube } from './support/kube.ts';
import { startOperator, type OperatorProcess } from './support/operator-process.ts';
import { poolManifest } from './support/pools.ts';

let k: Kube;
let ns: string;
let op: OperatorProcess;
let mq: Broker;
const identity = `it-autoscaler-${randomBytes(3).toString('hex')}`;
const queues: string[] = [];

async function secret(name: string, uri: string, management?: string): Promise<void> {
  await k.core.createNamespacedSecret({ namespace: ns, body: { metadata: { name }, stringData: { uri, ...(management ? { 'management-uri': management } : {}) } } });
}

/** An autoscaled pool on its own fresh queue. */
async function autoscaledPool(name: string, autoscaling: Record<string, unknown>, opts: { replicas: number; secretName?: string; management?: boolean; queue?: string }): Promise<string> {
  const queue = opts.queue ?? `${name}-${randomBytes(3).toString('hex')}`;
  if (!opts.queue) { await mq.declare(queue); queues.push(queue); }
  const broker = { uriSecretRef: { name: opts.secretName ?? 'rabbitmq', key: 'uri' }, ...(opts.management ? { managementUriSecretRef: { name: 'rabbitmq', key: 'management-uri' } } : {}) };
  const m = poolManifest(name, { replicas: opts.replicas });
  Object.assign(m.spec as object, { broker, queue: { name: queue, prefetch: 10 }, autoscaling: { pollIntervalSeconds: 1, ...autoscaling } });
  await createPool(k, ns, m);
  return queue;
}

const replicas = async (name: string): Promise<number | undefined> => (await getPool(k, ns, name)).spec.replicas;
const condition = async (name: string, type: string) => (await getPool(k, ns, name)).status?.conditions?.find((c) => c.type === type);
const reasons = async (name: string): Promise<string[]> =>
  (await k.core.listNamespacedEvent({ namespace: ns, fieldSelector: `involvedObject.name=${name}` })).items.map((e) => `${e.type}/${e.reason}: ${e.message}`);

beforeAll(async () => {
  k = kube();
  mq = await broker();
  ns = await freshNamespace(k, 'it-autoscaler');
  await secret('rabbitmq', AMQP_URI, MANAGEMENT_URI);
  op = await startOperator(k.kubeconfig, ['--namespace', ns], { POD_NAME: identity });
});
afterAll(async () => {
  await op?.stop();
  for (const q of queues) await mq.remove(q).catch(() => undefined);
  await mq?.close();
  await k.core.deleteNamespace({ name: ns }).catch(() => undefined);
});

describe('autoscaler', () => {
  it('raises spec.replicas within one poll interval of a backlog, and lowers it after the scale-down window', async () => {
    const q = await autoscaledPool('backlog', { minReplicas: 1, maxReplicas: 10, messagesPerReplica: 10, scaleDown: { stabilizationWindowSeconds: 6 } }, { replicas: 1 });
    await waitFor('first poll', async () => (await getPool(k, ns, 'backlog')).status?.autoscaler !== undefined, 10_000);
    const published = Date.now();
    await mq.publish(q, 45);
    await waitFor('replicas 5', async () => (await replicas('backlog')) === 5, 10_000, 50);
    const latency = Date.now() - published;
    console.log(`backlog -> spec.replicas patched in ${latency} ms (poll interval 1000 ms)`);
    expect(latency).toBeLessThan(1000 + 250 + 750); // one interval + 250 ms target, plus API round trips seen from the test
    await waitFor('an Event with the numbers', async () => (await reasons('backlog')).some((r) => /^Normal\/Autoscaled: scaling 1 -> 5: depth 45 \(ready only\) \/ 10 per replica -> 5/.test(r)), 5000);
    const pool = await getPool(k, ns, 'backlog');
    expect(pool.metadata.managedFields?.some((f) => f.manager === 'hare-autoscaler' && f.subresource === 'scale')).toBe(true);

    await mq.purge(q); // consumed away
    const emptied = Date.now();
    await waitFor('replicas back to 1', async () => (await replicas('backlog')) === 1, 20_000, 100);
    const after = Date.now() - emptied;
    expect(after).toBeGreaterThanOrEqual(5000); // not before the 6 s window (less a poll of slack)
    expect(after).toBeLessThan(6000 + 3000);
  });

  it('scales to zero when idle and back from zero when messages arrive', async () => {
    const q = await autoscaledPool('zero', { minReplicas: 0, maxReplicas: 5, scaleDown: { stabilizationWindowSeconds: 0 } }, { replicas: 2 });
    await waitFor('replicas 0', async () => (await replicas('zero')) === 0, 10_000);
    await mq.publish(q, 3);
    await waitFor('replicas 1 again', async () => (await replicas('zero')) === 1, 5_000);
  });

  it('keeps a busy pool from shrinking while its consumers hold unacknowledged messages (management API)', async () => {
    const q = `busy-${randomBytes(3).toString('hex')}`;
    await mq.declare(q);
    queues.push(q);
    await mq.publish(q, 25);
    const held = await mq.holdUnacked(q, 25); // 0 ready, 25 in flight
    try {
      // the management API's statistics lag by up to its collection interval (5 s): start once it shows the load
      await waitFor('the management API to report 25 unacked', async () => (await mq.unackedStat(q)) === 25, 15_000, 500);
      await autoscaledPool('busy', { minReplicas: 1, maxReplicas: 5, scaleDown: { stabilizationWindowSeconds: 2 } }, { replicas: 3, management: true, queue: q });
      await autoscaledPool('blind', { minReplicas: 1, maxReplicas: 5, scaleDown: { stabilizationWindowSeconds: 2 } }, { replicas: 3, queue: q });
      await waitFor('the ready-only pool shrinks', async () => (await replicas('blind')) === 1, 15_000);
      await new Promise((r) => setTimeout(r, 4000)); // two windows more
      expect(await replicas('busy')).toBe(3);
      const status = (await getPool(k, ns, 'busy')).status;
      expect(status?.autoscaler?.reason).toMatch(/25 unacked/);
    } finally {
      await held.release();
    }
  });

  it('leaves a paused pool alone', async () => {
    const q = await autoscaledPool('paused', { paused: true, maxReplicas: 8 }, { replicas: 2 });
    await mq.publish(q, 100);
    const active = await waitFor('AutoscalingActive=False Paused', async () => {
      const c = await condition('paused', 'AutoscalingActive');
      return c?.reason === 'Paused' && c;
    }, 10_000);
    expect(active.status).toBe('False');
    await new Promise((r) => setTimeout(r, 3000));
    expect(await replicas('paused')).toBe(2);
  });

  it('holds the size while the broker is unreachable, reports it, and recovers by itself', async () => {
    const proxy = await brokerProxy();
    try {
      await secret('via-proxy', proxy.uri);
      const q = await autoscaledPool('outage', { minReplicas: 1, maxReplicas: 6, fallback: { failureThreshold: 2 }, scaleDown: { stabilizationWindowSeconds: 1 } }, { replicas: 1, secretName: 'via-proxy' });
      await mq.publish(q, 30);
      await waitFor('replicas 3', async () => (await replicas('outage')) === 3, 10_000);
      await proxy.cut();
      await mq.purge(q); // were the autoscaler to see this, it would scale down
      const lost = await waitFor('BrokerReachable=False', async () => {
        const c = await condition('outage', 'BrokerReachable');
        return c?.status === 'False' && c;
      }, 20_000);
      expect(lost.reason).toBe('DepthReadFailed');
      expect(lost.message).not.toMatch(/guest/); // no credentials in status
      await new Promise((r) => setTimeout(r, 4000));
      expect(await replicas('outage')).toBe(3);
      expect((await reasons('outage')).some((r) => r.startsWith('Warning/DepthReadFailed'))).toBe(true);
      await proxy.restore();
      await waitFor('BrokerReachable=True again', async () => (await condition('outage', 'BrokerReachable'))?.status === 'True', 40_000);
      await waitFor('scaled down once it can see the empty queue', async () => (await replicas('outage')) === 1, 20_000);
      expect((await reasons('outage')).some((r) => r.startsWith('Normal/DepthRead'))).toBe(true);
    } finally {
      await proxy.close();
    }
  });

  it('shares one broker connection among all pools on a broker', async () => {
    for (let i = 0; i < 5; i++) await autoscaledPool(`many-${i}`, { maxReplicas: 3 }, { replicas: 1 });
    const pools = ['backlog', 'zero', 'busy', 'blind', 'paused', 'many-0', 'many-1', 'many-2', 'many-3', 'many-4'];
    await waitFor('every pool polled', async () => {
      const all = await Promise.all(pools.map((p) => getPool(k, ns, p)));
      return all.every((p: Pool) => p.status?.conditions?.some((c) => c.type === 'AutoscalingActive'));
    }, 20_000);
    const ours = (await mq.connectionNames()).filter((n) => n === `hare-operator-autoscaler/${identity}`);
    expect(ours).toHaveLength(1);
  });
});
