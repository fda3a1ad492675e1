// Runs one workload through one controller and measures message waits, pod-seconds and scale events.
import type { Controller } from './controller.ts';
import { Clock } from './events.ts';
import { SimPool } from './pool.ts';
import { seeded } from './random.ts';
import type { Workload } from './workloads.ts';

/** Pod start latency (creation to Ready) and the runtime's prefetch (the CRD default). */
export const POD = { startS: 10, prefetch: 1 } as const;
/** The broker's management statistics interval (collect_statistics_interval, 5 s by default). */
const STATS_S = 5;

/** One run: every message's wait (publish to start of processing), the pool's cost and its churn. */
export interface Run {
  readonly waits: Float64Array;
  readonly podSeconds: number;
  readonly scaleEvents: number;
  /** Messages still waiting at the end of the run (their wait counts up to the horizon). */
  readonly unserved: number;
}

export function simulate(workload: Workload, controller: Controller, seed: number): Run {
  const clock = new Clock();
  const pool = new SimPool(clock, workload, { ...POD, startS: workload.startS ?? POD.startS, victims: controller.victims }, workload.minReplicas);
  const stats = (): void => {
    pool.publishStats();
    clock.after(STATS_S, stats);
  };
  clock.at(0, stats);
  controller.start({ clock, pool, workload, rng: seeded(seed) });
  const { arrivals, horizonS } = workload;
  let next = 0;
  for (;;) {
    const arrival = next < arrivals.length ? arrivals[next]! : Infinity;
    const event = clock.peek();
    if (Math.min(arrival, event) > horizonS) break;
    if (arrival <= event) {
      clock.advanceTo(arrival);
      pool.arrive(next++);
    } else clock.step();
  }
  clock.advanceTo(horizonS);
  const unserved = pool.finish(horizonS) + (arrivals.length - next);
  return { waits: pool.waits, podSeconds: pool.podSeconds, scaleEvents: pool.scaleEvents, unserved };
}
