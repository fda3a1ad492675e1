// Victim ranking for scale-down: which pods go first. Pure; the ReplicaSet's order plus a busy signal.
import type { V1Pod } from '@kubernetes/client-node';
import { ANNOTATIONS, LABELS } from '../metadata.ts';
import { createdAt, isReady, isScheduled, podName, restarts } from './podstate.ts';

/** Per-pod unacknowledged message counts from the broker, by pod name (matched by connection name or pod IP, see busy.ts). */
export type BusyMap = ReadonlyMap<string, number>;

export interface RankOptions {
  busy?: BusyMap;
  /** When set, pods of another template hash go before pods of this one (after readiness). */
  currentHash?: string;
}

const PHASE_ORDER: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

/**
 * Sorts candidates so the best victims come first:
 * unscheduled, then Pending < Unknown < Running, then not ready, then old template (during a
 * rollout), then (when the broker told us) fewer unacknowledged messages, then lower
 * pod-deletion-cost, then more restarts, then newest, then name (a total, deterministic order).
 */
export function rankVictims(pods: readonly V1Pod[], options: RankOptions = {}): V1Pod[] {
  return [...pods].sort((a, b) => compareVictims(a, b, options));
}

export function compareVictims(a: V1Pod, b: V1Pod, { busy = new Map(), currentHash }: RankOptions): number {
  const isCurrent = (p: V1Pod): boolean => currentHash !== undefined && p.metadata?.labels?.[LABELS.templateHash] === currentHash;
  return (
    cmp(isScheduled(a), isScheduled(b)) ||
    cmp(phaseRank(a), phaseRank(b)) ||
    cmp(isReady(a), isReady(b)) ||
    cmp(isCurrent(a), isCurrent(b)) ||
    cmp(unacked(a, busy), unacked(b, busy)) ||
    cmp(deletionCost(a), deletionCost(b)) ||
    cmp(restarts(b), restarts(a)) ||
    cmp(createdAt(b), createdAt(a)) ||
    cmp(podName(a), podName(b))
  );
}

function phaseRank(pod: V1Pod): number {
  return PHASE_ORDER[pod.status?.phase ?? 'Pending'] ?? 0;
}

/** Unknown counts rank after known ones of any size: we only prefer pods we know to be idle. */
function unacked(pod: V1Pod, busy: BusyMap): number {
  return busy.get(podName(pod)) ?? Number.MAX_SAFE_INTEGER;
}

function deletionCost(pod: V1Pod): number {
  const raw = pod.metadata?.annotations?.[ANNOTATIONS.deletionCost];
  const n = raw === undefined ? 0 : Number.parseInt(raw, 10);
  return Number.isFinite(n) ? n : 0;
}

function cmp(a: number | boolean | string, b: number | boolean | string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
