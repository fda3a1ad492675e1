// Prometheus metrics of the autoscaler: depth, desired size, decisions, read errors and read latency per pool.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Decision, Reading } from '../autoscaler/index.ts';

type PoolLabel = { pool: string };

export class ScalerMetrics {
  private readonly depth: Gauge;
  private readonly unacked: Gauge;
  private readonly desired: Gauge;
  private readonly decisions: Counter;
  private readonly errors: Counter;
  private readonly latency: Histogram;

  constructor(registry: Registry) {
    const registers = [registry];
    this.depth = new Gauge({ name: 'hare_autoscaler_queue_ready', help: 'Ready messages at the last read.', labelNames: ['pool'], registers });
    this.unacked = new Gauge({ name: 'hare_autoscaler_queue_unacked', help: 'Unacknowledged messages at the last read (management API).', labelNames: ['pool'], registers });
    this.desired = new Gauge({ name: 'hare_autoscaler_desired_replicas', help: 'Replicas the autoscaler wants.', labelNames: ['pool'], registers });
    this.decisions = new Counter({ name: 'hare_autoscaler_decisions_total', help: 'Decisions by kind.', labelNames: ['pool', 'kind'], registers });
    this.errors = new Counter({ name: 'hare_autoscaler_read_errors_total', help: 'Failed depth reads by kind.', labelNames: ['pool', 'kind'], registers });
    this.latency = new Histogram({
      name: 'hare_autoscaler_read_seconds', help: 'Duration of depth reads.', labelNames: ['pool'],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5], registers,
    });
  }

  observe(label: PoolLabel, reading: Reading): void {
    this.latency.observe(label, reading.latencyMs / 1000);
    if (!reading.ok) return void this.errors.inc({ ...label, kind: reading.kind });
    this.depth.set(label, reading.depth.ready);
    if (reading.depth.unacked !== undefined) this.unacked.set(label, reading.depth.unacked);
  }

  decided(label: PoolLabel, decision: Decision): void {
    this.decisions.inc({ ...label, kind: decision.kind });
    this.desired.set(label, decision.desired);
  }
}
