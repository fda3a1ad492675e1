// KEDA v2.21 (its operator and metrics adapter, built from the Go module proxy, run on this host beside the cluster)
// drives a ConsumerPool through the pool's /scale subresource, the pool's own autoscaler off: KEDA's HPA raises and
// lowers spec.replicas, and the operator still drains the pods it removes and keeps the one mid-message.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterConfig } from './cluster/index.ts';
import { startKeda, type Keda } from './cluster/keda.ts';
import { rabbitmqAuth, scaledObject } from './cluster/keda-manifests.ts';
import { dumpOnFailure as dumpSuite } from './support/dump.ts';
import { Load } from './support/load.ts';
import { busyAddresses, podsOf } from './support/pods.ts';
import { poolState } from './support/pool-state.ts';
import { endSuite, installOperator, startSuite, type Suite } from './support/suite.ts';
import { waitFor, type Tools } from './support/tools.ts';

const NS = 'keda-e2e';
const POOL = 'keda-orders';
let suite: Suite;
let t: Tools;
let keda: Keda | undefined;
let load: Load;
const pool = (): ReturnType<typeof poolState> => poolState(t, NS, POOL);
const dumpOnFailure = (): void => dumpSuite(suite);
const apply = (objects: object[]): Promise<string> => t.kubectlStdin(JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }), 'apply', '-f', '-');

beforeAll(async () => {
  suite = await startSuite({ namespace: NS, images: ['operator', 'consumer', 'examples'] });
  t = suite.t;
  await installOperator(t, '--set', `watchNamespace=${NS}`);
  keda = await startKeda(clusterConfig(), suite.cluster);
  load = new Load(suite.cluster.hostBrokerUri, POOL);
  await load.open();
}, 900_000);

afterAll(async () => {
  await load?.close();
  await keda?.stop();
  await endSuite(suite, { uninstallOperator: true });
});

describe('KEDA drives a ConsumerPool through /scale', () => {
  it("raises spec.replicas through KEDA's HPA on a backlog; the new pods become Ready", async () => {
    dumpOnFailure();
    await keda?.assertRunning();
    await apply([{
      apiVersion: 'hare.dev/v1alpha1', kind: 'ConsumerPool', metadata: { name: POOL, namespace: NS },
      spec: {
        module: 'recorder', image: suite.images.get('examples'), replicas: 1,
        broker: { uriSecretRef: { name: 'rabbitmq', key: 'uri' } },
        // prefetch 1: a busy pod takes nothing more, so where each message goes is known
        queue: { name: POOL, prefetch: 1 },
        drain: { timeoutSeconds: 120 },
      },
    }]);
    await waitFor('1 ready pod', async () => (await pool()).readyReplicas === 1, 180_000);
    // KEDA on the host reads the queue over AMQP on loopback, as a KEDA in the cluster would at the broker's Service
    await apply([...rabbitmqAuth(NS, suite.cluster.hostBrokerUri), scaledObject({
      name: POOL, namespace: NS, target: { apiVersion: 'hare.dev/v1alpha1', kind: 'ConsumerPool', name: POOL },
      queue: POOL, value: 5, minReplicas: 1, maxReplicas: 3, pollingIntervalSeconds: 5, scaleDownWindowSeconds: 60,
    })]);
    await waitFor('the ScaledObject Ready', async () => (await t.kubectl('get', 'scaledobject', '-n', NS, POOL, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}')) === 'True', 120_000);
    await load.publish(60, 1000); // 1 pod alone needs 60 s: the queue still holds work when the third pod is Ready
    await waitFor('3 ready pods', async () => (await pool()).readyReplicas === 3, 180_000, 1000);
    const state = await pool();
    const hpa = JSON.parse(await t.kubectl('get', 'hpa', '-n', NS, `keda-hpa-${POOL}`, '-o', 'json')) as { spec: { scaleTargetRef: { kind: string; name: string } } };
    console.log(`[e2e] KEDA's HPA scaled the pool to ${state.replicas}; last /scale writer: ${state.lastScaledBy}`);
    expect(hpa.spec.scaleTargetRef).toMatchObject({ kind: 'ConsumerPool', name: POOL });
    expect(state.replicas).toBe(3);
    expect(state.lastScaledBy).toBe('kube-controller-manager'); // the HPA controller, through /scale; not hare-autoscaler
  });

  it("lowers it when the queue is empty; the operator drains the idle pods and keeps the one mid-message", async () => {
    dumpOnFailure();
    await keda?.assertRunning();
    await waitFor('the backlog consumed', () => load.tally().recorded >= 60, 180_000, 1000);
    await load.publish(1, 120_000); // longer than the HPA's 60 s window plus a sync or two: still in flight when it scales in
    const pods = (await podsOf(t, NS, POOL)).filter((p) => !p.terminating);
    const busyIp = await waitFor('one pod holding the long message', async () => { const b = await busyAddresses(POOL); return b.length === 1 ? b[0] : undefined; }, 30_000, 500);
    const busy = pods.find((p) => p.ip === busyIp)?.name;
    expect(busy, `no live pod has the busy address ${busyIp}`).toBeDefined();
    await waitFor('KEDA to set 1 replica', async () => (await pool()).replicas === 1, 180_000, 1000);
    await waitFor('1 pod left, none draining', async () => { const p = await pool(); return p.liveReplicas === 1 && p.drainingReplicas === 0; }, 120_000);
    const left = (await podsOf(t, NS, POOL)).filter((p) => !p.terminating).map((p) => p.name);
    console.log(`[e2e] KEDA scale-down: busy ${busy} (${busyIp}), kept ${left.join(',')}, last /scale writer ${(await pool()).lastScaledBy}`);
    expect(left).toEqual([busy]);
    await keda?.assertRunning(); // the scale-in was KEDA's
    await waitFor('the long message recorded', () => load.tally().missing.length === 0, 180_000, 1000);
    const tally = load.tally();
    console.log(`[e2e] KEDA-driven pool: ${tally.published} published, ${tally.recorded} recorded, ${tally.duplicates.length} twice, ${tally.redelivered} redelivered`);
    expect(tally).toMatchObject({ published: 61, recorded: 61, duplicates: [], redelivered: 0, missing: [] });
  });
});
