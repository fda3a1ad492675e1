// The offline oracle: the fewest pod-seconds that start every message within the wait target, knowing the trace.
import type { Workload } from './workloads.ts';

export interface Oracle {
  readonly podSeconds: number;
  /** False when even maxReplicas from the start cannot meet the target (then it does what it can). */
  readonly feasible: boolean;
}

/**
 * A fluid relaxation on 1 s slots, for the actual arrivals and service times and the same pod start delay:
 * 1. Demand: by the end of slot k, the work (service seconds) of every message published at least `targetS`
 *    earlier must be done (FIFO: a message starts once the work before it is done; counting its own work too
 *    makes this a little stricter). Supply: ready pods do one second of work per second, never more than has
 *    arrived.
 * 2. Going backwards, X[k] = max(D[k], X[k+1] - maxReplicas) is the least cumulative work that must be done
 *    by slot k. Going forwards, each slot gets the least constant pod count (at least minReplicas) that
 *    stays above X over the next targetS + startS slots from the work done so far: a smooth, late schedule
 *    (like a taut string under the deadlines) that keeps pods busy and rarely starts one.
 * 3. Start delay: a pod is paid for `startS` before it is Ready (the oracle starts it early, knowing the
 *    future). Per layer of the stacked pod count (pod h is on when N >= h), an off gap shorter than `startS`
 *    is bridged, since keeping the pod costs less than a new start (the offline ski-rental optimum per layer).
 * It is a feasible fluid schedule, so an upper bound on the fluid optimum and below what whole messages on
 * whole pods can reach (a message cannot be split across pods); ratios to it are therefore on the hard side.
 */
export function oracle(w: Workload, targetS: number, startS: number): Oracle {
  const slots = Math.ceil(w.horizonS);
  const arrived = new Float64Array(slots);
  const due = new Float64Array(slots);
  for (let i = 0; i < w.arrivals.length; i++) {
    const a = Math.min(slots - 1, Math.floor(w.arrivals[i]!));
    arrived[a] = arrived[a]! + w.service[i]!;
    const d = Math.ceil(w.arrivals[i]! + targetS) - 1;
    if (d < slots) due[Math.max(0, d)] = due[Math.max(0, d)]! + w.service[i]!;
  }
  for (let k = 1; k < slots; k++) {
    arrived[k] = arrived[k]! + arrived[k - 1]!;
    due[k] = due[k]! + due[k - 1]!;
  }
  let feasible = true;
  const must = new Float64Array(slots);
  for (let k = slots - 1; k >= 0; k--) {
    const later = k + 1 < slots ? must[k + 1]! - w.maxReplicas : 0;
    must[k] = Math.max(due[k]!, later);
    if (must[k]! > arrived[k]! + 1e-9) {
      feasible = false;
      must[k] = arrived[k]!;
    }
  }
  const pods = new Int32Array(slots);
  const lookahead = Math.ceil(targetS + startS);
  let done = 0;
  for (let k = 0; k < slots; k++) {
    // the least constant count that meets every deadline of the next `lookahead` slots from here
    let rate = 0;
    for (let j = k; j < Math.min(slots, k + lookahead); j++) rate = Math.max(rate, (must[j]! - done) / (j - k + 1));
    pods[k] = Math.min(w.maxReplicas, Math.max(w.minReplicas, Math.ceil(rate - 1e-9)));
    done = Math.min(arrived[k]!, done + pods[k]!);
  }
  return { podSeconds: bridgedCost(pods, w.minReplicas, startS), feasible };
}

/** Pod-seconds of a per-slot count: on time plus startS per start, gaps under startS bridged per layer. */
function bridgedCost(pods: Int32Array, initial: number, startS: number): number {
  let cost = 0;
  const top = pods.reduce((m, n) => Math.max(m, n), 0);
  for (let h = 1; h <= top; h++) {
    let lastOn = -1;
    for (let k = 0; k < pods.length; k++) {
      if (pods[k]! < h) continue;
      if (lastOn < 0) cost += 1 + (k === 0 && h <= initial ? 0 : startS);
      else if (k - lastOn - 1 < startS) cost += k - lastOn;
      else cost += 1 + startS;
      lastOn = k;
    }
  }
  return cost;
}
