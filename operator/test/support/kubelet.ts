// Plays the kubelet at the integration tier (no kubelet runs there): writes pod status through the status subresource.
import { PatchStrategy, setHeaderOptions, type V1ContainerState, type V1ContainerStatus, type V1EnvVar, type V1Pod } from '@kubernetes/client-node';
import { CONTAINER_NAME } from '../../src/metadata.ts';
import type { Kube } from './kube.ts';

/** Marks a pod Running and Ready (or Running and not Ready), as a kubelet would after the readiness probe; with the pod IP given. */
export async function setPodReady(k: Kube, pod: V1Pod, ready: boolean, podIP?: string): Promise<void> {
  const now = new Date().toISOString();
  const status = ready ? 'True' : 'False';
  await k.core.patchNamespacedPodStatus(
    {
      name: pod.metadata?.name ?? '', namespace: pod.metadata?.namespace ?? '',
      body: {
        status: {
          phase: 'Running', startTime: now,
          ...(podIP === undefined ? {} : { podIP, podIPs: [{ ip: podIP }] }),
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

/**
 * Writes the consumer container's state as the kubelet reports it: `waiting` (ErrImagePull, ImagePullBackOff,
 * CreateContainerConfigError, CrashLoopBackOff, ...) with an optional last termination. The pod must be bound to
 * a node (a kubelet only reports pods of its own node); it stays not ready.
 */
export async function setContainerState(k: Kube, pod: V1Pod, state: V1ContainerState, last?: V1ContainerState['terminated'], restartCount = 0): Promise<void> {
  const now = new Date().toISOString();
  const container: V1ContainerStatus = {
    name: CONTAINER_NAME, image: pod.spec?.containers[0]?.image ?? '', imageID: '', ready: false, restartCount, started: false, state,
    ...(last ? { lastState: { terminated: last } } : {}),
  };
  const why = state.waiting ? 'ContainersNotReady' : 'PodCompleted';
  await k.core.patchNamespacedPodStatus(
    {
      name: pod.metadata?.name ?? '', namespace: pod.metadata?.namespace ?? '',
      body: {
        status: {
          phase: restartCount > 0 ? 'Running' : 'Pending', startTime: now, containerStatuses: [container],
          conditions: [
            { type: 'PodScheduled', status: 'True', lastTransitionTime: now },
            { type: 'Initialized', status: 'True', lastTransitionTime: now },
            { type: 'Ready', status: 'False', reason: why, message: `containers with unready status: [${CONTAINER_NAME}]`, lastTransitionTime: now },
            { type: 'ContainersReady', status: 'False', reason: why, message: `containers with unready status: [${CONTAINER_NAME}]`, lastTransitionTime: now },
          ],
        },
      },
    },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
}

/**
 * The consumer container's environment as the kubelet builds it: literal values, the downward API, and Secret
 * keys read from the API server. A missing Secret or key is the kubelet's CreateContainerConfigError, with its
 * wording.
 */
export async function containerEnv(k: Kube, pod: V1Pod): Promise<{ env: Record<string, string> } | { configError: string }> {
  const env: Record<string, string> = {};
  for (const e of pod.spec?.containers[0]?.env ?? []) {
    const value = await envValue(k, pod, e);
    if (typeof value !== 'string') return value;
    env[e.name] = value;
  }
  return { env };
}

async function envValue(k: Kube, pod: V1Pod, e: V1EnvVar): Promise<string | { configError: string }> {
  const { name = '', namespace = '' } = pod.metadata ?? {};
  const { fieldRef, secretKeyRef } = e.valueFrom ?? {};
  if (e.value !== undefined) return e.value;
  if (fieldRef) return fieldRef.fieldPath === 'metadata.name' ? name : namespace;
  return secretKeyRef ? secretValue(k, namespace, secretKeyRef.name ?? '', secretKeyRef.key) : '';
}

/** A Secret's key as the kubelet reads it; a missing Secret or key is its config error, in its words. */
async function secretValue(k: Kube, namespace: string, name: string, key: string): Promise<string | { configError: string }> {
  const secret = await k.core.readNamespacedSecret({ namespace, name }).catch(() => undefined);
  if (!secret) return { configError: `secret "${name}" not found` };
  const value = secret.data?.[key];
  if (value === undefined) return { configError: `couldn't find key ${key} in Secret ${namespace}/${name}` };
  return Buffer.from(value, 'base64').toString();
}
