// The autoscaler's part of the pool status (queue, autoscaler, BrokerReachable, AutoscalingActive), computed purely.
import type { AutoscalerStatus, Condition, Pool, QueueStatus } from '../api/pool.ts';
import type { Decision } from '../autoscaler/index.ts';
import type { Reading } from '../autoscaler/index.ts';
import { CONDITION_TYPES, REASONS } from '../metadata.ts';
import { findCondition, setCondition, type ConditionInput } from './conditions.ts';

/** The status fields written with the autoscaler's field manager. */
export interface ScalerStatus {
  queue?: QueueStatus;
  autoscaler?: AutoscalerStatus;
  conditions: Condition[];
}

export interface ScalerStatusInput {
  pool: Pool;
  reading: Reading | undefined;
  decision: Decision;
  /** Set when this tick changed spec.replicas. */
  scaled: boolean;
  now: Date;
}

export function computeScalerStatus({ pool, reading, decision, scaled, now }: ScalerStatusInput): ScalerStatus {
  const previous = pool.status;
  const queue = reading?.ok ? queueStatus(reading.depth, now) : previous?.queue;
  const lastScaleTime = scaled ? now.toISOString() : previous?.autoscaler?.lastScaleTime;
  const autoscaler: AutoscalerStatus = {
    desiredReplicas: decision.desired,
    ...(lastScaleTime ? { lastScaleTime } : {}),
    reason: decision.reason,
  };
  let conditions = (previous?.conditions ?? []).filter((c) => c.type === CONDITION_TYPES.brokerReachable || c.type === CONDITION_TYPES.autoscalingActive);
  const generation = pool.metadata.generation;
  const broker = brokerCondition(decision);
  if (broker) conditions = setCondition(conditions, broker, generation, now);
  conditions = setCondition(conditions, activeCondition(decision), generation, now);
  return { ...(queue ? { queue } : {}), autoscaler, conditions };
}

function queueStatus(depth: { ready: number; unacked?: number | undefined; consumers: number }, now: Date): QueueStatus {
  return {
    ready: depth.ready,
    ...(depth.unacked !== undefined ? { unacked: depth.unacked } : {}),
    consumers: depth.consumers,
    observedAt: now.toISOString(),
  };
}

function brokerCondition(decision: Decision): ConditionInput | undefined {
  const { reachable, message } = decision.broker;
  if (reachable === undefined) return undefined;
  const type = CONDITION_TYPES.brokerReachable;
  return reachable
    ? { type, status: 'True', reason: REASONS.brokerReachable, message: 'queue depth read' }
    : { type, status: 'False', reason: REASONS.brokerUnreachable, message };
}

function activeCondition(decision: Decision): ConditionInput {
  const type = CONDITION_TYPES.autoscalingActive;
  switch (decision.kind) {
    case 'paused': return { type, status: 'False', reason: REASONS.autoscalingPaused, message: decision.reason };
    case 'disabled': return { type, status: 'False', reason: REASONS.autoscalingDisabled, message: decision.reason };
    case 'fallback': return { type, status: 'False', reason: REASONS.fallback, message: decision.reason };
    default: return { type, status: 'True', reason: REASONS.autoscalingActive, message: 'scaling on queue depth' };
  }
}

/** Why the autoscaler does not act on the pool (the AutoscalingActive message), or undefined when it does. */
export function autoscalerOff(pool: Pool, autoscalerRuns: boolean): string | undefined {
  if (!autoscalerRuns) return 'the operator runs without its autoscaler (--no-autoscaler); spec.replicas is set by hand, an HPA or KEDA';
  if (!pool.spec.autoscaling?.enabled) return 'spec.autoscaling.enabled is not true; spec.replicas is set by hand, an HPA or KEDA';
  return undefined;
}

/**
 * The autoscaler's status while it is off: AutoscalingActive=False (Disabled) alone. Applied with the autoscaler's
 * field manager, it removes what that manager wrote before (queue numbers, status.autoscaler, BrokerReachable).
 */
export function disabledScalerStatus(pool: Pool, message: string, now: Date): ScalerStatus {
  const type = CONDITION_TYPES.autoscalingActive;
  const previous = (pool.status?.conditions ?? []).filter((c) => c.type === type);
  return { conditions: setCondition(previous, { type, status: 'False', reason: REASONS.autoscalingDisabled, message }, pool.metadata.generation, now) };
}

/** Whether the pool shows anything of the autoscaler's but the given disabled state (then it must be written). */
export function scalerStatusStale(pool: Pool, disabled: ScalerStatus): boolean {
  const s = pool.status ?? {};
  const want = disabled.conditions[0];
  const active = findCondition(s.conditions, CONDITION_TYPES.autoscalingActive);
  const sameActive = active !== undefined && active.status === want?.status && active.reason === want.reason && active.message === want.message;
  return !sameActive || s.queue !== undefined || s.autoscaler !== undefined || findCondition(s.conditions, CONDITION_TYPES.brokerReachable) !== undefined;
}

/**
 * Whether to write: always when a condition, the desired size or the last scale changed; queue numbers and
 * reason wording only every `quietMs`, so a busy queue does not turn every poll into an API write.
 */
export function scalerStatusWorthWriting(pool: Pool, next: ScalerStatus, lastWriteMs: number, nowMs: number, quietMs: number): boolean {
  const s = pool.status ?? {};
  const was = s.autoscaler ?? {};
  const now = next.autoscaler ?? {};
  const conditionMoved = next.conditions.some((c) => {
    const old = findCondition(s.conditions, c.type);
    return !old || old.status !== c.status || old.reason !== c.reason;
  });
  if (conditionMoved || was.desiredReplicas !== now.desiredReplicas || was.lastScaleTime !== now.lastScaleTime) return true;
  const numbers = (q: QueueStatus = {}): string => `${q.ready}/${q.unacked}/${q.consumers}`;
  const cosmetic = numbers(s.queue) !== numbers(next.queue) || was.reason !== now.reason;
  return cosmetic && nowMs - lastWriteMs >= quietMs;
}
