// The topology's part of the pool status (TopologyReady, status.topology), computed purely from one outcome.
import type { Condition, Pool } from '../api/pool.ts';
import { CONDITION_TYPES, REASONS, type Reason } from '../metadata.ts';
import type { TopologyOutcome } from '../topology/declare.ts';
import { findCondition, setCondition } from './conditions.ts';

/** The status fields written with the topology's field manager. */
export interface TopologyStatus {
  topology: { delayQueues: string[] };
  conditions: Condition[];
}

/** What a pass amounted to: the broker's answer, or why there was none (a Secret, a connection). */
export type TopologyPass = TopologyOutcome | { readonly ok: false; readonly reason: 'BrokerUnavailable'; readonly message: string };

const REASON_OF: Record<Exclude<TopologyPass, { ok: true }>['reason'], Reason> = {
  Conflict: REASONS.topologyConflict,
  QueueMissing: REASONS.queueMissing,
  Refused: REASONS.topologyRefused,
  BrokerUnavailable: REASONS.brokerUnavailable,
};

/** The status after a pass; `changed` is false when writing it would change nothing but timestamps. */
export function computeTopologyStatus(pool: Pool, pass: TopologyPass, now: Date): { status: TopologyStatus; changed: boolean; reason: Reason } {
  const type = CONDITION_TYPES.topologyReady;
  const before = findCondition(pool.status?.conditions, type);
  const reason = reasonOf(pool, pass);
  const conditions = setCondition(before ? [before] : [], { type, status: pass.ok ? 'True' : 'False', reason, message: pass.message }, pool.metadata.generation, now);
  // a failed pass keeps the list: those queues may still exist and wait for removal
  const kept = pool.status?.topology?.delayQueues ?? [];
  const delayQueues = pass.ok ? [...pass.delayQueues] : [...kept];
  const changed = !sameCondition(before, conditions[0]!) || JSON.stringify(kept) !== JSON.stringify(delayQueues);
  return { status: { topology: { delayQueues }, conditions }, changed, reason };
}

function reasonOf(pool: Pool, pass: TopologyPass): Reason {
  if (!pass.ok) return REASON_OF[pass.reason];
  return pool.spec.queue.declare === 'none' ? REASONS.topologyFound : REASONS.topologyDeclared;
}

/** Equal but for lastTransitionTime. */
function sameCondition(a: Condition | undefined, b: Condition): boolean {
  return a !== undefined && a.status === b.status && a.reason === b.reason && a.message === b.message && a.observedGeneration === b.observedGeneration;
}
