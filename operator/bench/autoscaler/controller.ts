// What a simulated autoscaler sees and touches: the clock, the pool, the workload's outage window, a seeded RNG.
import type { Clock } from './events.ts';
import type { SimPool } from './pool.ts';
import type { Rng } from './random.ts';
import type { Workload } from './workloads.ts';

export interface Env {
  readonly clock: Clock;
  readonly pool: SimPool;
  readonly workload: Workload;
  readonly rng: Rng;
}

export interface Controller {
  readonly name: string;
  /** Victim order its pool uses on scale-down. */
  readonly victims: 'idleFirst' | 'newestFirst';
  /** Schedules its own ticks on the clock. */
  start(env: Env): void;
}

/** True while the workload's depth-read outage is on. */
export function readFails(env: Env): boolean {
  const o = env.workload.outage;
  return o !== undefined && env.clock.now >= o.from && env.clock.now < o.to;
}

/** Messages per replica for every policy (the pool default, and KEDA's `value`). */
export const MESSAGES_PER_REPLICA = 10;
