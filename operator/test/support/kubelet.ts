// Plays the kubelet at the integration tier (no kubelet runs there): writes pod status through the status subresource.
import { PatchStrategy, setHeaderOptions, type V1Pod } from '@kubernetes/client-node';
import type { Kube } from './kube.ts';

/** Marks a pod Running and Ready (or Running and not Ready), as a kubelet would after the readiness probe. */
export async function setPodReady(k: Kube, pod: V1Pod, ready: boolean): Promise<void> {
  const now = new Date().toISOString();
  const status = ready ? 'True' : 'False';
  await k.core.patchNamespacedPodStatus(
    {
      name: pod.metadata?.name ?? '', namespace: pod.metadata?.namespace ?? '',
      body: {
        status: {
          phase: 'Running', startTime: now,
          conditions: [
            { type: 'PodScheduled', status: 'True', lastTransitionTime: now },
            { type: 'Ready', status, lastTransitionTime: now },
            { type: 'ContainersReady', status, lastTransitionTime: now },
          ],
        },
      },
    },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
}

/**
 * Marks every pod of the namespace Ready a moment after it appears, until stopped: a stand-in kubelet for
 * suites that need pods to become ready (say so in the test).
 */
export function autoReady(k: Kube, namespace: string, delayMs = 300): { stop(): void } {
  let stopped = false;
  const done = new Set<string>();
  const loop = async (): Promise<void> => {
    while (!stopped) {
      const pods = await k.core.listNamespacedPod({ namespace }).catch(() => ({ items: [] as V1Pod[] }));
      for (const pod of pods.items) {
        const name = pod.metadata?.name ?? '';
        if (done.has(name) || pod.metadata?.deletionTimestamp) continue;
        done.add(name);
        // a failed write (say, across an API server restart) is tried again on a later pass, as a kubelet would
        setTimeout(() => { if (!stopped) void setPodReady(k, pod, true).catch(() => done.delete(name)); }, delayMs);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  void loop();
  return { stop: () => { stopped = true; } };
}
