// The autoscaler loop (leader only): one timer per autoscaled pool (and per pool of 2 or more pods that another scaler
// sizes, for its busy counts), bound to the pool's uid; each tick is tick.ts.
import type { Pool } from '../api/pool.ts';
import type { Clock } from '../clock.ts';
import { errorText } from '../log.ts';
import { keyOf, splitKey } from '../metadata.ts';
import type { BrokerBusy } from '../reconcile/busy.ts';
import { firstPollDelayMs, shortenedIntervalMs, type Random } from './jitter.ts';
import { sourceConfig } from './pool-source.ts';
import { runTick, type TickDeps, type Tracked } from './tick.ts';

export interface AutoscalerDeps extends Omit<TickDeps, 'now'> {
  clock: Clock;
  random: Random;
}

export class Autoscaler {
  /** By pool key; an entry belongs to one uid, and a pool with another uid under the key replaces it. */
  private readonly tracked = new Map<string, Tracked>();
  private readonly deps: AutoscalerDeps;
  private readonly tickDeps: TickDeps;
  private stopped = false;

  constructor(deps: AutoscalerDeps) {
    this.deps = deps;
    this.tickDeps = { ...deps, now: () => deps.clock.now() };
  }

  /** Starts, reconfigures or stops the timer of a pool after it changed. */
  sync(pool: Pool): void {
    const key = keyOf(pool.metadata.namespace, pool.metadata.name);
    const a = pool.spec.autoscaling;
    let t = this.tracked.get(key);
    if (t !== undefined && t.uid !== pool.metadata.uid) {
      this.drop(t); // deleted and recreated under the same name: nothing of the old pool carries over
      t = undefined;
    }
    if (this.stopped || !this.reads(pool)) return void (t && this.drop(t));
    if (t !== undefined) {
      if (!a?.enabled) {
        // read for busy counts only: no autoscaler series, and autoscaling turned on again starts from a clean state
        this.deps.metrics.forget(key);
        t.state = undefined;
      }
      return releaseIfMoved(t, pool);
    }
    t = { key, uid: pool.metadata.uid ?? '', lastStatusWrite: 0 };
    this.tracked.set(key, t);
    this.schedule(t, firstPollDelayMs(a?.pollIntervalSeconds ?? 5, this.deps.random));
  }

  /** Stops the timer of a deleted pool (only the pool with this uid). */
  forget(pool: Pool): void {
    const t = this.tracked.get(keyOf(pool.metadata.namespace, pool.metadata.name));
    if (t !== undefined && t.uid === pool.metadata.uid) this.drop(t);
  }

  /** Unacknowledged messages per connection name and peer address from the last fresh reading (the reconciler prefers idle victims). */
  busyOf(pool: Pool): BrokerBusy | undefined {
    const t = this.tracked.get(keyOf(pool.metadata.namespace, pool.metadata.name));
    if (t?.busy === undefined || t.uid !== pool.metadata.uid) return undefined;
    const interval = (pool.spec.autoscaling?.pollIntervalSeconds ?? 5) * 1000;
    return this.deps.clock.now() - t.busy.at < 3 * interval ? t.busy.counts : undefined;
  }

  stop(): void {
    this.stopped = true;
    for (const t of [...this.tracked.values()]) this.drop(t);
  }

  /**
   * Whether the loop reads the pool: to autoscale it, or, when another scaler sizes it (kubectl scale, an HPA, KEDA),
   * only for its pods' busy counts, while it has pods to choose victims among (asked again at every tick).
   */
  private reads(pool: Pool): boolean {
    if (pool.metadata.deletionTimestamp) return false;
    if (pool.spec.autoscaling?.enabled) return true;
    return Math.max(pool.spec.replicas ?? 0, this.deps.pods?.of(pool).length ?? 0) > 1;
  }

  private drop(t: Tracked): void {
    this.deps.clock.clearTimeout(t.timer);
    this.deps.metrics.forget(t.key);
    void t.source?.handle.release();
    t.source = undefined;
    if (this.tracked.get(t.key) === t) this.tracked.delete(t.key);
  }

  private live(t: Tracked): boolean {
    return !this.stopped && this.tracked.get(t.key) === t;
  }

  private schedule(t: Tracked, delayMs: number): void {
    t.timer = this.deps.clock.setTimeout(() => void this.tick(t), delayMs);
  }

  private async tick(t: Tracked): Promise<void> {
    const { clock, log, random } = this.deps;
    const { namespace, name } = splitKey(t.key);
    const pool = this.deps.pools.get(namespace, name);
    if (!this.live(t)) return; // replaced or stopped: what is under the key now is not this entry's
    if (pool?.metadata.uid !== t.uid || !this.reads(pool)) return this.drop(t);
    const started = clock.now();
    try {
      await runTick(this.tickDeps, t, pool, () => this.live(t));
    } catch (err) {
      log.warn({ pool: t.key, err: errorText(err) }, 'autoscaler tick failed');
    }
    if (!this.live(t)) return;
    // timed from the start of this tick, so slow reads and writes do not stretch the period
    const interval = (this.deps.pools.get(namespace, name) ?? pool).spec.autoscaling?.pollIntervalSeconds ?? 5;
    this.schedule(t, Math.max(0, shortenedIntervalMs(interval, random) - (clock.now() - started)));
  }
}

/** Lets go of the depth handle when the pool now names another broker or queue. */
function releaseIfMoved(t: Tracked, pool: Pool): void {
  if (t.source === undefined || t.source.config === sourceConfig(pool)) return;
  void t.source.handle.release();
  t.source = undefined;
}
