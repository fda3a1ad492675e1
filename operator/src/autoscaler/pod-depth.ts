// Which pods of a pool the operator asks for their in-flight count, and how their answers become the unacked
// part of the depth and the per-pod busy counts. Pure.
import type { V1Pod } from '@kubernetes/client-node';
import type { Pool } from '../api/pool.ts';
import { isLive, isReady, podName } from '../reconcile/podstate.ts';
import type { PodSignal, PodTarget } from './pod-signals.ts';
import type { QueueDepth } from './types.ts';

/**
 * The ready, live pods of a pool that runs the project's runtime (spec.runtime hare), which serves the
 * in-flight gauge on its http port; undefined for a generic image, whose port promises nothing (its depth
 * comes from the broker: management API or Prometheus plugin). Not-ready pods are not asked: a starting
 * pod holds nothing yet and a draining one is already leaving (victim ranking takes them first anyway).
 */
export function signalTargets(pool: Pool, pods: readonly V1Pod[]): PodTarget[] | undefined {
  if (pool.spec.runtime !== 'hare') return undefined;
  return pods.filter((p) => isLive(p) && isReady(p)).map((p) => ({ name: podName(p), ip: p.status?.podIP || undefined }));
}

/**
 * The depth with its unacked part from the pods: the sum of their in-flight counts. A pod that did not answer
 * adds nothing to the depth (an unreachable port must never grow the pool), but it counts as busy: the policy
 * holds a full prefetch for it in the busy floor, which keeps the pool off zero and never scales up, and it has
 * no per-pod count, so victim ranking takes it only after every pod known to be idle.
 * The pods' per-pod counts replace the management API's per-connection ones (current, per pod by construction).
 * Of the two totals the larger counts: the API lags by up to 5 s, and the pods asked are only the ready ones
 * of this pool (not draining pods, nor consumers outside the pool), so either can miss work, and neither may
 * shrink a busy pool. The management API's rates stay. With no pod asked (none ready) the depth stays the
 * broker's: no pod's count is known, not even a 0.
 */
export function withPodSignals(depth: QueueDepth, signals: readonly PodSignal[]): QueueDepth {
  if (signals.length === 0) return depth;
  const perPodUnacked: Record<string, number> = {};
  const silentPods: string[] = [];
  let unacked = 0;
  for (const s of signals) {
    if ('inFlight' in s) {
      perPodUnacked[s.name] = s.inFlight;
      unacked += s.inFlight;
    } else {
      silentPods.push(s.name);
    }
  }
  const rates = depth.rates === undefined ? {} : { rates: depth.rates };
  const broker = depth.unacked ?? 0;
  const total = unacked >= broker ? { unacked, unackedFrom: 'pods' as const } : { unacked: broker, unackedFrom: depth.unackedFrom };
  return { ready: depth.ready, consumers: depth.consumers, ...rates, ...total, perPodUnacked, silentPods };
}

/** The pods' settled-messages counters at one read, for the next read's completion rate. */
export interface AckSample {
  /** Epoch milliseconds of the read. */
  readonly at: number;
  readonly byPod: Readonly<Record<string, number>>;
}

/**
 * Messages per second the pool's pods settled since the previous read: the growth of each pod's counter, summed
 * over the pods seen both times (a new pod, or one whose counter went back after a restart, gives no sample).
 * Undefined when no pod can be compared: the rates then stay the broker's, if any.
 */
export function completionRate(previous: AckSample | undefined, signals: readonly PodSignal[], now: number): { rate: number | undefined; sample: AckSample } {
  const byPod: Record<string, number> = {};
  for (const s of signals) if ('acked' in s && s.acked !== undefined) byPod[s.name] = s.acked;
  const sample = { at: now, byPod };
  if (previous === undefined || now <= previous.at) return { rate: undefined, sample };
  let settled = 0;
  let compared = 0;
  for (const [name, acked] of Object.entries(byPod)) {
    const before = previous.byPod[name];
    if (before === undefined || acked < before) continue;
    settled += acked - before;
    compared++;
  }
  return { rate: compared === 0 ? undefined : settled / ((now - previous.at) / 1000), sample };
}

/** The depth with the pods' completion rate where the broker gave none (no management API): the wait-time sizing's input. */
export function withPodCompletions(depth: QueueDepth, rate: number | undefined): QueueDepth {
  if (rate === undefined || depth.rates?.deliverGet !== undefined) return depth;
  return { ...depth, rates: { ...depth.rates, deliverGet: rate } };
}
