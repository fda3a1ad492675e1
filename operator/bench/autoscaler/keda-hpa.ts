// KEDA (amqp mode) driving the HPA with default behaviour, as a ScaledObject with value 10 sets it up.
import { remember, stabilize } from '../../src/autoscaler/recommend.ts';
import type { TimedRecommendation } from '../../src/autoscaler/recommend.ts';
import type { Controller, Env } from './controller.ts';
import { MESSAGES_PER_REPLICA, readFails } from './controller.ts';

const KEDA_POLL_S = 30;
const COOLDOWN_S = 300;
const HPA_SYNC_S = 15;
const TOLERANCE = 0.1;
const DOWN_WINDOW_S = 300;
const POLICY_PERIOD_S = 15;

interface ScaleEvent {
  readonly t: number;
  readonly change: number;
}

/** The HPA's default scale-up limit: max(100 %, 4 pods) per 15 s, from the count at the start of the period. */
function scaleUpLimit(current: number, events: readonly ScaleEvent[], now: number): number {
  // periodStart = current - added + deleted within the period (changes are signed)
  const recent = events.filter((e) => e.t > now - POLICY_PERIOD_S).reduce((n, e) => n + e.change, 0);
  const periodStart = current - recent;
  return Math.max(current, Math.ceil(periodStart * 2), periodStart + 4);
}

/**
 * KEDA polls every 30 s and handles 0 <-> 1 (active when ready > activationValue 0; back to 0 after the 300 s
 * cooldown). The HPA syncs every 15 s while replicas > 0, reading the metric fresh from KEDA's metrics server
 * (AverageValue: ceil(ready / 10) unless within the 0.1 tolerance of status.replicas), stabilises with the
 * default 300 s scale-down window, limits scale-up to max(100 %, 4 pods) per 15 s and clamps to
 * [max(min, 1), max]. amqp mode reads ready messages only (keda#5050). A failed read changes nothing.
 */
export function kedaHpa(): Controller {
  return {
    name: 'KEDA + HPA defaults',
    victims: 'newestFirst',
    start(env: Env): void {
      const { clock, pool, workload } = env;
      const hpaMin = Math.max(1, workload.minReplicas);
      let history: TimedRecommendation[] = [];
      const events: ScaleEvent[] = [];
      let lastActive = 0;
      const keda = (): void => {
        if (!readFails(env)) {
          const active = pool.observe().ready > 0;
          if (active) lastActive = clock.now;
          if (active && pool.target === 0) pool.setTarget(hpaMin);
          else if (!active && pool.target > 0 && workload.minReplicas === 0 && clock.now - lastActive >= COOLDOWN_S) pool.setTarget(0);
        }
        clock.after(KEDA_POLL_S, keda);
      };
      const hpa = (): void => {
        const current = pool.target;
        if (current > 0 && !readFails(env)) {
          const obs = pool.observe();
          const ratio = obs.ready / (MESSAGES_PER_REPLICA * obs.activePods);
          const raw = Math.abs(1 - ratio) > TOLERANCE ? Math.ceil(obs.ready / MESSAGES_PER_REPLICA) : obs.activePods;
          const ms = clock.now * 1000;
          const stable = stabilize(history, raw, current, ms, { up: 0, down: DOWN_WINDOW_S * 1000 }).replicas;
          history = remember(history, { at: ms, replicas: raw }, { up: 0, down: DOWN_WINDOW_S * 1000 });
          const limited = stable > current ? Math.min(stable, scaleUpLimit(current, events, clock.now)) : stable;
          const desired = Math.min(workload.maxReplicas, Math.max(hpaMin, limited));
          if (desired !== current) events.push({ t: clock.now, change: desired - current });
          pool.setTarget(desired);
        }
        clock.after(HPA_SYNC_S, hpa);
      };
      clock.after(KEDA_POLL_S * env.rng(), keda);
      clock.after(HPA_SYNC_S * env.rng(), hpa);
    },
  };
}
