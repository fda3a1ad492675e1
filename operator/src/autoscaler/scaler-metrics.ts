// Prometheus metrics of the autoscaler per pool (labels namespace and pool): depth, desired and maximum size,
// decisions, dropped ticks, read errors, read latency and pods that did not answer. A forgotten pool's series go with it.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { splitKey } from '../metadata.ts';
import type { Decision } from './policy.ts';
import type { Reading } from './types.ts';

type PoolLabels = { namespace: string; pool: string };
const LABELS = ['namespace', 'pool'];

export class ScalerMetrics {
  private readonly depth: Gauge;
  private readonly unacked: Gauge;
  private readonly silent: Gauge;
  private readonly desired: Gauge;
  private readonly max: Gauge;
  private readonly decisions: Counter;
  private readonly drops: Counter;
  private readonly errors: Counter;
  private readonly latency: Histogram;
  /** By pool key: the label sets each counter was incremented with. */
  private readonly counted = new Map<string, Map<Counter, Map<string, Record<string, string>>>>();

  constructor(registry: Registry) {
    const registers = [registry];
    const labelNames = LABELS;
    this.depth = new Gauge({ name: 'hare_autoscaler_queue_ready', help: 'Ready messages at the last read.', labelNames, registers });
    this.unacked = new Gauge({ name: 'hare_autoscaler_queue_unacked', help: 'Unacknowledged messages at the last read (the pods, the management API or the Prometheus plugin).', labelNames, registers });
    this.silent = new Gauge({
      name: 'hare_autoscaler_silent_pods', help: 'Ready pods that did not answer for their in-flight count at the last read (each counts as busy).', labelNames, registers,
    });
    this.desired = new Gauge({ name: 'hare_autoscaler_desired_replicas', help: 'Replicas the autoscaler wants.', labelNames, registers });
    this.max = new Gauge({ name: 'hare_autoscaler_max_replicas', help: 'spec.autoscaling.maxReplicas at the last decision.', labelNames, registers });
    this.decisions = new Counter({ name: 'hare_autoscaler_decisions_total', help: 'Decisions by kind.', labelNames: [...LABELS, 'kind'], registers });
    this.drops = new Counter({
      name: 'hare_autoscaler_dropped_decisions_total', help: 'Ticks dropped without a write: the pool changed during the tick, or /scale answered 409.',
      labelNames: [...LABELS, 'why'], registers,
    });
    this.errors = new Counter({ name: 'hare_autoscaler_read_errors_total', help: 'Failed depth reads by kind.', labelNames: [...LABELS, 'kind'], registers });
    this.latency = new Histogram({
      name: 'hare_autoscaler_read_seconds', help: 'Duration of depth reads.', labelNames,
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5], registers,
    });
  }

  /** `key` is the pool's namespace/name. */
  observe(key: string, reading: Reading): void {
    const labels = this.labelsOf(key);
    this.latency.observe(labels, reading.latencyMs / 1000);
    if (!reading.ok) return void this.inc(key, this.errors, { ...labels, kind: reading.kind });
    this.depth.set(labels, reading.depth.ready);
    if (reading.depth.unacked !== undefined) this.unacked.set(labels, reading.depth.unacked);
    // no pods asked (none ready, or not runtime hare): no series, rather than the count of an older read
    if (reading.depth.silentPods !== undefined) this.silent.set(labels, reading.depth.silentPods.length);
    else this.silent.remove(labels);
  }

  decided(key: string, decision: Decision, maxReplicas: number): void {
    const labels = this.labelsOf(key);
    this.inc(key, this.decisions, { ...labels, kind: decision.kind });
    this.desired.set(labels, decision.desired);
    this.max.set(labels, maxReplicas);
  }

  /** A tick that wrote nothing because its snapshot went stale (the next tick decides again). */
  dropped(key: string, why: 'poolChanged' | 'conflict'): void {
    this.inc(key, this.drops, { ...this.labelsOf(key), why });
  }

  /** Removes every series of a pool the autoscaler no longer tracks (deleted, or no longer autoscaled). */
  forget(key: string): void {
    const labels = this.labelsOf(key);
    for (const m of [this.depth, this.unacked, this.silent, this.desired, this.max, this.latency]) m.remove(labels);
    for (const [counter, sets] of this.counted.get(key) ?? []) for (const set of sets.values()) counter.remove(set);
    this.counted.delete(key);
  }

  /** Counters carry a label beyond the pool's; the label sets used are kept so that forget() finds them. */
  private inc(key: string, counter: Counter, labels: Record<string, string>): void {
    counter.inc(labels);
    const byCounter = this.counted.get(key) ?? new Map<Counter, Map<string, Record<string, string>>>();
    const sets = byCounter.get(counter) ?? new Map<string, Record<string, string>>();
    sets.set(JSON.stringify(labels), labels);
    byCounter.set(counter, sets);
    this.counted.set(key, byCounter);
  }

  private labelsOf(key: string): PoolLabels {
    const { namespace, name } = splitKey(key);
    return { namespace, pool: name };
  }
}
