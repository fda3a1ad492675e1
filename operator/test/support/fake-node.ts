// A Node with no kubelet behind it, for the integration tier: its status and Lease written as a kubelet would.
import { CoordinationV1Api, KubeConfig, PatchStrategy, setHeaderOptions, V1MicroTime, type V1Pod } from '@kubernetes/client-node';
import type { Kube } from './kube.ts';

const LEASE_NAMESPACE = 'kube-node-lease';
const RENEW_MS = 10_000;

export interface FakeNode {
  name: string;
  /** Stops the heartbeat: from now on the node is down, as when its machine is gone. */
  stop(): void;
  /** Deletes the node and its Lease. */
  remove(): Promise<void>;
}

/**
 * Registers a node that reports Ready and renews its Lease every 10 s, so the node lifecycle controller leaves it
 * and its pods alone. No kubelet runs: pods bound to it never start, and a deleted pod stays Terminating until it
 * is force-deleted, because nothing confirms the deletion. The test plays the kubelet (say so in the test).
 */
export async function fakeNode(k: Kube, name: string): Promise<FakeNode> {
  const kc = new KubeConfig();
  kc.loadFromFile(k.kubeconfig);
  const leases = kc.makeApiClient(CoordinationV1Api);
  await k.core.createNode({ body: { metadata: { name, labels: { 'hare.dev/integration': 'fake-node' } } } });
  const now = new Date().toISOString();
  await k.core.patchNodeStatus({
    name,
    body: { status: { conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'stand-in kubelet of the integration tier', lastHeartbeatTime: now, lastTransitionTime: now }] } },
  }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
  const spec = (): { holderIdentity: string; leaseDurationSeconds: number; renewTime: V1MicroTime } => ({ holderIdentity: name, leaseDurationSeconds: 40, renewTime: new V1MicroTime() });
  await leases.createNamespacedLease({ namespace: LEASE_NAMESPACE, body: { metadata: { name }, spec: spec() } });
  const renew = setInterval(() => {
    void leases.patchNamespacedLease({ namespace: LEASE_NAMESPACE, name, body: { spec: spec() } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch)).catch(() => undefined);
  }, RENEW_MS);
  renew.unref();
  return {
    name,
    stop: () => clearInterval(renew),
    remove: async () => {
      clearInterval(renew);
      await k.core.deleteNode({ name }).catch(() => undefined);
      await leases.deleteNamespacedLease({ namespace: LEASE_NAMESPACE, name }).catch(() => undefined);
    },
  };
}

/** Binds a pending pod to a node through the binding subresource, as the scheduler does. */
export async function bindPod(k: Kube, pod: V1Pod, node: string): Promise<void> {
  const { name = '', namespace = '' } = pod.metadata ?? {};
  await k.core.createNamespacedPodBinding({ name, namespace, body: { metadata: { name }, target: { apiVersion: 'v1', kind: 'Node', name: node } } });
}
