// Smoothed arrival and per-pod service rates from successive depth reads (EWMA on the injected clock). Pure.
import type { QueueDepth } from './types.ts';
import { totalDepth } from './types.ts';

/** Time constant of the moving averages: a sample's weight is 1 - exp(-dt / tau). */
export const RATE_TAU_MS = 15_000;

/** The smoothed rates after a read; undefined until a sample of that kind has been seen. */
export interface RateEstimate {
  /** Epoch milliseconds of the read. */
  readonly at: number;
  /** Total depth (ready + unacked) at that read, for the depth-derivative estimate of arrivals. */
  readonly depth: number;
  /** Messages per second arriving at the queue. */
  readonly arrival: number | undefined;
  /** Where the last arrival sample came from. */
  readonly arrivalFrom: 'publish' | 'depth' | undefined;
  /** Messages per second one pod settles when busy. */
  readonly perPod: number | undefined;
}

function ewma(previous: number | undefined, sample: number | undefined, weight: number): number | undefined {
  if (sample === undefined || !Number.isFinite(sample)) return previous;
  if (previous === undefined) return sample;
  return previous + weight * (sample - previous);
}

/**
 * One pod's service rate by Little's law: completions per second over messages in flight, times the
 * messages a pod holds at once (prefetch). It measures a busy consumer whether or not the pool is
 * saturated, so an idle-ish pool does not look slow. No sample without completions or work in flight.
 */
export function perPodSample(depth: QueueDepth, prefetch: number | undefined): number | undefined {
  const completions = depth.rates?.deliverGet;
  const unacked = depth.unacked;
  if (completions === undefined || unacked === undefined || prefetch === undefined) return undefined;
  if (completions <= 0 || unacked <= 0) return undefined;
  return (prefetch * completions) / unacked;
}

/**
 * Arrivals: the publish rate where the management API gives one; otherwise the change of depth since the
 * last read plus the completions (what came in = what is left over + what went out).
 */
export function arrivalSample(depth: QueueDepth, previous: RateEstimate | undefined, now: number): { rate: number; from: 'publish' | 'depth' } | undefined {
  const publish = depth.rates?.publish;
  if (publish !== undefined) return { rate: Math.max(0, publish), from: 'publish' };
  const completions = depth.rates?.deliverGet;
  if (previous === undefined || completions === undefined || now <= previous.at) return undefined;
  const change = (totalDepth(depth) - previous.depth) / ((now - previous.at) / 1000);
  return { rate: Math.max(0, change + completions), from: 'depth' };
}

/** Folds one successful read into the estimate. */
export function updateRates(previous: RateEstimate | undefined, depth: QueueDepth, prefetch: number | undefined, now: number): RateEstimate {
  const dt = previous === undefined ? Infinity : Math.max(0, now - previous.at);
  const weight = 1 - Math.exp(-dt / RATE_TAU_MS);
  const arrival = arrivalSample(depth, previous, now);
  return {
    at: now,
    depth: totalDepth(depth),
    arrival: ewma(previous?.arrival, arrival?.rate, weight),
    arrivalFrom: arrival?.from ?? previous?.arrivalFrom,
    perPod: ewma(previous?.perPod, perPodSample(depth, prefetch), weight),
  };
}
