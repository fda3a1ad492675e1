// The workloads of the benchmark: seeded arrival times and per-message service times, identical for every policy.
import { exponential, logNormal, seeded, uniform } from './random.ts';
import type { Rng } from './random.ts';

export interface Workload {
  readonly name: string;
  readonly description: string;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  /** Simulated seconds, including an idle tail so scale-down costs show in pod-seconds. */
  readonly horizonS: number;
  /** Publish times in seconds, ascending. */
  readonly arrivals: Float64Array;
  /** Processing time of each message in seconds. */
  readonly service: Float64Array;
  /** Depth reads fail (broker unreachable for the autoscaler) in [from, to) seconds; consumers keep working. */
  readonly outage?: { readonly from: number; readonly to: number };
  /** Pod start latency, when not the default POD.startS. */
  readonly startS?: number;
}

/** Per-message processing time: log-normal, mean 200 ms, cv 0.5 (one pod at prefetch 1 does ~5 msg/s). */
export const SERVICE_MEAN_S = 0.2;

/** Poisson arrivals with rate(t) in [from, to), by thinning against rateMax. */
function poisson(rng: Rng, rate: (t: number) => number, rateMax: number, from: number, to: number): number[] {
  const out: number[] = [];
  for (let t = from + exponential(rng, 1 / rateMax); t < to; t += exponential(rng, 1 / rateMax)) {
    if (rng() * rateMax < rate(t)) out.push(t);
  }
  return out;
}

/** `count` messages published at once by a batch job, spread over `spreadS` seconds. */
function batch(rng: Rng, at: number, count: number, spreadS: number): number[] {
  return Array.from({ length: count }, () => at + uniform(rng, 0, spreadS));
}

/** Service time of message i published at t: the default log-normal, unless a workload says otherwise. */
type ServiceTime = (rng: Rng, t: number) => number;
const normalService: ServiceTime = (rng) => logNormal(rng, SERVICE_MEAN_S, 0.5);

/** Pareto with the given mean and shape alpha > 1 (heavy tail: alpha 1.5 has infinite variance). */
function pareto(rng: Rng, mean: number, alpha: number): number {
  const xm = (mean * (alpha - 1)) / alpha;
  return xm / Math.pow(1 - rng(), 1 / alpha);
}

function build(seed: number, spec: Omit<Workload, 'arrivals' | 'service'>, gen: (rng: Rng) => number[], serviceTime: ServiceTime = normalService): Workload {
  const rng = seeded(seed);
  const outageShift = spec.outage === undefined ? 0 : uniform(rng, 0, 120);
  const outage = spec.outage === undefined ? undefined : { from: spec.outage.from + outageShift, to: spec.outage.to + outageShift };
  const arrivals = Float64Array.from(gen(rng).sort((a, b) => a - b));
  const service = Float64Array.from(arrivals, (t) => serviceTime(rng, t));
  return { ...spec, ...(outage === undefined ? {} : { outage }), arrivals, service };
}

function burstTimes(rng: Rng, until: number): [number, number][] {
  const out: [number, number][] = [];
  for (let t = 60; t < until; t += uniform(rng, 120, 360)) out.push([t, Math.round(uniform(rng, 200, 1500))]);
  return out;
}

const MIN = 60;
const day = 2 * 3600;

/** The nine workloads, drawn from `seed` (each run of the benchmark uses a fixed list of seeds). */
export function workloads(seed: number): Workload[] {
  const base = { minReplicas: 1, maxReplicas: 20 };
  const s = (k: number): number => seed * 100 + k;
  const bursts = (seed: number, minReplicas: number, name: string, description: string): Workload =>
    build(seed, { ...base, minReplicas, name, description, horizonS: 70 * MIN }, (rng) =>
      burstTimes(rng, 60 * MIN).flatMap(([t, n]) => batch(rng, t, n, 2)),
    );
  return [
    build(s(1), { ...base, name: 'step', description: '2/s, 60/s from 5 to 15 min, then 2/s', horizonS: 30 * MIN }, (rng) =>
      poisson(rng, (t) => (t >= 5 * MIN && t < 15 * MIN ? 60 : 2), 60, 0, 30 * MIN),
    ),
    build(s(2), { ...base, name: 'spike', description: '2/s with 3000 messages in 10 s at 5 min', horizonS: 25 * MIN }, (rng) => [
      ...poisson(rng, () => 2, 2, 0, 25 * MIN),
      ...batch(rng, 5 * MIN, 3000, 10),
    ]),
    build(s(3), { ...base, name: 'daily wave', description: 'a day compressed into 2 h: 2/s at night, 70/s at noon', horizonS: day + 10 * MIN }, (rng) =>
      poisson(rng, (t) => 2 + 68 * (1 - Math.cos((2 * Math.PI * Math.min(t, day)) / day)) / 2, 70, 0, day + 10 * MIN),
    ),
    bursts(s(4), 1, 'bursts', 'batch jobs: 200-1500 messages at once every 2-6 min'),
    bursts(s(4), 0, 'bursts, min 0', 'the same bursts with minReplicas 0 (scale from zero)'),
    build(s(5), { ...base, name: 'read outage', description: '40/s for 20 min; depth unreadable for 3 min, starting between 8 and 10 min', horizonS: 25 * MIN, outage: { from: 8 * MIN, to: 11 * MIN } }, (rng) =>
      poisson(rng, (t) => (t < 20 * MIN ? 40 : 0), 40, 0, 20 * MIN),
    ),
    build(
      s(6),
      { ...base, name: 'slow dependency', description: '20/s for 30 min; handlers take 3x as long (600 ms) from 10 to 20 min', horizonS: 35 * MIN },
      (rng) => poisson(rng, (t) => (t < 30 * MIN ? 20 : 0), 20, 0, 30 * MIN),
      (rng, t) => logNormal(rng, t >= 10 * MIN && t < 20 * MIN ? 3 * SERVICE_MEAN_S : SERVICE_MEAN_S, 0.5),
    ),
    build(
      s(7),
      { ...base, name: 'heavy tail', description: '30/s for 30 min; handler times Pareto, mean 200 ms, shape 1.5', horizonS: 35 * MIN },
      (rng) => poisson(rng, (t) => (t < 30 * MIN ? 30 : 0), 30, 0, 30 * MIN),
      (rng) => pareto(rng, SERVICE_MEAN_S, 1.5),
    ),
    build(s(8), { ...base, name: 'step, 60 s start', description: 'the step with pods Ready 60 s after creation', horizonS: 30 * MIN, startS: 60 }, (rng) =>
      poisson(rng, (t) => (t >= 5 * MIN && t < 15 * MIN ? 60 : 2), 60, 0, 30 * MIN),
    ),
  ];
}
