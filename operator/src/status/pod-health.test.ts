import type { V1ContainerStatus, V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { slimPod } from '../reconcile/podstate.ts';
import { makePod } from '../testing/fixtures.ts';
import { notReadySummary, podCause } from './pod-health.ts';

const IMAGE = 'localhost/hare/exampels:0.1.0';

/** A pod whose consumer container is in the given state, as the kubelet writes it. */
function withContainer(name: string, container: Partial<V1ContainerStatus>, phase: 'Pending' | 'Running' = 'Pending'): V1Pod {
  const pod = makePod({ name, phase, ready: false, scheduled: true });
  pod.status!.containerStatuses = [{ name: 'consumer', image: IMAGE, imageID: '', ready: false, restartCount: 0, ...container }];
  return pod;
}

const pullError = (name: string): V1Pod => withContainer(name, {
  state: { waiting: { reason: 'ErrImagePull', message: `failed to pull and unpack image "${IMAGE}": failed to resolve reference "${IMAGE}": not found` } },
});
const pullBackOff = (name: string): V1Pod => withContainer(name, { state: { waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${IMAGE}"` } } });
const crashLoop = (name: string): V1Pod => withContainer(name, {
  restartCount: 4,
  state: { waiting: { reason: 'CrashLoopBackOff', message: `back-off 1m20s restarting failed container=consumer pod=${name}_shop(uid)` } },
  lastState: { terminated: { exitCode: 2, reason: 'Error', message: 'cannot load the consumer module: no module "ordrs" in /app/modules\n' } },
}, 'Running');
const missingSecret = (name: string): V1Pod => withContainer(name, { state: { waiting: { reason: 'CreateContainerConfigError', message: 'secret "rabbitmq" not found' } } });
function unschedulable(name: string): V1Pod {
  const pod = makePod({ name, phase: 'Pending', scheduled: false });
  pod.status!.containerStatuses = [];
  pod.status!.conditions = [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector." }];
  return pod;
}

describe('podCause', () => {
  it('names each cause, and every cause survives slimPod (what the informer cache keeps)', () => {
    const cases: [V1Pod, string, string][] = [
      [pullError('a'), 'ImagePullError', `cannot pull image "${IMAGE}" (ErrImagePull: failed to pull and unpack image "${IMAGE}": failed to resolve reference "${IMAGE}": not found)`],
      [pullBackOff('b'), 'ImagePullError', `cannot pull image "${IMAGE}" (ImagePullBackOff: Back-off pulling image "${IMAGE}")`],
      [crashLoop('c'), 'CrashLoopBackOff', 'crash-looping: container consumer exited with code 2 (Error): cannot load the consumer module: no module "ordrs" in /app/modules'],
      [missingSecret('d'), 'CreateContainerConfigError', 'cannot start container consumer (CreateContainerConfigError: secret "rabbitmq" not found)'],
      [unschedulable('e'), 'Unschedulable', "unschedulable: 0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector."],
    ];
    for (const [pod, reason, text] of cases) {
      expect(podCause(pod)).toMatchObject({ reason, text });
      expect(podCause(slimPod(pod))).toEqual(podCause(pod));
    }
  });

  it('sees no fault in a pod that is starting or running unready, nor in a container being created', () => {
    expect(podCause(makePod({ name: 'a', ready: false }))).toBeUndefined();
    expect(podCause(withContainer('b', { state: { waiting: { reason: 'ContainerCreating' } } }))).toBeUndefined();
  });

  it('reports a container that just exited, and other kubelet errors, with their wording', () => {
    const exited = withContainer('a', { state: { terminated: { exitCode: 137, reason: 'OOMKilled' } } }, 'Running');
    expect(podCause(exited)).toMatchObject({ reason: 'CrashLoopBackOff', text: 'crash-looping: container consumer exited with code 137 (OOMKilled)' });
    const runError = withContainer('b', { state: { waiting: { reason: 'RunContainerError', message: 'exec: "node": not found' } } });
    expect(podCause(runError)).toMatchObject({ reason: 'ContainerError', text: 'cannot start container consumer (RunContainerError: exec: "node": not found)' });
  });

  it('keeps a long, many-line termination message to one bounded line', () => {
    const pod = withContainer('a', { state: { terminated: { exitCode: 1, reason: 'Error', message: `line one\n${'x'.repeat(5000)}` } } }, 'Running');
    const text = podCause(slimPod(pod))?.text ?? '';
    expect(text).toMatch(/^crash-looping: container consumer exited with code 1 \(Error\): line one x+…$/);
    expect(text.length).toBeLessThan(400);
  });
});

describe('notReadySummary', () => {
  it('groups the pods by cause; ErrImagePull and ImagePullBackOff of one image are one group', () => {
    const s = notReadySummary([pullBackOff('b'), pullError('a'), unschedulable('c')], 0, 3);
    expect(s.reason).toBe('ImagePullError');
    expect(s.message).toBe(`0/3 pods ready; 2 pods cannot pull image "${IMAGE}" (ErrImagePull: failed to pull and unpack image "${IMAGE}": ` +
      `failed to resolve reference "${IMAGE}": not found); 1 pod unschedulable: 0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector.`);
  });

  it('leads with the cause of most pods, and on a tie with the one to fix first', () => {
    expect(notReadySummary([crashLoop('a'), crashLoop('b'), missingSecret('c')], 1, 4).reason).toBe('CrashLoopBackOff');
    expect(notReadySummary([crashLoop('a'), missingSecret('b')], 0, 2).reason).toBe('CreateContainerConfigError');
  });

  it('says only the count when no pod names a cause', () => {
    expect(notReadySummary([makePod({ name: 'a', ready: false })], 1, 2)).toEqual({ reason: 'ReplicasNotReady', message: '1/2 pods ready' });
  });

  it('does not depend on the order of the pods', () => {
    const pods = [crashLoop('a'), missingSecret('b'), pullError('c'), unschedulable('d')];
    expect(notReadySummary([...pods].reverse(), 0, 4)).toEqual(notReadySummary(pods, 0, 4));
  });
});
