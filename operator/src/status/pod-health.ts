// Why a pool's pods are not ready, read from the kubelet's and the scheduler's pod status, summed up over the pool.
import type { V1ContainerStateTerminated, V1ContainerStatus, V1Pod } from '@kubernetes/client-node';
import { REASONS, type Reason } from '../metadata.ts';
import { podName } from '../reconcile/podstate.ts';

/** One pod's cause: the condition reason and the sentence that names it; pods with the same key are one group. */
export interface PodCause {
  reason: Reason;
  key: string;
  text: string;
}

const IMAGE_PULL = new Set(['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName', 'ErrImageNeverPull', 'RegistryUnavailable']);
/** Waiting reasons of a container on its way up: not a fault. */
const STARTING = new Set(['ContainerCreating', 'PodInitializing']);
/** When several causes affect as many pods, the one a person must fix first leads. */
const ORDER: readonly Reason[] = [REASONS.configError, REASONS.imagePullError, REASONS.crashLoop, REASONS.containerError, REASONS.unschedulable];
const DETAIL_LIMIT = 300;
const MESSAGE_LIMIT = 1000;

/** The cause that keeps a pod from being ready, when its status names one (a pod merely starting has none). */
export function podCause(pod: V1Pod): PodCause | undefined {
  for (const c of pod.status?.containerStatuses ?? []) {
    const cause = containerCause(c);
    if (cause) return cause;
  }
  const scheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
  if (scheduled?.status === 'False' && scheduled.reason === 'Unschedulable') {
    return same(REASONS.unschedulable, `unschedulable: ${detail(scheduled.message)}`);
  }
  return undefined;
}

function containerCause(c: V1ContainerStatus): PodCause | undefined {
  const ended = crashed(c);
  if (ended) return same(REASONS.crashLoop, `crash-looping: container ${c.name} ${termination(ended)}`);
  const why = c.state?.waiting?.reason ?? '';
  if (!why || STARTING.has(why)) return undefined;
  const said = `${why}: ${detail(c.state?.waiting?.message)}`;
  // ErrImagePull and ImagePullBackOff alternate on one pod: the image, not the kubelet's wording, makes the group
  if (IMAGE_PULL.has(why)) return { reason: REASONS.imagePullError, key: `image ${c.image}`, text: `cannot pull image "${c.image}" (${said})` };
  const reason = why === 'CreateContainerConfigError' ? REASONS.configError : REASONS.containerError;
  return same(reason, `cannot start container ${c.name} (${said})`);
}

/** The exit of a container that has just stopped, or that the kubelet holds back from restarting. */
function crashed(c: V1ContainerStatus): V1ContainerStateTerminated | undefined {
  if (c.state?.terminated) return c.state.terminated;
  return c.state?.waiting?.reason === 'CrashLoopBackOff' ? c.lastState?.terminated : undefined;
}

function same(reason: Reason, text: string): PodCause {
  return { reason, key: text, text };
}

/** "exited with code 2 (Error): <the termination message the runtime wrote>" */
function termination(t: V1ContainerStateTerminated): string {
  const message = t.message?.trim() ? `: ${detail(t.message)}` : '';
  return `exited with code ${t.exitCode} (${t.reason ?? 'no reason'})${message}`;
}

/** One line, bounded: kubelet messages and termination logs can span lines and kilobytes. */
function detail(text: string | undefined): string {
  const line = (text ?? '').replace(/\s+/g, ' ').trim();
  return line.length > DETAIL_LIMIT ? `${line.slice(0, DETAIL_LIMIT)}…` : line || 'no message';
}

/**
 * The Ready=False reason and message: "0/3 pods ready; 2 pods cannot pull image ...; 1 pod unschedulable: ...".
 * The reason is that of the cause shared by most pods (ReplicasNotReady when no pod names one).
 */
export function notReadySummary(notReady: readonly V1Pod[], ready: number, desired: number): { reason: Reason; message: string } {
  const groups = new Map<string, { cause: PodCause; pods: number }>();
  for (const pod of [...notReady].sort((a, b) => (podName(a) < podName(b) ? -1 : 1))) {
    const cause = podCause(pod);
    if (!cause) continue;
    const group = groups.get(cause.key) ?? { cause, pods: 0 };
    group.pods += 1;
    groups.set(cause.key, group);
  }
  const ranked = [...groups.values()].sort((a, b) => b.pods - a.pods || ORDER.indexOf(a.cause.reason) - ORDER.indexOf(b.cause.reason));
  const head = `${ready}/${desired} pods ready`;
  const parts = ranked.map((g) => `${g.pods} ${g.pods === 1 ? 'pod' : 'pods'} ${g.cause.text}`);
  const message = [head, ...parts].join('; ');
  return {
    reason: ranked[0]?.cause.reason ?? REASONS.replicasNotReady,
    message: message.length > MESSAGE_LIMIT ? `${message.slice(0, MESSAGE_LIMIT)}…` : message,
  };
}
