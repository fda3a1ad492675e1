// The operator's part of the pool status, computed purely from the pool, its pods and the reconcile outcome.
import type { V1Pod } from '@kubernetes/client-node';
import type { Condition, Pool } from '../api/pool.ts';
import { CONDITION_TYPES, LABELS, REASONS, selectorString } from '../metadata.ts';
import { deletionDue, isLive, isReady, isTerminating, podName } from '../reconcile/podstate.ts';
import { findCondition, setCondition, type ConditionInput } from './conditions.ts';
import { notReadySummary } from './pod-health.ts';

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
  /** The failure of this reconcile's pod writes that is retried with backoff (e.g. a ServiceAccount not made yet). */
  retrying?: string;
  now: Date;
}

/**
 * A terminating pod still there this long after its grace period ended is stuck: its kubelet has not confirmed the
 * deletion (the node is down or gone). It is not capacity (the plan has replaced it) and no longer progress.
 */
export const STUCK_AFTER_MS = 30_000;

/** The conditions computeStatus writes; Reconciling and Stalled only while True. */
const OWNED: readonly string[] = [CONDITION_TYPES.ready, CONDITION_TYPES.progressing, CONDITION_TYPES.reconciling, CONDITION_TYPES.stalled];

export function computeStatus({ pool, pods, templateHash, invalidSpec, retrying, now }: StatusInput): OperatorStatus {
  const live = pods.filter(isLive);
  const terminating = pods.filter(isTerminating);
  const stuck = terminating.filter((p) => isStuck(p, now.getTime()));
  const ready = live.filter(isReady);
  const counts: Counts = {
    desired: pool.spec.replicas ?? 0,
    live: live.length,
    ready: ready.length,
    updated: live.filter((p) => p.metadata?.labels?.[LABELS.templateHash] === templateHash).length,
    draining: terminating.length - stuck.length,
    stuck,
  };
  const generation = pool.metadata.generation;
  const progressing = progressingCondition(counts, invalidSpec, retrying);
  const ours = [readyCondition(counts, live.filter((p) => !isReady(p)), invalidSpec), progressing, ...kstatusConditions(progressing, invalidSpec)];
  const kept = (pool.status?.conditions ?? []).filter((c) => ours.some((o) => o.type === c.type));
  const conditions = ours.reduce((list, c) => setCondition(list, c, generation, now), kept);
  return {
    ...(generation !== undefined ? { observedGeneration: generation } : {}),
    replicas: counts.live,
    readyReplicas: counts.ready,
    updatedReplicas: counts.updated,
    drainingReplicas: terminating.length,
    selector: selectorString(pool.metadata.name),
    conditions,
  };
}

/** How long until a terminating pod becomes stuck (the status changes then without any event); undefined if none will. */
export function statusRecheckMs(pods: readonly V1Pod[], now: Date): number | undefined {
  const waits = pods.filter((p) => isTerminating(p) && !isStuck(p, now.getTime())).map((p) => (deletionDue(p) ?? 0) + STUCK_AFTER_MS - now.getTime());
  return waits.length > 0 ? Math.max(0, Math.min(...waits)) : undefined;
}

function isStuck(pod: V1Pod, nowMs: number): boolean {
  const due = deletionDue(pod);
  return due !== undefined && nowMs - due >= STUCK_AFTER_MS;
}

interface Counts { desired: number; live: number; ready: number; updated: number; draining: number; stuck: V1Pod[] }

const plural = (n: number): string => (n === 1 ? 'pod' : 'pods');

function readyCondition(c: Counts, notReady: readonly V1Pod[], invalidSpec: string | undefined): ConditionInput {
  const type = CONDITION_TYPES.ready;
  if (invalidSpec !== undefined) return { type, status: 'False', reason: REASONS.invalidSpec, message: invalidSpec };
  if (c.ready >= c.desired) return { type, status: 'True', reason: REASONS.allReplicasReady, message: `${c.ready}/${c.desired} pods ready` };
  return { type, status: 'False', ...notReadySummary(notReady, c.ready, c.desired) };
}

function progressingCondition(c: Counts, invalidSpec: string | undefined, retrying: string | undefined): ConditionInput {
  const type = CONDITION_TYPES.progressing;
  if (invalidSpec !== undefined) return { type, status: 'False', reason: REASONS.invalidSpec, message: invalidSpec };
  if (retrying !== undefined) {
    const reason = retrying.startsWith('delete pod') ? REASONS.deleteFailed : REASONS.createFailed;
    return { type, status: 'True', reason, message: `${c.live} of ${c.desired} ${plural(c.desired)} exist; retrying ${retrying}` };
  }
  if (c.updated < c.live) {
    return { type, status: 'True', reason: REASONS.rollingUpdate, message: `${c.updated} of ${c.live} ${plural(c.live)} on the current template` };
  }
  if (c.live < c.desired) return { type, status: 'True', reason: REASONS.scalingUp, message: `${c.live} of ${c.desired} ${plural(c.desired)} exist` };
  if (c.live > c.desired) return { type, status: 'True', reason: REASONS.scalingDown, message: `${c.live} ${plural(c.live)} exist, ${c.desired} wanted` };
  if (c.draining > 0) {
    return { type, status: 'True', reason: REASONS.draining, message: `${c.draining} ${plural(c.draining)} finishing in-flight messages${stuckNote(c.stuck)}` };
  }
  if (c.stuck.length > 0) return { type, status: 'False', reason: REASONS.terminationStuck, message: stuckMessage(c.stuck) };
  return { type, status: 'False', reason: REASONS.stable, message: `${c.live} ${plural(c.live)} on the current template` };
}

/** Names the stuck pods and their nodes; the text does not change with time (no needless status writes). */
function stuckMessage(stuck: readonly V1Pod[]): string {
  const shown = [...stuck].sort((a, b) => (podName(a) < podName(b) ? -1 : 1)).slice(0, 5)
    .map((p) => `${podName(p)} on node ${p.spec?.nodeName ?? '(none)'}`).join(', ');
  const more = stuck.length > 5 ? ` and ${stuck.length - 5} more` : '';
  return `${stuck.length} ${plural(stuck.length)} still terminating after the grace period, not counted and replaced: ${shown}${more}; ` +
    'the kubelet has not confirmed the deletion (is the node down?); kubectl delete pod --force removes a pod whose node is gone';
}

function stuckNote(stuck: readonly V1Pod[]): string {
  return stuck.length > 0 ? `; ${stuck.length} ${plural(stuck.length)} stuck terminating` : '';
}

/** kstatus: Reconciling=True while Progressing is True, Stalled=True for a spec that cannot work; absent otherwise. */
function kstatusConditions(progressing: ConditionInput, invalidSpec: string | undefined): ConditionInput[] {
  if (invalidSpec !== undefined) return [{ type: CONDITION_TYPES.stalled, status: 'True', reason: REASONS.invalidSpec, message: invalidSpec }];
  if (progressing.status === 'True') return [{ ...progressing, type: CONDITION_TYPES.reconciling }];
  return [];
}

/** True when the computed status differs from what the pool already shows (no write needed otherwise). */
export function statusChanged(pool: Pool, next: OperatorStatus): boolean {
  const s = pool.status ?? {};
  const same =
    s.observedGeneration === next.observedGeneration && s.replicas === next.replicas && s.readyReplicas === next.readyReplicas &&
    s.updatedReplicas === next.updatedReplicas && s.drainingReplicas === next.drainingReplicas && s.selector === next.selector &&
    next.conditions.every((c) => sameCondition(findCondition(s.conditions, c.type), c)) &&
    (s.conditions ?? []).every((c) => !OWNED.includes(c.type) || findCondition(next.conditions, c.type) !== undefined);
  return !same;
}

function sameCondition(a: Condition | undefined, b: Condition): boolean {
  return a !== undefined && a.status === b.status && a.reason === b.reason && a.message === b.message &&
    a.lastTransitionTime === b.lastTransitionTime && a.observedGeneration === b.observedGeneration;
}
