// Status that tells the truth, on a real control plane: why pods are not ready (the test plays the kubelet), the
// STATUS column, pods stuck terminating, the autoscaler's status when it is off, and kstatus on real pools.
import type { V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pool } from '../src/api/pool.ts';
import { AMQP_URI, broker } from './support/broker.ts';
import { runContainer } from './support/container.ts';
import { bindPod, fakeNode, type FakeNode } from './support/fake-node.ts';
import { containerEnv, setContainerState, setPodReady } from './support/kubelet.ts';
import { createPool, freshNamespace, getPool, poolPods, waitFor, type Kube } from './support/kube.ts';
import { kstatusBinary, kstatusOf } from './support/kstatus.ts';
import { poolManifest } from './support/pools.ts';
import { dumpLogsOnFailure, operatorSuite, type Suite } from './support/suite.ts';

/** Images the stand-in kubelet can "pull": the examples image (examples/Dockerfile) and nothing else. */
const PULLABLE = new Set(['localhost/hare/examples:0.1.0']);
const TYPO = 'localhost/hare/exampels:0.1.0';

/** ready: bound to the fake node and ready; ready-unbound: ready, never bound (a delete removes it at once); kubelet: run. */
type Behaviour = 'ready' | 'ready-unbound' | 'kubelet';

/**
 * A stand-in kubelet for one namespace (no kubelet runs at this tier): binds each new pod of a pool it is told
 * about to the fake node, then either marks it ready, or runs it as a kubelet would and reports the outcome in
 * the pod's status: a Secret it cannot read (CreateContainerConfigError, the kubelet's wording), an image it
 * cannot pull (ErrImagePull, then ImagePullBackOff), or the real consumer runtime's exit (CrashLoopBackOff with
 * the termination message the runtime wrote).
 */
function standInKubelet(k: Kube, namespace: string, node: string, behaviour: Map<string, Behaviour>): { stop(): void } {
  let stopped = false;
  const seen = new Set<string>();
  const start = async (pod: V1Pod, how: Behaviour): Promise<void> => {
    if (how === 'ready-unbound') return setPodReady(k, pod, true);
    await bindPod(k, pod, node);
    if (how === 'ready') return setPodReady(k, pod, true);
    const env = await containerEnv(k, pod);
    if ('configError' in env) return setContainerState(k, pod, { waiting: { reason: 'CreateContainerConfigError', message: env.configError } });
    const image = pod.spec?.containers[0]?.image ?? '';
    if (!PULLABLE.has(image)) {
      const pullError = `rpc error: code = NotFound desc = failed to pull and unpack image "${image}": failed to resolve reference "${image}": not found`;
      await setContainerState(k, pod, { waiting: { reason: 'ErrImagePull', message: pullError } });
      await new Promise((r) => setTimeout(r, 1000));
      return setContainerState(k, pod, { waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${image}": ErrImagePull: ${pullError}` } });
    }
    const exit = await runContainer(env.env);
    if (exit === 'running') return setPodReady(k, pod, true);
    const at = new Date();
    await setContainerState(
      k, pod,
      { waiting: { reason: 'CrashLoopBackOff', message: `back-off 10s restarting failed container=consumer pod=${pod.metadata?.name}_${namespace}(${pod.metadata?.uid})` } },
      { exitCode: exit.exitCode, reason: 'Error', message: exit.message, startedAt: at, finishedAt: at },
      1,
    );
  };
  const loop = async (): Promise<void> => {
    while (!stopped) {
      const pods = await k.core.listNamespacedPod({ namespace }).catch(() => ({ items: [] as V1Pod[] }));
      for (const pod of pods.items) {
        const how = behaviour.get(pod.metadata?.labels?.['hare.dev/pool'] ?? '');
        const name = pod.metadata?.name ?? '';
        if (!how || seen.has(name) || pod.metadata?.deletionTimestamp || pod.spec?.nodeName) continue;
        seen.add(name);
        void start(pod, how).catch(() => seen.delete(name)); // tried again on a later pass, as a kubelet would
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  void loop();
  return { stop: () => { stopped = true; } };
}

const condition = (p: Pool, type: string): NonNullable<NonNullable<Pool['status']>['conditions']>[number] | undefined =>
  p.status?.conditions?.find((c) => c.type === type);

/** Waits for a condition with this reason (and a message that matches, when given; pods report one by one). */
async function waitForCondition(s: Suite, pool: string, type: string, reason: string, message?: RegExp, timeoutMs = 60_000): Promise<{ status: string; message: string }> {
  let last: unknown;
  return waitFor(`${pool}: ${type} reason ${reason}${message ? ` and message ${String(message)}` : ''}`, async () => {
    const c = condition(await getPool(s.k, s.ns, pool), type);
    last = c;
    return c?.reason === reason && (!message || message.test(c.message)) && c;
  }, timeoutMs).catch((err: unknown) => {
    throw new Error(`${String(err)}; last seen: ${JSON.stringify(last)}`);
  });
}

/** `kubectl get cpool`: each pool's STATUS column. */
async function statusColumn(k: Kube, namespace: string): Promise<{ table: string; byPool: Map<string, string> }> {
  const table = await k.kubectl('get', 'cpool', '-n', namespace);
  const [head = '', ...rows] = table.trim().split('\n');
  const at = head.split(/\s+/).indexOf('STATUS');
  return { table, byPool: new Map(rows.map((r) => r.split(/\s+/)).map((cells) => [cells[0] ?? '', cells[at] ?? ''])) };
}

describe('status that tells the truth', () => {
  const s = operatorSuite('it-status');
  const behaviour = new Map<string, Behaviour>();
  let node: FakeNode;
  let kubelet: { stop(): void };
  let kstatus: string;

  beforeAll(async () => {
    node = await fakeNode(s.k, `hare-it-${s.ns}`);
    kubelet = standInKubelet(s.k, s.ns, node.name, behaviour);
    await s.k.core.createNamespacedSecret({ namespace: s.ns, body: { metadata: { name: 'rabbitmq' }, stringData: { uri: AMQP_URI } } });
    kstatus = await kstatusBinary();
  });

  afterAll(async () => {
    kubelet?.stop();
    // nothing confirms the deletion of a pod on the fake node: remove them for good, then the node
    await s.k?.core.deleteCollectionNamespacedPod({ namespace: s.ns, gracePeriodSeconds: 0 }).catch(() => undefined);
    await node?.remove();
  });

  it('names why pods are not ready: a typo in the image, a missing module, a missing Secret; kubectl get shows each cause', async () => {
    dumpLogsOnFailure(s);
    for (const name of ['typo', 'nomodule', 'nosecret']) behaviour.set(name, 'kubelet');
    await createPool(s.k, s.ns, poolManifest('typo', { replicas: 2, image: TYPO, extra: { module: 'recorder' } }));
    await createPool(s.k, s.ns, poolManifest('nomodule', { replicas: 2, extra: { module: 'ordrs' } }));
    await createPool(s.k, s.ns, poolManifest('nosecret', { replicas: 2, extra: { module: 'recorder', broker: { uriSecretRef: { name: 'rabbitmq-typo', key: 'uri' } } } }));

    const typo = await waitForCondition(s, 'typo', 'Ready', 'ImagePullError', /^0\/2 pods ready; 2 pods/);
    expect(typo.status).toBe('False');
    expect(typo.message).toMatch(new RegExp(`^0/2 pods ready; 2 pods cannot pull image "${TYPO}" \\((ErrImagePull|ImagePullBackOff): .*failed to pull and unpack image`));
    // the runtime's own sentence, from the termination log it wrote (the runtime really ran, with the pod's env)
    const crash = await waitForCondition(s, 'nomodule', 'Ready', 'CrashLoopBackOff', /^0\/2 pods ready; 2 pods/);
    expect(crash.message).toMatch(/^0\/2 pods ready; 2 pods crash-looping: container consumer exited with code 2 \(Error\): cannot load the consumer module: consumer module 'ordrs' not found/);
    const secret = await waitForCondition(s, 'nosecret', 'Ready', 'CreateContainerConfigError', /^0\/2 pods ready; 2 pods/);
    expect(secret.message).toBe('0/2 pods ready; 2 pods cannot start container consumer (CreateContainerConfigError: secret "rabbitmq-typo" not found)');

    const { table, byPool } = await statusColumn(s.k, s.ns);
    console.log(`kubectl get cpool -n ${s.ns}\n${table}`);
    expect(Object.fromEntries(byPool)).toMatchObject({ typo: 'ImagePullError', nomodule: 'CrashLoopBackOff', nosecret: 'CreateContainerConfigError' });
    const described = await s.k.kubectl('describe', 'cpool', '-n', s.ns, 'nosecret');
    expect(described).toContain('secret "rabbitmq-typo" not found');
  });

  it('clears the cause once it is fixed: the Secret appears, the pods start', async () => {
    dumpLogsOnFailure(s);
    await s.k.core.createNamespacedSecret({ namespace: s.ns, body: { metadata: { name: 'rabbitmq-typo' }, stringData: { uri: AMQP_URI } } });
    behaviour.set('nosecret', 'ready');
    // the kubelet retries a config error by itself; this one plays it by replacing the pods
    await s.k.core.deleteCollectionNamespacedPod({ namespace: s.ns, labelSelector: 'hare.dev/pool=nosecret', gracePeriodSeconds: 0 });
    await waitForCondition(s, 'nosecret', 'Ready', 'AllReplicasReady');
  });

  it('passes on the real scheduler\'s message for pods no node can take', async () => {
    dumpLogsOnFailure(s);
    await createPool(s.k, s.ns, poolManifest('pending', { replicas: 1 })); // no stand-in: the scheduler finds no node
    const c = await waitForCondition(s, 'pending', 'Ready', 'Unschedulable');
    expect(c.message).toMatch(/^0\/1 pods ready; 1 pod unschedulable: (0\/\d+ nodes are available: .*node affinity\/selector|no nodes available)/);
    expect((await statusColumn(s.k, s.ns)).byPool.get('pending')).toBe('Unschedulable');
  });

  it('does not hold Progressing=True for a pod stuck terminating on a node that does not answer; its capacity is replaced', async () => {
    dumpLogsOnFailure(s);
    behaviour.set('stuck', 'ready');
    await createPool(s.k, s.ns, poolManifest('stuck', { replicas: 1 }));
    await waitForCondition(s, 'stuck', 'Ready', 'AllReplicasReady');
    const [victim] = await poolPods(s.k, s.ns, 'stuck');
    const victimName = victim?.metadata?.name ?? '';
    // only the victim is on the node: any other pod of this pool (its replacement, or a rollout's) goes at once
    behaviour.set('stuck', 'ready-unbound');
    // evicted with a 1 s grace period (as the taint manager would); no kubelet ever confirms it
    await s.k.core.deleteNamespacedPod({ namespace: s.ns, name: victimName, gracePeriodSeconds: 1 });
    const replaced = await waitFor('a ready replacement', async () => {
      const p = await getPool(s.k, s.ns, 'stuck');
      return p.status?.readyReplicas === 1 && p.status.drainingReplicas === 1 && p;
    });
    expect(replaced.status?.replicas).toBe(1);
    const stuck = await waitForCondition(s, 'stuck', 'Progressing', 'TerminationStuck', undefined, 60_000);
    expect(stuck.status).toBe('False');
    expect(stuck.message).toContain(`1 pod still terminating after the grace period, not counted and replaced: ${victimName} on node ${node.name}`);
    const p = await getPool(s.k, s.ns, 'stuck');
    expect(condition(p, 'Reconciling')).toBeUndefined();
    expect(condition(p, 'Ready')).toMatchObject({ status: 'True', message: '1/1 pods ready' });
    expect((await kstatusOf(s.k, kstatus, s.ns, 'stuck')).status).toBe('Current');
    const pods = await poolPods(s.k, s.ns, 'stuck');
    expect(pods.map((x) => [x.metadata?.name === victimName, x.metadata?.deletionTimestamp !== undefined])).toEqual(expect.arrayContaining([[true, true], [false, false]]));
    expect(pods).toHaveLength(2);
  });

  it('shows the autoscaler disabled once autoscaling is turned off, and drops what it wrote before', async () => {
    dumpLogsOnFailure(s);
    const b = await broker();
    try {
      await b.declare('autoscaled');
      behaviour.set('autoscaled', 'ready');
      await createPool(s.k, s.ns, poolManifest('autoscaled', { extra: { autoscaling: { enabled: true, minReplicas: 1, maxReplicas: 2, pollIntervalSeconds: 1 } } }));
      const active = await waitFor('the autoscaler\'s status', async () => {
        const p = await getPool(s.k, s.ns, 'autoscaled');
        return p.status?.queue && p.status.autoscaler && condition(p, 'BrokerReachable') && condition(p, 'AutoscalingActive')?.reason === 'Active' && p;
      });
      expect(active.status?.queue?.ready).toBe(0);
      await s.k.kubectl('patch', '-n', s.ns, 'cpool/autoscaled', '--type=merge', '-p', JSON.stringify({ spec: { autoscaling: { enabled: false } } }));
      const off = await waitForCondition(s, 'autoscaled', 'AutoscalingActive', 'Disabled');
      expect(off).toMatchObject({ status: 'False', message: 'spec.autoscaling.enabled is not true; spec.replicas is set by hand, an HPA or KEDA' });
      const p = await getPool(s.k, s.ns, 'autoscaled');
      expect(p.status?.queue).toBeUndefined();
      expect(p.status?.autoscaler).toBeUndefined();
      expect(condition(p, 'BrokerReachable')).toBeUndefined();
      expect(condition(p, 'Ready')?.status).toBe('True'); // the operator's part is untouched
    } finally {
      await b.remove('autoscaled').catch(() => undefined);
      await b.close();
    }
  });

  it('reads as kstatus reads it: InProgress before the operator has seen it, while scaling and draining; Current when ready; Failed for an invalid spec', async () => {
    dumpLogsOnFailure(s);
    // no operator watches this namespace: the status the API server defaults says "not observed yet"
    const unwatched = await freshNamespace(s.k, 'it-status-unwatched');
    try {
      await createPool(s.k, unwatched, poolManifest('unseen', { replicas: 1 }));
      expect(await kstatusOf(s.k, kstatus, unwatched, 'unseen')).toEqual({ name: 'unseen', status: 'InProgress', message: 'ConsumerPool generation is 1, but latest observed generation is 0' });
    } finally {
      await s.k.core.deleteNamespace({ name: unwatched }).catch(() => undefined);
    }
    await createPool(s.k, s.ns, poolManifest('waiting', { replicas: 2 }));
    await waitFor('status of waiting', async () => (await getPool(s.k, s.ns, 'waiting')).status?.observedGeneration === 1);
    expect(await kstatusOf(s.k, kstatus, s.ns, 'waiting')).toMatchObject({ status: 'InProgress' });
    behaviour.set('waiting', 'ready');
    await s.k.core.deleteCollectionNamespacedPod({ namespace: s.ns, labelSelector: 'hare.dev/pool=waiting', gracePeriodSeconds: 0 }); // replaced, then bound
    await waitForCondition(s, 'waiting', 'Ready', 'AllReplicasReady');
    expect(await kstatusOf(s.k, kstatus, s.ns, 'waiting')).toMatchObject({ status: 'Current' });

    // scale down: a bound pod drains (nothing confirms it here): Ready stays True, Reconciling makes it InProgress
    await s.k.kubectl('scale', '-n', s.ns, 'cpool/waiting', '--replicas=1');
    await waitForCondition(s, 'waiting', 'Reconciling', 'Draining');
    expect(condition(await getPool(s.k, s.ns, 'waiting'), 'Ready')?.status).toBe('True');
    expect(await kstatusOf(s.k, kstatus, s.ns, 'waiting')).toMatchObject({ status: 'InProgress', message: '1 pod finishing in-flight messages' });
    const draining = (await poolPods(s.k, s.ns, 'waiting')).filter((p) => p.metadata?.deletionTimestamp);
    for (const pod of draining) await s.k.core.deleteNamespacedPod({ namespace: s.ns, name: pod.metadata?.name ?? '', gracePeriodSeconds: 0 });
    await waitFor('Reconciling gone', async () => condition(await getPool(s.k, s.ns, 'waiting'), 'Reconciling') === undefined);
    expect(await kstatusOf(s.k, kstatus, s.ns, 'waiting')).toMatchObject({ status: 'Current' });

    const bad = { template: { spec: { nodeSelector: { 'hare.dev/integration': 'no-such-node' }, resources: { requests: { cpu: '2' }, limits: { cpu: '1' } } } } };
    await createPool(s.k, s.ns, poolManifest('invalid', { replicas: 1, extra: bad }));
    const stalled = await waitForCondition(s, 'invalid', 'Stalled', 'InvalidSpec');
    expect(await kstatusOf(s.k, kstatus, s.ns, 'invalid')).toEqual({ name: 'invalid', status: 'Failed', message: stalled.message });
  });
});

describe('status of the autoscaler when the operator runs without it', () => {
  const s = operatorSuite('it-status-noscaler', ['--no-autoscaler']);

  it('shows AutoscalingActive=False/Disabled on a pool that asks for autoscaling', async () => {
    dumpLogsOnFailure(s);
    await createPool(s.k, s.ns, poolManifest('asks', { replicas: 1, extra: { autoscaling: { enabled: true, minReplicas: 1, maxReplicas: 3 } } }));
    const off = await waitForCondition(s, 'asks', 'AutoscalingActive', 'Disabled');
    expect(off).toMatchObject({ status: 'False', message: 'the operator runs without its autoscaler (--no-autoscaler); spec.replicas is set by hand, an HPA or KEDA' });
    const p = await getPool(s.k, s.ns, 'asks');
    expect(p.status?.autoscaler).toBeUndefined();
    expect(p.spec.replicas).toBe(1);
  });
});
