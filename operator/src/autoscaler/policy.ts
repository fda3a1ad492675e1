// The autoscaling policy of one pool: (spec, replicas, state, reading, now) -> (state, decision). Pure.
//
// Decisions are per pool: the caller keeps one PolicyState per ConsumerPool, owns every timer (poll interval
// with jitter, see jitter.ts), reads the depth, calls decide(), and then acts: patch spec.replicas when
// decision.replicas is set, write status.autoscaler and BrokerReachable, emit Events. Nothing here does I/O
// or reads the clock; `now` is epoch milliseconds.
import type { AutoscalingSpec } from '../api/consumerpool.ts';
import { fallbackDecision, readFailedDecision } from './failure.ts';
import { describeDepth, describeScale } from './reason.ts';
import { updateRates } from './rates.ts';
import type { RateEstimate } from './rates.ts';
import { busyFloor, clamp, rawRecommendation, remember, stabilize, waitRecommendation, windowsOf } from './recommend.ts';
import type { TimedRecommendation, WaitSizing } from './recommend.ts';
import type { QueueDepth, Reading, ReadSuccess } from './types.ts';
import { totalDepth } from './types.ts';

export interface PolicyState {
  /** Raw recommendations within the longest stabilisation window, oldest first. */
  readonly recommendations: readonly TimedRecommendation[];
  /** Consecutive failed reads. */
  readonly failures: number;
  /** Broker reachability last reported (undefined before the first report). */
  readonly reachable: boolean | undefined;
  /** Smoothed arrival and per-pod service rates (spec.autoscaling.targetWaitSeconds); absent until the first read. */
  readonly rates?: RateEstimate | undefined;
}

export type DecisionKind = 'scaleUp' | 'scaleDown' | 'steady' | 'paused' | 'disabled' | 'readFailed' | 'fallback';

/** What the caller should do with BrokerReachable: set it when `reachable` is defined; emit an Event on `transition`. */
export interface BrokerReport {
  readonly reachable: boolean | undefined;
  readonly transition: 'lost' | 'recovered' | undefined;
  readonly message: string;
}

export interface Decision {
  readonly kind: DecisionKind;
  /** New spec.replicas, or undefined to leave it alone. Only set when it differs from the current count. */
  readonly replicas: number | undefined;
  /** What the autoscaler wants now (status.autoscaler.desiredReplicas). */
  readonly desired: number;
  /** Why, with the numbers (status.autoscaler.reason, Event message). */
  readonly reason: string;
  /** Worth a Kubernetes Event: every scale, entering fallback. */
  readonly event: boolean;
  readonly broker: BrokerReport;
}

export interface PolicyInput {
  readonly spec: AutoscalingSpec;
  /** The pool's spec.replicas now. */
  readonly current: number;
  readonly state: PolicyState;
  /** The read made for this tick; undefined when none was made (e.g. paused). */
  readonly reading: Reading | undefined;
  readonly now: number;
  /**
   * The pool's spec.queue.prefetch. Optional: when given and the reading has unacked counts (management
   * API), the busy floor applies (see busyFloor in recommend.ts); without it the recommendation is exactly
   * HareMq's ceil(depth / messagesPerReplica).
   */
  readonly prefetch?: number | undefined;
}

export interface PolicyOutput {
  readonly state: PolicyState;
  readonly decision: Decision;
}

/**
 * The state of a pool the autoscaler starts watching (new pool, operator restart, new leader). Like the HPA
 * it seeds the history with the current count, so a fresh autoscaler waits a full scale-down window before
 * shrinking a pool it knows nothing about.
 */
export function initialState(current: number, now: number): PolicyState {
  return { recommendations: [{ at: now, replicas: current }], failures: 0, reachable: undefined };
}

const unchangedBroker: BrokerReport = { reachable: undefined, transition: undefined, message: '' };

/** Decides one tick. */
export function decide(input: PolicyInput): PolicyOutput {
  const { spec, current, state, reading } = input;
  if (!spec.enabled) return idle(state, 'disabled', current, 'autoscaling is disabled');
  if (spec.paused) return idle(state, 'paused', current, `autoscaling is paused at ${current} replicas`);
  if (reading === undefined) return idle(state, 'steady', current, `no queue depth read yet; keeping ${current} replicas`);
  if (!reading.ok) {
    const failures = state.failures + 1;
    if (failures < spec.fallback.failureThreshold) return readFailedDecision(input, failures);
    return fallbackDecision(input, failures);
  }
  return decideFromDepth(input, reading);
}

/**
 * What the busy floor holds: the unacked messages, and a full prefetch for each pod that did not answer (busy, but
 * never in the depth, so silence cannot grow the pool). Undefined when neither is known.
 */
function heldMessages(depth: QueueDepth, prefetch: number | undefined): number | undefined {
  const silent = depth.silentPods?.length ?? 0;
  if (depth.unacked === undefined && silent === 0) return undefined;
  return (depth.unacked ?? 0) + silent * (prefetch ?? 1);
}

/** A successful read: recommendation, busy floor, stabilisation, clamping. */
function decideFromDepth(input: PolicyInput, reading: ReadSuccess): PolicyOutput {
  const { spec, current, state, now } = input;
  const depth = totalDepth(reading.depth);
  const windows = windowsOf(spec);
  const rates = updateRates(state.rates, reading.depth, input.prefetch, now);
  const wait = waitSizing(spec, reading, rates, depth, current);
  const fromDepth = wait?.replicas ?? rawRecommendation(depth, spec.messagesPerReplica, current, spec.activationMessages);
  // The busy floor stops depth-only sizing from collapsing a busy pool; the wait mode sizes from the arrival
  // rate, which cannot collapse while load flows, and at prefetch 1 the floor would pin every pod that holds
  // a message, so the pool could never use the target's slack. Depth 0 still requires unacked 0.
  const held = heldMessages(reading.depth, input.prefetch);
  const floor = wait === undefined ? busyFloor(held, input.prefetch, current) : 0;
  const raw = Math.max(fromDepth, floor);
  const stable = stabilize(state.recommendations, raw, current, now, windows);
  const desired = clamp(stable.replicas, spec.minReplicas, spec.maxReplicas);
  const busy = floor > fromDepth ? { floor, unacked: held ?? 0, prefetch: input.prefetch ?? 1 } : undefined;
  const recovered = state.reachable === false;
  return {
    state: { recommendations: remember(state.recommendations, { at: now, replicas: raw }, windows), failures: 0, reachable: true, rates },
    decision: {
      kind: desired > current ? 'scaleUp' : desired < current ? 'scaleDown' : 'steady',
      replicas: desired === current ? undefined : desired,
      desired,
      reason: describeScale({ spec, current, desired, raw: fromDepth, busy, stable, depth, depthText: describeDepth(reading.depth), wait, arrivalFrom: rates.arrivalFrom }),
      event: desired !== current,
      broker: {
        reachable: true,
        transition: recovered ? 'recovered' : undefined,
        message: recovered ? `queue depth read again after ${state.failures} failed reads` : 'queue depth read',
      },
    },
  };
}

/**
 * The wait-time mode (targetWaitSeconds set) once both rates have been measured; undefined otherwise, and
 * messagesPerReplica sizes the pool (a pool with no consumer yet has no service rate to measure).
 */
function waitSizing(spec: AutoscalingSpec, reading: ReadSuccess, rates: RateEstimate, depth: number, current: number): WaitSizing | undefined {
  const target = spec.targetWaitSeconds;
  if (target === undefined || rates.arrival === undefined || rates.perPod === undefined) return undefined;
  return waitRecommendation(reading.depth.ready, depth, rates.arrival, rates.perPod, target, current, spec.activationMessages);
}

function idle(state: PolicyState, kind: DecisionKind, current: number, reason: string): PolicyOutput {
  return { state, decision: { kind, replicas: undefined, desired: current, reason, event: false, broker: unchangedBroker } };
}
