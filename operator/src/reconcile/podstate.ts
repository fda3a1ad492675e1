// Pure predicates over observed pods: the vocabulary plan, ranking and status share.
import type { V1ContainerStateTerminated, V1ContainerStatus, V1Pod, V1PodCondition } from '@kubernetes/client-node';

/** Being removed: the API server set a deletion timestamp; the pod is draining until it is gone. */
export function isTerminating(pod: V1Pod): boolean {
  return pod.metadata?.deletionTimestamp != null;
}

/** Finished for good (evicted, node lost, exited with restartPolicy Never): replace, no drain needed. */
export function isFinished(pod: V1Pod): boolean {
  const phase = pod.status?.phase;
  return phase === 'Failed' || phase === 'Succeeded';
}

/** Counts as capacity: neither terminating nor finished. */
export function isLive(pod: V1Pod): boolean {
  return !isTerminating(pod) && !isFinished(pod);
}

/** The pod's Ready condition is True. */
export function isReady(pod: V1Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/** Assigned to a node by the scheduler. */
export function isScheduled(pod: V1Pod): boolean {
  return Boolean(pod.spec?.nodeName);
}

export function podName(pod: V1Pod): string {
  return pod.metadata?.name ?? '';
}

/** Creation time in ms since the epoch (0 when unknown). */
export function createdAt(pod: V1Pod): number {
  const t = pod.metadata?.creationTimestamp;
  if (t === undefined) return 0;
  return t instanceof Date ? t.getTime() : Date.parse(String(t));
}

/** Sum of container restarts. */
export function restarts(pod: V1Pod): number {
  return (pod.status?.containerStatuses ?? []).reduce((n, c) => n + c.restartCount, 0);
}

/** When the grace period of a terminating pod ends, in ms since the epoch (the API server's deletionTimestamp). */
export function deletionDue(pod: V1Pod): number | undefined {
  const t = pod.metadata?.deletionTimestamp;
  if (t == null) return undefined;
  return t instanceof Date ? t.getTime() : Date.parse(String(t));
}

/** Kubelet and scheduler messages are kept up to this length in the cache (a termination message can be 4 KiB). */
const MESSAGE_LIMIT = 512;

/**
 * The part of a pod the operator reads (plan, ranking, status, index), for the informer cache: a few hundred
 * bytes instead of several kilobytes per pod, which is what keeps thousands of pods cheap to hold. What says why a
 * pod is not ready survives: the scheduler's PodScheduled=False, and each container's image, waiting reason and
 * last termination (reason, exit code, termination message).
 */
export function slimPod(pod: V1Pod): V1Pod {
  const m = pod.metadata ?? {};
  return {
    metadata: {
      name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion,
      labels: m.labels, annotations: m.annotations, ownerReferences: m.ownerReferences,
      creationTimestamp: m.creationTimestamp, deletionTimestamp: m.deletionTimestamp,
    },
    spec: { containers: [], nodeName: pod.spec?.nodeName },
    status: {
      phase: pod.status?.phase,
      // the pod's IPs match the broker's connections of images that name none (reconcile/busy.ts)
      ...(pod.status?.podIP ? { podIP: pod.status.podIP } : {}),
      ...(pod.status?.podIPs?.length ? { podIPs: pod.status.podIPs.map(({ ip }) => ({ ip })) } : {}),
      conditions: slimConditions(pod),
      containerStatuses: (pod.status?.containerStatuses ?? []).map(slimContainer),
    },
  };
}

/** Ready, and PodScheduled while the scheduler says False (with its reason and message). */
function slimConditions(pod: V1Pod): V1PodCondition[] {
  const ready = pod.status?.conditions?.find((c) => c.type === 'Ready');
  const scheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
  return [
    ...(ready ? [{ type: 'Ready', status: ready.status }] : []),
    ...(scheduled ? [{ type: 'PodScheduled', status: 'False', reason: scheduled.reason, message: clip(scheduled.message) }] : []),
  ];
}

function slimContainer(c: V1ContainerStatus): V1ContainerStatus {
  const { waiting, terminated } = c.state ?? {};
  const out: V1ContainerStatus = { name: c.name, image: c.image, imageID: '', ready: c.ready, restartCount: c.restartCount };
  if (waiting) out.state = { waiting: { reason: waiting.reason, message: clip(waiting.message) } };
  else if (terminated) out.state = { terminated: ended(terminated) };
  if (c.lastState?.terminated) out.lastState = { terminated: ended(c.lastState.terminated) };
  return out;
}

function ended(t: V1ContainerStateTerminated): V1ContainerStateTerminated {
  return { exitCode: t.exitCode, reason: t.reason, message: clip(t.message) };
}

function clip(text: string | undefined): string | undefined {
  return text !== undefined && text.length > MESSAGE_LIMIT ? `${text.slice(0, MESSAGE_LIMIT)}…` : text;
}
