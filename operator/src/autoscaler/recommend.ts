// Pure replica arithmetic: HareMq's ceil(depth / messagesPerReplica), the wait-time target, activation, clamping, stabilisation.
import type { AutoscalingSpec } from '../api/consumerpool.ts';

/** A raw (unclamped) recommendation and when it was made, kept for the stabilisation windows. */
export interface TimedRecommendation {
  /** Epoch milliseconds. */
  readonly at: number;
  readonly replicas: number;
}

/**
 * Replicas the queue depth asks for, before stabilisation and clamping.
 * - depth > 0: ceil(depth / messagesPerReplica) (HareMq: per 10, depth 10 -> 1, 15 -> 2, 50 -> 5).
 * - From 0 replicas, only depth > activationMessages activates the pool; otherwise it stays at 0.
 * - At 1 or more replicas the pool may only be emptied when depth is 0 (ready plus unacknowledged when
 *   known). Activation is deliberately not applied on the way down: a few messages below the activation
 *   threshold still keep one consumer, so nothing is left stranded, and consumers holding unacked
 *   messages are never all removed (the requeue loop of keda#356).
 */
export function rawRecommendation(depth: number, messagesPerReplica: number, current: number, activationMessages: number): number {
  if (depth <= 0) return 0;
  if (current === 0 && depth <= activationMessages) return 0;
  return Math.ceil(depth / messagesPerReplica);
}

export interface WaitSizing {
  /** Ready messages: the backlog that has to drain within the target. */
  readonly backlog: number;
  readonly arrival: number;
  readonly perPod: number;
  readonly targetWaitSeconds: number;
  /** (arrival + backlog / target) / perPod, before rounding up. */
  readonly exact: number;
  readonly replicas: number;
}

/**
 * Replicas for a wait-time target: enough service rate to keep up with the arrivals and drain the ready
 * backlog within the target, ceil((arrival + ready / target) / perPod). With an empty queue (ready and
 * unacked 0) and fewer than one message expected within the target, 0 (scale to zero is allowed); from 0
 * replicas only depth > activationMessages activates the pool, as in the messagesPerReplica mode.
 */
export function waitRecommendation(ready: number, depth: number, arrival: number, perPod: number, targetWaitSeconds: number, current: number, activationMessages: number): WaitSizing {
  const exact = (arrival + ready / targetWaitSeconds) / perPod;
  const base = { backlog: ready, arrival, perPod, targetWaitSeconds, exact };
  if (depth <= 0 && arrival * targetWaitSeconds < 1) return { ...base, replicas: 0 };
  if (current === 0 && depth <= activationMessages) return { ...base, replicas: 0 };
  return { ...base, replicas: Math.max(depth > 0 ? 1 : 0, Math.ceil(exact - 1e-9)) };
}

/**
 * Pods' worth of messages in flight, ceil(unacked / prefetch): a lower bound on the consumers that are busy
 * (each holds at most `prefetch`). The policy never recommends fewer pods than that, which generalises the
 * scale-to-zero guard to every size and stops depth-only scaling from collapsing a pool that is keeping up
 * with its load (queue empty, every consumer working). Capped at the current count: work in flight (on
 * draining pods, say) is never a reason to scale up. 0 when unacked or prefetch is unknown.
 */
export function busyFloor(unacked: number | undefined, prefetch: number | undefined, current: number): number {
  if (unacked === undefined || prefetch === undefined || unacked <= 0 || prefetch <= 0) return 0;
  return Math.min(current, Math.ceil(unacked / prefetch));
}

/** Bounds a replica count to [min, max]. */
export function clamp(replicas: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, replicas));
}

export interface WindowsMs {
  readonly up: number;
  readonly down: number;
}

/** The two stabilisation windows of a spec, in milliseconds. */
export function windowsOf(spec: AutoscalingSpec): WindowsMs {
  return { up: spec.scaleUp.stabilizationWindowSeconds * 1000, down: spec.scaleDown.stabilizationWindowSeconds * 1000 };
}

export interface Stabilized {
  /** The stabilised count, before clamping. */
  readonly replicas: number;
  /** Lowest recommendation in the scale-up window (including the new one). */
  readonly upLimit: number;
  /** Highest recommendation in the scale-down window (including the new one). */
  readonly downLimit: number;
}

/**
 * The HPA's stabilisation (stabilizeRecommendationWithBehaviors): a recommendation counts for a window when
 * it is strictly newer than now - window. Scale up at most to the lowest recommendation of the up window,
 * scale down at most to the highest recommendation of the down window; otherwise keep the current count.
 */
export function stabilize(history: readonly TimedRecommendation[], recommendation: number, current: number, now: number, windows: WindowsMs): Stabilized {
  let upLimit = recommendation;
  let downLimit = recommendation;
  const upCutoff = now - windows.up;
  const downCutoff = now - windows.down;
  for (const rec of history) {
    if (rec.at > upCutoff) upLimit = Math.min(upLimit, rec.replicas);
    if (rec.at > downCutoff) downLimit = Math.max(downLimit, rec.replicas);
  }
  let replicas = current;
  if (replicas < upLimit) replicas = upLimit;
  if (replicas > downLimit) replicas = downLimit;
  return { replicas, upLimit, downLimit };
}

/** Appends a recommendation and drops those no window can see any more. */
export function remember(history: readonly TimedRecommendation[], rec: TimedRecommendation, windows: WindowsMs): TimedRecommendation[] {
  const cutoff = rec.at - Math.max(windows.up, windows.down);
  return [...history.filter((r) => r.at > cutoff), rec];
}
