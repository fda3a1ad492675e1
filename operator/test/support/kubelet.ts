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
