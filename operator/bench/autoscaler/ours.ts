// hare-operator's policy (src/autoscaler/policy.ts) with the pool defaults, polled every 5 s with jitter.
import type { AutoscalingSpec } from '../../src/api/consumerpool.ts';
import { jitteredIntervalMs } from '../../src/autoscaler/jitter.ts';
import { decide, initialState } from '../../src/autoscaler/policy.ts';
import type { Reading } from '../../src/autoscaler/types.ts';
import type { Controller, Env } from './controller.ts';
import { MESSAGES_PER_REPLICA, readFails } from './controller.ts';

/** The CRD's defaults, with the workload's min and max. */
export function poolDefaults(minReplicas: number, maxReplicas: number): AutoscalingSpec {
  return {
    enabled: true,
    paused: false,
    minReplicas,
    maxReplicas,
    messagesPerReplica: MESSAGES_PER_REPLICA,
    activationMessages: 0,
    pollIntervalSeconds: 5,
    scaleUp: { stabilizationWindowSeconds: 0 },
    scaleDown: { stabilizationWindowSeconds: 60 },
    fallback: { failureThreshold: 3 },
  };
}

export interface OursOptions {
  /** Read unacked counts from the management API (and remove idle pods first). */
  readonly management: boolean;
  /** Pass the pool's prefetch to the policy, turning on its busy floor (needs `management`). */
  readonly prefetch?: number;
  readonly spec?: (min: number, max: number) => AutoscalingSpec;
  /** spec.autoscaling.targetWaitSeconds (rates from the management API's statistics). */
  readonly targetWaitSeconds?: number;
}

/**
 * With the management API: ready from the passive declare (current) plus unacked as the API last published
 * it (statistics every 5 s, so up to 5 s old), and idle pods removed first. Without it: ready only, newest
 * pods removed first.
 */
export function ours(options: OursOptions): Controller {
  const { management, prefetch, targetWaitSeconds } = options;
  const name =
    targetWaitSeconds !== undefined
      ? `hare-operator, wait target ${targetWaitSeconds} s${options.spec === undefined ? '' : ', scale-down window 15 s'}`
      : !management
        ? 'hare-operator, AMQP only'
        : prefetch === undefined
          ? 'hare-operator'
          : 'hare-operator + busy floor';
  return {
    name,
    victims: management ? 'idleFirst' : 'newestFirst',
    start(env: Env): void {
      const { clock, pool, workload } = env;
      const base = (options.spec ?? poolDefaults)(workload.minReplicas, workload.maxReplicas);
      const spec = targetWaitSeconds === undefined ? base : { ...base, targetWaitSeconds };
      let state = initialState(pool.target, 0);
      const read = (): Reading => {
        if (readFails(env)) return { ok: false, kind: 'unreachable', error: 'connect ECONNREFUSED', latencyMs: 0 };
        const obs = pool.observe();
        const unacked = management ? pool.statsUnacked() : undefined;
        const rates = management ? pool.statsRates() : undefined;
        return { ok: true, depth: { ready: obs.ready, unacked, consumers: obs.activePods, rates }, latencyMs: 0 };
      };
      const tick = (): void => {
        const out = decide({ spec, current: pool.target, state, reading: read(), now: clock.now * 1000, prefetch });
        state = out.state;
        if (out.decision.replicas !== undefined) pool.setTarget(out.decision.replicas);
        clock.after(jitteredIntervalMs(spec.pollIntervalSeconds, env.rng) / 1000, tick);
      };
      clock.after(spec.pollIntervalSeconds * env.rng(), tick);
    },
  };
}
