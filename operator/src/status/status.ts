// The operator's part of the pool status, computed purely from the pool, its pods and the reconcile outcome.
import type { V1Pod } from '@kubernetes/client-node';
import type { Condition, Pool } from '../api/pool.ts';
import { CONDITION_TYPES, LABELS, REASONS, selectorString } from '../metadata.ts';
import { isLive, isReady, isTerminating } from '../reconcile/podstate.ts';
import { findCondition, setCondition, type ConditionInput } from './conditions.ts';

/** The status fields this operator owns (the autoscaler owns queue, autoscaler and its conditions). */
export interface OperatorStatus {
  observedGeneration?: number;
  replicas: number;
  readyReplicas: number;
  updatedReplicas: number;
  drainingReplicas: number;
  selector: string;
  conditions: Condition[];
}

export interface StatusInput {
  pool: Pool;
  pods: readonly V1Pod[];
  templateHash: string;
  /** Set when the spec cannot work (e.g. the API server rejects the pod it implies). */
  invalidSpec?: string;
  now: Date;
}

export function computeStatus({ pool, pods, templateHash, invalidSpec, now }: StatusInput): OperatorStatus {
  const live = pods.filter(isLive);
  const counts = {
    desired: pool.spec.replicas ?? 0,
    live: live.length,
    ready: live.filter(isReady).length,
    updated: live.filter((p) => p.metadata?.labels?.[LABELS.templateHash] === templateHash).length,
    draining: pods.filter(isTerminating).length,
  };
  const generation = pool.metadata.generation;
  const previous = pool.status?.conditions;
  const ours = [readyCondition(counts, invalidSpec), progressingCondition(counts, invalidSpec)];
  const kept = (previous ?? []).filter((c) => ours.some((o) => o.type === c.type));
  const conditions = ours.reduce((list, c) => setCondition(list, c, generation, now), kept);
  return {
    ...(generation !== undefined ? { observedGeneration: generation } : {}),
    replicas: counts.live,
    readyReplicas: counts.ready,
    updatedReplicas: counts.updated,
    drainingReplicas: counts.draining,
    selector: selectorString(pool.metadata.name),
    conditions,
  };
}

interface Counts { desired: number; live: number; ready: number; updated: number; draining: number }

function readyCondition(c: Counts, invalidSpec: string | undefined): ConditionInput {
  const type = CONDITION_TYPES.ready;
  if (invalidSpec !== undefined) return { type, status: 'False', reason: REASONS.invalidSpec, message: invalidSpec };
  if (c.ready >= c.desired) return { type, status: 'True', reason: REASONS.allReplicasReady, message: `${c.ready}/${c.desired} pods ready` };
  return { type, status: 'False', reason: REASONS.replicasNotReady, message: `${c.ready}/${c.desired} pods ready` };
}

function progressingCondition(c: Counts, invalidSpec: string | undefined): ConditionInput {
  const type = CONDITION_TYPES.progressing;
  const plural = (n: number): string => (n === 1 ? 'pod' : 'pods');
  if (invalidSpec !== undefined) return { type, status: 'False', reason: REASONS.invalidSpec, message: invalidSpec };
  if (c.updated < c.live) {
    return { type, status: 'True', reason: REASONS.rollingUpdate, message: `${c.updated} of ${c.live} ${plural(c.live)} on the current template` };
  }
  if (c.live < c.desired) return { type, status: 'True', reason: REASONS.scalingUp, message: `${c.live} of ${c.desired} ${plural(c.desired)} exist` };
  if (c.live > c.desired) return { type, status: 'True', reason: REASONS.scalingDown, message: `${c.live} ${plural(c.live)} exist, ${c.desired} wanted` };
  if (c.draining > 0) {
    return { type, status: 'True', reason: REASONS.draining, message: `${c.draining} ${plural(c.draining)} finishing in-flight messages` };
  }
  return { type, status: 'False', reason: REASONS.stable, message: `${c.live} ${plural(c.live)} on the current template` };
}

/** True when the computed status differs from what the pool already shows (no write needed otherwise). */
export function statusChanged(pool: Pool, next: OperatorStatus): boolean {
  const s = pool.status ?? {};
  const same =
    s.observedGeneration === next.observedGeneration && s.replicas === next.replicas && s.readyReplicas === next.readyReplicas &&
    s.updatedReplicas === next.updatedReplicas && s.drainingReplicas === next.drainingReplicas && s.selector === next.selector &&
    next.conditions.every((c) => sameCondition(findCondition(s.conditions, c.type), c));
  return !same;
}

function sameCondition(a: Condition | undefined, b: Condition): boolean {
  return a !== undefined && a.status === b.status && a.reason === b.reason && a.message === b.message &&
    a.lastTransitionTime === b.lastTransitionTime && a.observedGeneration === b.observedGeneration;
}
