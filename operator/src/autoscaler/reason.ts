// Human-readable reasons for autoscaler decisions, with the numbers behind them (status and Events).
import type { AutoscalingSpec } from '../api/consumerpool.ts';
import { clamp, type Stabilized, type WaitSizing } from './recommend.ts';
import type { QueueDepth } from './types.ts';

/** "depth 57 (50 ready + 7 unacked)", "... + 7 unacked from 3 pods, 1 silent held busy)" or "depth 50 (ready only)". */
export function describeDepth(depth: QueueDepth): string {
  if (depth.unacked === undefined) return `depth ${depth.ready} (ready only)`;
  const silent = depth.silentPods?.length ?? 0;
  const pods = depth.unackedFrom === 'pods' ? ` from ${Object.keys(depth.perPodUnacked ?? {}).length + silent} pods${silent > 0 ? `, ${silent} silent held busy` : ''}` : '';
  return `depth ${depth.ready + depth.unacked} (${depth.ready} ready + ${depth.unacked} unacked${pods})`;
}

export interface ScaleFacts {
  readonly spec: AutoscalingSpec;
  readonly current: number;
  readonly desired: number;
  /** The depth-based recommendation. */
  readonly raw: number;
  /** Set when the busy floor raised the recommendation above `raw`. */
  readonly busy?: { readonly floor: number; readonly unacked: number; readonly prefetch: number } | undefined;
  readonly stable: Stabilized;
  /** Total depth the recommendation used. */
  readonly depth: number;
  readonly depthText: string;
  /** Set when the wait-time target sized the pool. */
  readonly wait?: WaitSizing | undefined;
  readonly arrivalFrom?: 'publish' | 'depth' | undefined;
}

function rate(x: number): string {
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2);
}

/** "wait target 30s: (52.1/s arriving (publish rate) + 120 ready / 30s) / 4.87/s per pod = 11.5 -> 12". */
function waitText(f: ScaleFacts, w: WaitSizing): string {
  const head = `wait target ${w.targetWaitSeconds}s`;
  if (w.replicas === 0 && f.current === 0 && f.depth > 0) return `${head}: ${f.depthText} is not above activationMessages ${f.spec.activationMessages}`;
  const from = f.arrivalFrom === 'depth' ? 'depth change + acks' : 'publish rate';
  const sizing = `(${rate(w.arrival)}/s arriving (${from}) + ${w.backlog} ready / ${w.targetWaitSeconds}s) / ${rate(w.perPod)}/s per pod = ${rate(w.exact)}`;
  if (w.replicas === 0) return `${head}: ${f.depthText}, ${sizing} -> 0 (empty queue, under one message per target)`;
  return `${head}: ${sizing} -> ${w.replicas}`;
}

function recommendationText(f: ScaleFacts): string {
  const { spec } = f;
  if (f.wait !== undefined) return waitText(f, f.wait);
  const pending = spec.targetWaitSeconds === undefined ? '' : ` (wait target ${spec.targetWaitSeconds}s: no service rate measured yet)`;
  if (f.raw === 0 && f.current === 0 && f.depth > 0) {
    return `${f.depthText} is not above activationMessages ${spec.activationMessages}`;
  }
  return `${f.depthText} / ${spec.messagesPerReplica} per replica -> ${f.raw}${pending}`;
}

function busyText(f: ScaleFacts): string | undefined {
  if (f.busy === undefined) return undefined;
  return `${f.busy.unacked} unacked / prefetch ${f.busy.prefetch} keep ${f.busy.floor} busy pods`;
}

/** The recommendation with the busy floor, before stabilisation and clamping. */
function floored(f: ScaleFacts): number {
  return Math.max(f.raw, f.busy?.floor ?? 0);
}

/** Whether a window changed the outcome; one that did not goes unmentioned, so its expiry changes no wording. */
function windowBinds(f: ScaleFacts): boolean {
  return clamp(floored(f), f.spec.minReplicas, f.spec.maxReplicas) !== f.desired;
}

function stabilizationText(f: ScaleFacts): string | undefined {
  const { spec, stable } = f;
  if (!windowBinds(f)) return undefined;
  if (stable.replicas > floored(f)) {
    return `scale-down window ${spec.scaleDown.stabilizationWindowSeconds}s: highest recent recommendation ${stable.downLimit}, so ${stable.replicas}`;
  }
  return `scale-up window ${spec.scaleUp.stabilizationWindowSeconds}s: lowest recent recommendation ${stable.upLimit}, so ${stable.replicas}`;
}

function clampText(f: ScaleFacts): string | undefined {
  if (f.desired === (windowBinds(f) ? f.stable.replicas : floored(f))) return undefined;
  return `clamped to [${f.spec.minReplicas}, ${f.spec.maxReplicas}]: ${f.desired}`;
}

/** "scaled 2 -> 6: depth 57 (50 ready + 7 unacked) / 10 per replica -> 6" and the like. */
export function describeScale(f: ScaleFacts): string {
  const parts = [recommendationText(f), busyText(f), stabilizationText(f), clampText(f)].filter((p): p is string => p !== undefined);
  const head = f.desired === f.current ? `keeping ${f.current} replicas` : `scaling ${f.current} -> ${f.desired}`;
  return `${head}: ${parts.join('; ')}`;
}
