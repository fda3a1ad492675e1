// Pod creates whose answers are lost (a TCP reset after the API server made the pod) during a scale-up:
// the operator waits for the watch to show those pods and never runs more pods than replicas.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiProxy, type ApiProxy } from './support/api-proxy.ts';
import { chartIdentity } from './support/chart-identity.ts';
import { createPool, freshNamespace, kube, poolPods, waitFor, type Kube } from './support/kube.ts';
import { startOperator, type OperatorProcess } from './support/operator-process.ts';
import { poolManifest } from './support/pools.ts';
import { trackPods, type PodTracker } from './support/tracker.ts';

const REPLICAS = 5;
/** How long answers are lost: long enough for several retries at the work queue's backoff (50 ms, doubling). */
const LOSS_MS = 4_000;

let k: Kube;
let ns: string;
let proxy: ApiProxy;
let op: OperatorProcess | undefined;
let tracker: PodTracker | undefined;

beforeAll(async () => {
  k = kube();
  ns = await freshNamespace(k, 'it-lost');
  proxy = await apiProxy(k.kubeconfig);
  const identity = await chartIdentity(k, ns, { server: proxy.url });
  op = await startOperator(identity.kubeconfig, ['--namespace', ns, '--no-autoscaler', '--resync', '300']);
  tracker = await trackPods(k.kubeconfig, ns); // straight to the API server, not through the proxy
});
afterAll(async () => {
  tracker?.stop();
  await op?.stop('SIGTERM');
  await proxy?.close();
  await k.core.deleteNamespace({ name: ns }).catch(() => undefined);
});

describe('lost create answers', () => {
  it(`never runs more than ${REPLICAS} pods when creates succeed but their answers are lost`, async () => {
    proxy.loseCreateAnswers(true);
    await createPool(k, ns, poolManifest('orders', { replicas: REPLICAS }));
    await waitFor('a lost create answer', () => proxy.lost() > 0, 30_000, 50);
    await new Promise((r) => setTimeout(r, LOSS_MS));
    proxy.loseCreateAnswers(false);
    const lost = proxy.lost();
    console.log(`lost create answers: ${lost} in ${LOSS_MS} ms`);
    await waitFor(`${REPLICAS} pods`, async () => (await poolPods(k, ns, 'orders')).length === REPLICAS, 60_000);
    await new Promise((r) => setTimeout(r, 3_000)); // room for a late extra create or a delete of a surplus pod
    const pods = await poolPods(k, ns, 'orders');
    expect({ lost: lost > 0, maxLive: tracker?.maxLive('orders'), ever: tracker?.seen('orders').size, now: pods.length })
      .toEqual({ lost: true, maxLive: REPLICAS, ever: REPLICAS, now: REPLICAS });
  });
});
