// The autoscaler on the pods' own signals, with no management plugin anywhere: a private RabbitMQ node without
// plugins, real consumer runtimes whose http ports stand in for pod IPs on loopback addresses, and the operator
// process reading them. A busy pool is not shrunk (ready = 0), idle pods go first on scale-down, a pod that
// does not answer counts as busy, and a wait target is sized from the pods' acked counters.
import { randomBytes } from 'node:crypto';
import type { V1Pod } from '@kubernetes/client-node';
import amqp from 'amqplib';
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFailed } from 'vitest';
import { HTTP_PORT } from '../../consumer-image/src/contract.ts';
import { RuntimeProcess, TEST_MODULES } from '../../consumer-image/test/testing/runtime.ts';
import { rankVictims } from '../src/reconcile/ranking.ts';
import { createPool, freshNamespace, getPool, kube, poolPods, waitFor, type Kube } from './support/kube.ts';
import { setPodReady } from './support/kubelet.ts';
import { startOperator, type OperatorProcess } from './support/operator-process.ts';
import { startPlainBroker, type PlainBroker } from './support/plain-broker.ts';
import { blackHole, forward, type PodAddress } from './support/pod-network.ts';
import { poolManifest } from './support/pools.ts';

let k: Kube;
let ns: string;
let op: OperatorProcess;
let mq: PlainBroker;
const runtimes: RuntimeProcess[] = [];
const addresses: PodAddress[] = [];
/** A distinct loopback address per pod of this file (127.0.0.1 is the host's own). */
let nextAddress = 2 + (randomBytes(1)[0] ?? 0) % 200;

const live = (pods: V1Pod[]): V1Pod[] => pods.filter((p) => !p.metadata?.deletionTimestamp);
const names = (pods: V1Pod[]): string[] => pods.map((p) => p.metadata?.name ?? '').sort();
const replicas = async (pool: string): Promise<number | undefined> => (await getPool(k, ns, pool)).spec.replicas;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A pool paused until its pods run (see resume): the autoscaler must not act on the pods' start-up. */
async function autoscaledPool(name: string, queue: string, autoscaling: Record<string, unknown>, count: number): Promise<V1Pod[]> {
  const m = poolManifest(name, { replicas: count });
  Object.assign(m.spec as object, { queue: { name: queue, prefetch: 1 }, autoscaling: { enabled: true, paused: true, pollIntervalSeconds: 1, ...autoscaling } });
  await createPool(k, ns, m);
  let pods: V1Pod[] = [];
  await waitFor(`${count} pods of ${name}`, async () => (pods = live(await poolPods(k, ns, name))).length === count, 30_000);
  return pods;
}

/** The real runtime as the pod: consuming the queue, its http port reachable at a pod IP of its own; the pod Ready with that IP. */
async function runAs(pod: V1Pod, queue: string): Promise<RuntimeProcess> {
  const name = pod.metadata?.name ?? '';
  const runtime = new RuntimeProcess({
    HARE_MODULE: 'probe', HARE_MODULES_DIR: TEST_MODULES, HARE_BROKER_URI: mq.uri, HARE_QUEUE: queue, HARE_PREFETCH: '1',
    HARE_HTTP_PORT: '0', HARE_POD_NAME: name, HARE_RETRY_DELAYS_MS: '200', HARE_RETRY_LIMIT: '3', HARE_DRAIN_TIMEOUT_SECONDS: '5',
  });
  runtimes.push(runtime);
  await runtime.waitReady();
  const address = await forward(`127.0.0.${nextAddress++}`, HTTP_PORT, await runtime.port());
  addresses.push(address);
  await setPodReady(k, pod, true, address.ip);
  return runtime;
}

/** A Ready pod whose IP accepts connections and never answers. */
async function hangingPod(pod: V1Pod): Promise<void> {
  const address = await blackHole(`127.0.0.${nextAddress++}`, HTTP_PORT);
  addresses.push(address);
  await setPodReady(k, pod, true, address.ip);
}

async function publish(queue: string, bodies: object[]): Promise<void> {
  const conn = await amqp.connect(mq.uri);
  const ch = await conn.createConfirmChannel();
  for (const body of bodies) ch.sendToQueue(queue, Buffer.from(JSON.stringify(body)), { contentType: 'application/json' });
  await ch.waitForConfirms();
  await conn.close();
}

async function declare(queue: string): Promise<void> {
  const conn = await amqp.connect(mq.uri);
  const ch = await conn.createChannel();
  await ch.assertQueue(`${queue}.processed`); // where the probe module records each delivery
  await conn.close();
}

async function resume(pool: string): Promise<void> {
  await k.kubectl('patch', 'cpool', pool, '-n', ns, '--type=merge', '-p', JSON.stringify({ spec: { autoscaling: { paused: false } } }));
}

/** waitFor, and on a time-out the pool's replicas and the autoscaler's status in the error. */
async function waitForPool(pool: string, what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  await waitFor(what, check, timeoutMs, 500).catch(async (err: unknown) => {
    const p = await getPool(k, ns, pool);
    throw new Error(`${what}: replicas ${p.spec.replicas}, autoscaler ${JSON.stringify(p.status?.autoscaler)}`, { cause: err });
  });
}

const inFlight = (r: RuntimeProcess): Promise<number> => r.metric('hare_consumer_messages_in_flight');

beforeAll(async () => {
  mq = await startPlainBroker();
  k = kube();
  ns = await freshNamespace(k, 'it-pod-signals');
  await k.core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'rabbitmq' }, stringData: { uri: mq.uri } } });
  op = await startOperator(k.kubeconfig, ['--namespace', ns]);
});
afterAll(async () => {
  await op?.stop();
  for (const r of runtimes) r.stop();
  await Promise.all(addresses.map((a) => a.close()));
  await k?.core.deleteNamespace({ name: ns }).catch(() => undefined);
  await mq?.stop();
});

describe('autoscaling on the pods own signals, management plugin absent', () => {
  beforeEach(() => onTestFailed(() => {
    const said = runtimes.map((r) => `${r.podName}: ${r.output.slice(-600)}`).join('\n');
    console.error(`--- operator log ---\n${op.logTail()}\n--- runtimes ---\n${said}`);
  }));

  it('keeps a busy pool (0 ready) at its size, then removes the idle pods and keeps the busy one', async () => {
    const queue = `busy-${randomBytes(3).toString('hex')}`;
    const pods = await autoscaledPool('busy', queue, { minReplicas: 1, maxReplicas: 5, scaleDown: { stabilizationWindowSeconds: 3 } }, 3);
    await declare(queue);
    // the busy pod is the one the ReplicaSet's order alone would remove first (newest, then name): only the pods' signal saves it
    const [busyPod, ...idlePods] = rankVictims(pods);
    const busy = await runAs(busyPod!, queue);
    await publish(queue, [{ id: 'long', sleepMs: 120_000 }]);
    await waitFor('the long message in flight on the busy pod', async () => (await inFlight(busy)) === 1, 15_000, 200);
    // two messages of 12 s: the first may go to the busy pod too (after its first message the runtime consumes
    // again with its full prefetch, and the broker does not count the message held by the cancelled consumer)
    await sleep(500);
    await publish(queue, [{ id: 'short-1', sleepMs: 12_000 }]);
    const all = [busy, ...(await Promise.all(idlePods.map((p) => runAs(p, queue))))];
    await publish(queue, [{ id: 'short-2', sleepMs: 12_000 }]);
    let seen: number[] = [];
    await waitFor('3 messages in flight, none ready', async () => (seen = await Promise.all(all.map(inFlight))).reduce((a, b) => a + b, 0) === 3, 15_000, 200)
      .catch((err: unknown) => { throw new Error(`in flight: ${seen.join(', ')}`, { cause: err }); });
    await resume('busy');

    // (a) ready 0 and no management API: without the pods' counts depth is 0 and the pool would go to 1 in 3 s
    await sleep(7_000);
    expect(await replicas('busy')).toBe(3);
    expect((await getPool(k, ns, 'busy')).status?.autoscaler?.reason).toMatch(/0 ready \+ 3 unacked from 3 pods/);
    // (b) the short messages end: two pods idle, the busy one holds the long message; the pool shrinks to its busy floor of 1

    await waitForPool('busy', 'the pool at 1 replica', async () => (await replicas('busy')) === 1, 30_000);
    await waitFor('two pods removed', async () => live(await poolPods(k, ns, 'busy')).length === 1, 15_000, 500);
    expect(names(live(await poolPods(k, ns, 'busy')))).toEqual([busyPod!.metadata?.name]);
    expect(await inFlight(busy)).toBe(1);
  });

  it('counts a pod that does not answer as busy: never scaled to zero for it, never removed before an idle pod', async () => {
    const queue = `silent-${randomBytes(3).toString('hex')}`;
    const pods = await autoscaledPool('silent', queue, { minReplicas: 0, maxReplicas: 5, scaleDown: { stabilizationWindowSeconds: 2 } }, 2);
    await declare(queue);
    // the silent pod is again the one the plain order would take first
    const [silentPod, idlePod] = rankVictims(pods);
    await hangingPod(silentPod!);
    await runAs(idlePod!, queue);
    await resume('silent');
    // an empty queue and an idle pod: with no signal from the silent pod the pool would go to 0
    await waitForPool('silent', 'the pool at 1 replica', async () => (await replicas('silent')) === 1, 30_000);
    await waitFor('one pod removed', async () => live(await poolPods(k, ns, 'silent')).length === 1, 15_000, 500);
    expect(names(live(await poolPods(k, ns, 'silent')))).toEqual([silentPod!.metadata?.name]);
    await sleep(5_000); // more than two windows: still held up by the silent pod alone
    expect(await replicas('silent')).toBe(1);
    expect((await getPool(k, ns, 'silent')).status?.autoscaler?.reason).toMatch(/1 silent held busy/);
    expect(await op.metrics()).toContain(`hare_autoscaler_silent_pods{namespace="${ns}",pool="silent"} 1`);
  });

  it('sizes to a wait target from the pods\' own completions: no management API, no publish rate', async () => {
    const queue = `wait-${randomBytes(3).toString('hex')}`;
    const pods = await autoscaledPool('wait', queue, { minReplicas: 2, maxReplicas: 2, targetWaitSeconds: 20 }, 2);
    await declare(queue);
    await Promise.all(pods.map((p) => runAs(p, queue)));
    // a backlog the two pods work through for about 40 s: their acked counters give the per-pod rate, the
    // change of depth plus the acks the arrivals
    await publish(queue, Array.from({ length: 250 }, (_, i) => ({ id: `w${i}`, sleepMs: 300 })));
    await resume('wait');
    let reason = '';
    await waitFor('the wait-time sizing in the reason', async () => /wait target 20s: \(/.test(reason = (await getPool(k, ns, 'wait')).status?.autoscaler?.reason ?? ''), 30_000, 500)
      .catch((err: unknown) => { throw new Error(`reason: ${reason}`, { cause: err }); });
    // about 3.3/s per pod (prefetch 1, 300 ms each); arrivals from the depth's change plus the acks
    expect(reason).toMatch(/arriving \(depth change \+ acks\) \+ \d+ ready \/ 20s\) \/ [\d.]+\/s per pod/);
    const perPod = Number(/\/ ([\d.]+)\/s per pod/.exec(reason)?.[1]);
    expect(perPod).toBeGreaterThan(1.5);
    expect(perPod).toBeLessThan(6);
  });
});
