// The pure heart of the reconcile: observed pods + desired size/template -> pods to create and to delete.
import type { V1Pod } from '@kubernetes/client-node';
import { LABELS } from '../metadata.ts';
import { isFinished, isLive, isReady } from './podstate.ts';
import { busyByPod, type BrokerBusy } from './busy.ts';
import { rankVictims, type BusyMap } from './ranking.ts';

export type DeleteReason = 'ScaleDown' | 'Rollout' | 'Finished';

export interface PlanInput {
  /** spec.replicas */
  replicas: number;
  /** Template hash of the pod the pool wants now. */
  templateHash: string;
  /** The pool's own pods as the cache sees them, terminating ones included. */
  pods: readonly V1Pod[];
  /** Unacknowledged messages per connection name and peer address, when the broker's HTTP API told us. */
  busy?: BrokerBusy | undefined;
}

export interface Plan {
  /** Pods of the current template to create. */
  create: number;
  /** Pods to delete (a delete starts the drain through preStop), best victims first. */
  delete: { pod: V1Pod; reason: DeleteReason }[];
}

/**
 * Plans every change the observed state allows right now, so that planning again over the
 * result (created pods pending, deleted pods terminating) plans nothing:
 * - fewer live pods than replicas: create the difference;
 * - more live pods than replicas: delete the best-ranked victims;
 * - pods of an old template: surge one new pod (live <= replicas + 1), then delete one old pod
 *   when it is not ready or when the ready pods exceed replicas (never below replicas ready);
 * - finished pods (Failed/Succeeded) are deleted and replaced.
 */
export function plan(input: PlanInput): Plan {
  const out: Plan = { create: 0, delete: [] };
  for (const pod of input.pods) if (isFinished(pod) && !isGone(pod)) out.delete.push({ pod, reason: 'Finished' });
  let live = input.pods.filter(isLive);
  const planned = new Set<V1Pod>();
  const busy = busyByPod(input.pods, input.busy);
  // Each step changes the simulated state; steps end when none applies (at most pods + replicas + 1 steps).
  for (let guard = 0; guard <= input.pods.length + input.replicas + 2; guard++) {
    const next = step(input, busy, live);
    if (next === undefined) break;
    live = next.kind === 'create' ? addPlanned(out, live, planned, next.count, input.templateHash) : removeVictims(out, live, planned, next);
  }
  return out;
}

type Step = { kind: 'create'; count: number } | { kind: 'delete'; pods: V1Pod[]; reason: DeleteReason };

function step({ replicas, templateHash }: PlanInput, busy: BusyMap, live: V1Pod[]): Step | undefined {
  const old = live.filter((p) => hashOf(p) !== templateHash);
  if (live.length < replicas) return { kind: 'create', count: replicas - live.length };
  const limit = old.length > 0 && replicas > 0 ? replicas + 1 : replicas;
  if (live.length > limit) {
    const victims = rankVictims(live, { busy, currentHash: templateHash }).slice(0, live.length - limit);
    return { kind: 'delete', pods: victims, reason: old.length > 0 ? 'Rollout' : 'ScaleDown' };
  }
  if (old.length === 0) return undefined;
  const current = live.length - old.length;
  if (live.length < replicas + 1 && current < replicas) return { kind: 'create', count: 1 };
  const [victim] = rankVictims(old, { busy });
  const ready = live.filter(isReady).length;
  if (victim && (!isReady(victim) || ready > replicas)) return { kind: 'delete', pods: [victim], reason: 'Rollout' };
  return undefined;
}

function addPlanned(out: Plan, live: V1Pod[], planned: Set<V1Pod>, count: number, templateHash: string): V1Pod[] {
  const added = placeholders(count, templateHash, planned.size);
  added.forEach((p) => planned.add(p));
  out.create += count;
  return [...live, ...added];
}

function removeVictims(out: Plan, live: V1Pod[], planned: Set<V1Pod>, next: { pods: V1Pod[]; reason: DeleteReason }): V1Pod[] {
  for (const pod of next.pods) {
    if (planned.has(pod)) out.create -= 1; // a planned pod chosen as a victim is simply not created
    else out.delete.push({ pod, reason: next.reason });
  }
  return live.filter((p) => !next.pods.includes(p));
}

function hashOf(pod: V1Pod): string | undefined {
  return pod.metadata?.labels?.[LABELS.templateHash];
}

/** A finished pod already being deleted needs no second delete. */
function isGone(pod: V1Pod): boolean {
  return pod.metadata?.deletionTimestamp != null;
}

/** Stand-ins for pods the plan creates: pending, unscheduled, not ready, current template. */
function placeholders(count: number, templateHash: string, first: number): V1Pod[] {
  return Array.from({ length: count }, (_, i) => ({
    metadata: { name: `(planned-${first + i})`, labels: { [LABELS.templateHash]: templateHash } },
    status: { phase: 'Pending' },
  }));
}
