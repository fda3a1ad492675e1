// What the policy does when the queue depth cannot be read: never scale down; hold, or fallback.replicas.
import type { PolicyInput, PolicyOutput } from './policy.ts';
import { remember, windowsOf } from './recommend.ts';

function failureText(input: PolicyInput): string {
  return input.reading !== undefined && !input.reading.ok ? `${input.reading.kind}: ${input.reading.error}` : 'no reading';
}

/** A failed read below the threshold: count it, change nothing, leave BrokerReachable as it is. */
export function readFailedDecision(input: PolicyInput, failures: number): PolicyOutput {
  const { spec, current, state } = input;
  return {
    state: { ...state, failures },
    decision: {
      kind: 'readFailed',
      replicas: undefined,
      desired: current,
      reason: `queue depth read failed (${failures} of ${spec.fallback.failureThreshold} before fallback): ${failureText(input)}; keeping ${current} replicas`,
      event: false,
      broker: { reachable: undefined, transition: undefined, message: failureText(input) },
    },
  };
}

/**
 * failureThreshold or more consecutive failures: hold the current count, or go up to fallback.replicas when
 * it is set and higher. A fallback never scales down (it has no data to justify it). The fallback count is
 * remembered as a recommendation, so once reads succeed again the scale-down window applies to it.
 */
export function fallbackDecision(input: PolicyInput, failures: number): PolicyOutput {
  const { spec, current, state, now } = input;
  const configured = spec.fallback.replicas;
  const target = configured === undefined ? current : Math.max(current, configured);
  const entering = state.reachable !== false;
  const how =
    configured === undefined
      ? `holding ${current} replicas`
      : target === current
        ? `holding ${current} replicas (fallback.replicas ${configured} would scale down)`
        : `scaling to fallback.replicas ${target}`;
  const recommendations =
    configured === undefined ? state.recommendations : remember(state.recommendations, { at: now, replicas: target }, windowsOf(spec));
  return {
    state: { ...state, recommendations, failures, reachable: false },
    decision: {
      kind: 'fallback',
      replicas: target === current ? undefined : target,
      desired: target,
      reason: `queue depth unreadable for ${failures} consecutive reads: ${failureText(input)}; ${how}`,
      event: entering || target !== current,
      broker: { reachable: false, transition: entering ? 'lost' : undefined, message: failureText(input) },
    },
  };
}
