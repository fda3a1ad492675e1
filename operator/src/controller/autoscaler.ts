// The autoscaler loop (leader only): one timer per autoscaled pool, a shared depth source per broker, the pure
// policy, then the scale subresource, an Event and the autoscaler's status fields.
import type { Pool } from '../api/pool.ts';
import { decide, initialState, type DepthHandle, type PolicyState, type QueueRef, type Reading } from '../autoscaler/index.ts';
import { errorText, type Logger } from '../log.ts';
import { FIELD_MANAGERS, keyOf, REASONS } from '../metadata.ts';
import type { BusyMap } from '../reconcile/ranking.ts';
import { computeScalerStatus, scalerStatusWorthWriting, type ScalerStatus } from '../status/autoscaler-status.ts';
import type { ClusterWriter, EventSink } from '../reconcile/ports.ts';
import type { ScalerMetrics } from './scaler-metrics.ts';

export interface AutoscalerDeps {
  sources: { acquire(ref: QueueRef): DepthHandle };
  secrets: { value(namespace: string, ref: { name: string; key: string }): Promise<string> };
  pools: { get(namespace: string, name: string): Pool | undefined };
  writer: Pick<ClusterWriter, 'setReplicas'> & { applyScalerStatus(pool: Pool, status: ScalerStatus): Promise<void> };
  events: EventSink;
  metrics: ScalerMetrics;
  log: Logger;
  random(): number;
}

/** Queue numbers and reason wording are written at most this often (conditions and sizes at once). */
const QUIET_STATUS_MS = 15_000;

interface Tracked {
  config: string;
  handle?: DepthHandle;
  state?: PolicyState;
  timer?: NodeJS.Timeout;
  busy?: { map: BusyMap; at: number };
  lastStatusWrite: number;
}

export class Autoscaler {
  private readonly tracked = new Map<string, Tracked>();
  private readonly deps: AutoscalerDeps;
  private stopped = false;

  constructor(deps: AutoscalerDeps) {
    this.deps = deps;
  }

  /** Starts, reconfigures or stops the timer of a pool after it changed. */
  sync(pool: Pool): void {
    const key = keyOf(pool.metadata.namespace, pool.metadata.name);
    const a = pool.spec.autoscaling;
    if (this.stopped || !a?.enabled || pool.metadata.deletionTimestamp) return void this.forget(key);
    const config = JSON.stringify([pool.spec.broker, pool.spec.queue.name]);
    let t = this.tracked.get(key);
    if (t && t.config !== config) {
      void t.handle?.release();
      t.handle = undefined;
      t.config = config;
    }
    if (!t) {
      t = { config, lastStatusWrite: 0 };
      this.tracked.set(key, t);
      this.schedule(key, t, Math.floor(a.pollIntervalSeconds * 1000 * this.deps.random()));
    }
  }

  forget(key: string): void {
    const t = this.tracked.get(key);
    if (!t) return;
    clearTimeout(t.timer);
    void t.handle?.release();
    this.tracked.delete(key);
  }

  /** Unacknowledged messages per pod from the last fresh reading (the reconciler prefers idle victims). */
  busyOf(pool: Pool): BusyMap | undefined {
    const t = this.tracked.get(keyOf(pool.metadata.namespace, pool.metadata.name));
    const interval = (pool.spec.autoscaling?.pollIntervalSeconds ?? 5) * 1000;
    return t?.busy && Date.now() - t.busy.at < 3 * interval ? t.busy.map : undefined;
  }

  stop(): void {
    this.stopped = true;
    for (const key of [...this.tracked.keys()]) this.forget(key);
  }

  private schedule(key: string, t: Tracked, delayMs: number): void {
    t.timer = setTimeout(() => void this.tick(key, t), delayMs);
    t.timer.unref();
  }

  private async tick(key: string, t: Tracked): Promise<void> {
    const [namespace = '', name = ''] = key.split('/');
    const pool = this.deps.pools.get(namespace, name);
    const spec = pool?.spec.autoscaling;
    if (!pool || !spec?.enabled || this.tracked.get(key) !== t) return this.forget(key);
    const started = Date.now();
    try {
      await this.poll(pool, t);
    } catch (err) {
      this.deps.log.warn({ pool: key, err: errorText(err) }, 'autoscaler tick failed');
    }
    // timed from the start of this tick, so slow writes do not stretch the period; jitter only shortens it
    const period = Math.round(spec.pollIntervalSeconds * 1000 * (0.9 + 0.1 * this.deps.random()));
    if (this.tracked.get(key) === t) this.schedule(key, t, Math.max(0, period - (Date.now() - started)));
  }

  private async poll(pool: Pool, t: Tracked): Promise<void> {
    const { deps } = this;
    const spec = pool.spec.autoscaling!;
    const label = { pool: `${pool.metadata.namespace}/${pool.metadata.name}` };
    const reading = await this.read(pool, t);
    deps.metrics.observe(label, reading);
    if (reading.ok && reading.depth.perConnectionUnacked) t.busy = { map: new Map(Object.entries(reading.depth.perConnectionUnacked)), at: Date.now() };
    const current = pool.spec.replicas ?? 0;
    const now = Date.now();
    const { state, decision } = decide({ spec, current, state: t.state ?? initialState(current, now), reading, now, prefetch: pool.spec.queue.prefetch });
    t.state = state;
    deps.metrics.decided(label, decision);
    let scaled = false;
    if (decision.replicas !== undefined) {
      await deps.writer.setReplicas(pool, decision.replicas, FIELD_MANAGERS.autoscaler);
      scaled = true;
    }
    // every change of size has an Event (logged too); its reason names both sizes
    if (decision.event) deps.events.emit(pool, 'Normal', REASONS.autoscaled, decision.reason);
    if (decision.broker.transition === 'lost') deps.events.emit(pool, 'Warning', REASONS.brokerUnreachable, decision.reason);
    if (decision.broker.transition === 'recovered') deps.events.emit(pool, 'Normal', REASONS.brokerReachable, decision.broker.message);
    const status = computeScalerStatus({ pool, reading, decision, scaled, now: new Date(now) });
    if (scalerStatusWorthWriting(pool, status, t.lastStatusWrite, now, QUIET_STATUS_MS)) {
      await deps.writer.applyScalerStatus(pool, status);
      t.lastStatusWrite = now;
    }
  }

  /** One depth read; a Secret that cannot be read is a failed read (never a scale-down). */
  private async read(pool: Pool, t: Tracked): Promise<Reading> {
    const { broker, queue } = pool.spec;
    const ns = pool.metadata.namespace;
    if (!t.handle) {
      try {
        const uri = await this.deps.secrets.value(ns, broker.uriSecretRef);
        const mgmt = broker.managementUriSecretRef ? await this.deps.secrets.value(ns, broker.managementUriSecretRef) : undefined;
        t.handle = this.deps.sources.acquire({ uri, managementUri: mgmt, queue: queue.name });
      } catch (err) {
        return { ok: false, kind: 'accessRefused', error: errorText(err), latencyMs: 0 };
      }
    }
    const reading = await t.handle.read();
    if (!reading.ok && reading.kind === 'accessRefused') {
      void t.handle.release(); // credentials may have been rotated: read the Secret again next time
      t.handle = undefined;
    }
    return reading;
  }
}
