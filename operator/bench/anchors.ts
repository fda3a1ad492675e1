// The anchors bench:scale prints beside the operator, on the same control plane: N x R pods made by raw concurrent
// creates from one client (the API server's ceiling), and by kube-controller-manager's ReplicaSet controller.
import { AppsV1Api, type CoreV1Api, type KubeConfig, type V1PodSpec } from '@kubernetes/client-node';
import { setTimeout as sleep } from 'node:timers/promises';

/** Raw creates in flight at once: client-go's default burst is 10, the operator's own is higher; 24 saturates here. */
export const RAW_CONCURRENCY = 24;

/** A pod like the operator's (one container, the example image), kept off every node. */
const POD_SPEC: V1PodSpec = {
  containers: [{ name: 'consumer', image: 'localhost/hare/examples:0.1.0', resources: { requests: { cpu: '10m', memory: '32Mi' } } }],
  nodeSelector: { 'hare.dev/integration': 'no-such-node' },
};

async function withNamespace(core: CoreV1Api, name: string, run: () => Promise<number>): Promise<number> {
  await core.createNamespace({ body: { metadata: { name } } });
  try {
    return await run();
  } finally {
    await deleteAndWait(core, name);
  }
}

/** Deletes the namespace and waits until it is gone, so the next phase does not measure its pods' deletion. */
export async function deleteAndWait(core: CoreV1Api, name: string): Promise<void> {
  await core.deleteNamespace({ name }).catch(() => undefined);
  const deadline = Date.now() + 10 * 60_000;
  while (Date.now() < deadline) {
    const gone = await core.readNamespace({ name }).then(() => false, () => true);
    if (gone) return;
    await sleep(1000);
  }
}

/** Seconds to create `total` pods at RAW_CONCURRENCY from one client (every create answered). */
export async function rawCreates(core: CoreV1Api, namespace: string, total: number): Promise<number> {
  return withNamespace(core, namespace, async () => {
    const started = performance.now();
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < total) {
        const i = next++;
        await core.createNamespacedPod({ namespace, body: { metadata: { name: `raw-${i}` }, spec: POD_SPEC } });
      }
    };
    await Promise.all(Array.from({ length: RAW_CONCURRENCY }, worker));
    return (performance.now() - started) / 1000;
  });
}

/** Seconds from the first ReplicaSet create until every one of `sets` reports `replicas` pods (status.replicas). */
export async function replicaSets(kc: KubeConfig, core: CoreV1Api, namespace: string, sets: number, replicas: number): Promise<number> {
  const apps = kc.makeApiClient(AppsV1Api);
  return withNamespace(core, namespace, async () => {
    const started = performance.now();
    for (let i = 0; i < sets; i += 25) {
      await Promise.all(Array.from({ length: Math.min(25, sets - i) }, (_, j) => {
        const labels = { app: `rs${i + j}` };
        const body = { metadata: { name: `rs${i + j}` }, spec: { replicas, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: POD_SPEC } } };
        return apps.createNamespacedReplicaSet({ namespace, body });
      }));
    }
    for (;;) {
      const list = await apps.listNamespacedReplicaSet({ namespace });
      if (list.items.filter((rs) => rs.status?.replicas === replicas).length === sets) break;
      if (performance.now() - started > 30 * 60_000) throw new Error('ReplicaSets not done after 30 min');
      await sleep(1000);
    }
    return (performance.now() - started) / 1000;
  });
}
