// The autoscaler end to end at the integration tier: a real RabbitMQ, a real API server, the operator process.
// Pods do not run here (no kubelet); the test publishes, consumes and holds messages itself.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFailed } from 'vitest';
import type { Pool } from '../src/api/pool.ts';
import { httpStatus } from '../src/errors.ts';
import { KubeApi } from '../src/kube/api.ts';
import { KubeClusterWriter } from '../src/kube/cluster.ts';
import { loadCredentials } from '../src/kube/kubeconfig.ts';
import { FIELD_MANAGERS } from '../src/metadata.ts';
import { broker, brokerProxy, AMQP_URI, MANAGEMENT_URI, type Broker, type BrokerProxy } from './support/broker.ts';
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

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const patchSpec = async (name: string, spec: object): Promise<void> => {
  await k.kubectl('patch', 'cpool', name, '-n', ns, '--type=merge', '-p', JSON.stringify({ spec }));
};
/** One of the operator's per-pool counters for one pool, all other labels summed. */
const poolCounter = async (metric: string, name: string): Promise<number> =>
  (await op.metrics()).split('\n').filter((l) => l.startsWith(`${metric}{namespace="${ns}",pool="${name}"`))
    .reduce((sum, l) => sum + Number(l.split(' ').at(-1)), 0);
/** The held read answered (it did not time out) and its decision was dropped: the path under test ran. */
async function expectDroppedAfterGoodRead(name: string): Promise<void> {
  expect(await poolCounter('hare_autoscaler_read_errors_total', name)).toBe(0);
  expect(await poolCounter('hare_autoscaler_dropped_decisions_total', name)).toBeGreaterThanOrEqual(1);
}

/** While the depth read of `queue` is held back `ms` by the proxy: runs `change`, which must finish before the read does. */
async function duringSlowRead(proxy: BrokerProxy, queue: string, ms: number, before: () => Promise<void>, change: () => Promise<void>): Promise<void> {
  proxy.delay(ms);
  const held = proxy.nextHeldDeclare(queue);
  await before();
  await held;
  const heldAt = Date.now();
  await change();
  const took = Date.now() - heldAt;
  proxy.delay(0);
  expect(took, 'the change must land while the read is held back, or the test proves nothing').toBeLessThan(ms - 500);
}

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
  beforeEach(() => onTestFailed(async () => {
    const series = (await op.metrics().catch(() => '')).split('\n').filter((l) => l.startsWith('hare_autoscaler_') && l.includes(ns));
    console.error(`--- operator log ---\n${op.logTail(80)}\n--- autoscaler series ---\n${series.join('\n')}`);
  }));

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
      await waitFor('the ready-only pool shrinks', async () => (await replicas('blind')) === 1, 30_000); // 2 s window; CI once took over 15 s
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

  it('keeps a pause and a kubectl scale made while a depth read is in flight', async () => {
    const proxy = await brokerProxy();
    try {
      await secret('slow-stale', proxy.uri);
      const q = await autoscaledPool('stale', { minReplicas: 1, maxReplicas: 10, messagesPerReplica: 10 }, { replicas: 1, secretName: 'slow-stale' });
      await waitFor('first poll', async () => (await getPool(k, ns, 'stale')).status?.autoscaler !== undefined, 10_000);
      // the held read sees 80 messages (8 replicas); meanwhile a person pauses the autoscaler and scales to 5
      await duringSlowRead(proxy, q, 3000, () => mq.publish(q, 80), async () => {
        await patchSpec('stale', { autoscaling: { paused: true } });
        await k.kubectl('scale', 'cpool/stale', '-n', ns, '--replicas=5');
      });
      await sleep(3000 + 3000); // the held read answers, then three more ticks
      const pool = await getPool(k, ns, 'stale');
      expect(pool.spec.replicas).toBe(5);
      expect(pool.spec.autoscaling?.paused).toBe(true);
      expect((await reasons('stale')).filter((r) => r.includes('Autoscaled'))).toEqual([]);
      await expectDroppedAfterGoodRead('stale');
    } finally {
      await proxy.close();
    }
  });

  it('never scales a pool on its old queue when spec.queue.name changes during a depth read', async () => {
    const proxy = await brokerProxy();
    try {
      await secret('slow-renamed', proxy.uri);
      const old = await autoscaledPool('renamed', { minReplicas: 1, maxReplicas: 10, scaleDown: { stabilizationWindowSeconds: 0 } }, { replicas: 1, secretName: 'slow-renamed' });
      // a second pool on the same broker keeps the shared connection open when the renamed pool lets go of it
      // (as in production: one broker, many pools); its reads share the channel, so the delay stays short
      await autoscaledPool('renamed-peer', { paused: true }, { replicas: 1, secretName: 'slow-renamed' });
      const next = `renamed-next-${randomBytes(3).toString('hex')}`;
      await mq.declare(next);
      queues.push(next);
      await mq.publish(next, 20); // the new queue asks for 2
      for (const p of ['renamed', 'renamed-peer']) await waitFor(`first poll of ${p}`, async () => (await getPool(k, ns, p)).status?.autoscaler !== undefined, 10_000);
      await duringSlowRead(proxy, old, 2000, () => mq.publish(old, 80), () => patchSpec('renamed', { queue: { name: next } }));
      await waitFor('replicas 2 from the new queue', async () => (await replicas('renamed')) === 2, 15_000, 100);
      await sleep(2000);
      expect(await replicas('renamed')).toBe(2);
      expect((await reasons('renamed')).filter((r) => r.includes('Autoscaled'))).toEqual([expect.stringMatching(/scaling 1 -> 2: depth 20/)]);
      await expectDroppedAfterGoodRead('renamed');
    } finally {
      await proxy.close();
    }
  });

  it('refuses a /scale write made on a stale resourceVersion with 409, and keeps the newer size', async () => {
    await createPool(k, ns, poolManifest('precondition', { replicas: 1 }));
    const stale = await getPool(k, ns, 'precondition');
    await k.kubectl('scale', 'cpool/precondition', '-n', ns, '--replicas=5');
    const writer = new KubeClusterWriter(new KubeApi(loadCredentials({ file: k.kubeconfig, inCluster: false }), { connections: 1 }));
    const refused = await writer.setReplicas(stale, 3, FIELD_MANAGERS.autoscaler).then(() => 'written', (err: unknown) => httpStatus(err));
    expect(refused).toBe(409);
    expect(await replicas('precondition')).toBe(5);
    // on the current version it goes through (the operator's own status writes may move the version meanwhile)
    await waitFor('a write on the current resourceVersion', async () => {
      await writer.setReplicas(await getPool(k, ns, 'precondition'), 3, FIELD_MANAGERS.autoscaler);
      return true;
    }, 10_000, 100);
    expect(await replicas('precondition')).toBe(3);
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
