// KEDA's RabbitMQ scaler (QueueLength, MessageRate, ExpectedQueueConsumptionTime) driving the HPA with default behaviour.
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

/** The KEDA trigger modes simulated; see kedaHpa for what each reads and computes. */
export type KedaMode = 'QueueLength' | 'MessageRate' | 'ExpectedQueueConsumptionTime';

/** MessageRate's `value`: publishes per second per pod, set at 80 % of a pod's nominal 5 msg/s. */
export const MESSAGE_RATE_VALUE = 4;
/** ExpectedQueueConsumptionTime's `value`: seconds, set to the wait target. */
export const EQCT_VALUE_S = 30;

interface Metric {
  /** The metric value KEDA returns, and whether the trigger is active. */
  readonly value: number;
  readonly active: boolean;
}

/** What the scaler's GetMetricsAndActivity computes (rabbitmq_scaler.go). */
function metricOf(mode: KedaMode, env: Env): Metric {
  const { pool } = env;
  const obs = pool.observe();
  if (mode === 'QueueLength') return { value: obs.ready, active: obs.ready > 0 };
  // http protocol: messages = ready + unacked, rates from the last statistics emission
  const messages = obs.ready + pool.statsUnacked();
  const { publish, deliverGet } = pool.statsRates();
  if (mode === 'MessageRate') return { value: publish, active: publish > 0 || messages > 0 };
  const eta = deliverGet === 0 ? 0 : (publish - deliverGet) / deliverGet + messages / deliverGet;
  return { value: eta, active: eta > 0 || deliverGet === 0 };
}

/**
 * The HPA's replica count for one external metric (replica_calculator.go): AverageValue (KEDA's default
 * metricType) gives ceil(value / target); Value (advised for ExpectedQueueConsumptionTime) gives
 * ceil(current * value / target). Within the 0.1 tolerance of the ratio it keeps the current count.
 */
function hpaReplicas(mode: KedaMode, metric: number, current: number): number {
  if (mode === 'ExpectedQueueConsumptionTime') {
    const ratio = metric / EQCT_VALUE_S;
    return Math.abs(1 - ratio) <= TOLERANCE ? current : Math.ceil(ratio * current);
  }
  const target = mode === 'MessageRate' ? MESSAGE_RATE_VALUE : MESSAGES_PER_REPLICA;
  const ratio = metric / (target * current);
  return Math.abs(1 - ratio) <= TOLERANCE ? current : Math.ceil(metric / target);
}

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
 * QueueLength: amqp protocol, ready messages, AverageValue 10. MessageRate: http, publish_details.rate,
 * AverageValue MESSAGE_RATE_VALUE. ExpectedQueueConsumptionTime: http, messages = ready + unacked,
 * eta = (publish - deliverGet) / deliverGet + messages / deliverGet (0 when deliverGet is 0, and then active),
 * metricType Value with value EQCT_VALUE_S and pollingInterval 1 s as KEDA's docs advise; rates as the
 * management API's last statistics emission gave them.
 * KEDA polls every 30 s (1 s for ExpectedQueueConsumptionTime) and handles 0 <-> 1 (active when ready > activationValue 0; back to 0 after the 300 s
 * cooldown). The HPA syncs every 15 s while replicas > 0, reading the metric fresh from KEDA's metrics server
 * (AverageValue: ceil(ready / 10) unless within the 0.1 tolerance of status.replicas), stabilises with the
 * default 300 s scale-down window, limits scale-up to max(100 %, 4 pods) per 15 s and clamps to
 * [max(min, 1), max]. amqp mode reads ready messages only (keda#5050). A failed read changes nothing.
 */
export function kedaHpa(mode: KedaMode = 'QueueLength'): Controller {
  const pollS = mode === 'ExpectedQueueConsumptionTime' ? 1 : KEDA_POLL_S;
  return {
    name: mode === 'QueueLength' ? 'KEDA + HPA defaults' : `KEDA ${mode} + HPA`,
    victims: 'newestFirst',
    start(env: Env): void {
      const { clock, pool, workload } = env;
      const hpaMin = Math.max(1, workload.minReplicas);
      let history: TimedRecommendation[] = [];
      const events: ScaleEvent[] = [];
      let lastActive = 0;
      const keda = (): void => {
        if (!readFails(env)) {
          const { active } = metricOf(mode, env);
          if (active) lastActive = clock.now;
          if (active && pool.target === 0) pool.setTarget(hpaMin);
          else if (!active && pool.target > 0 && workload.minReplicas === 0 && clock.now - lastActive >= COOLDOWN_S) pool.setTarget(0);
        }
        clock.after(pollS, keda);
      };
      const hpa = (): void => {
        const current = pool.target;
        if (current > 0 && !readFails(env)) {
          const raw = hpaReplicas(mode, metricOf(mode, env).value, pool.observe().activePods);
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
      clock.after(pollS * env.rng(), keda);
      clock.after(HPA_SYNC_S * env.rng(), hpa);
    },
  };
}
