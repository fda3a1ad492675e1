// Prometheus metrics of the operator, named as controller-runtime names them so dashboards carry over.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export class OperatorMetrics {
  readonly registry = new Registry();
  readonly reconcileTotal = new Counter({
    name: 'controller_runtime_reconcile_total', help: 'Reconciles by result.', labelNames: ['controller', 'result'], registers: [this.registry],
  });
  readonly reconcileErrors = new Counter({
    name: 'controller_runtime_reconcile_errors_total', help: 'Reconciles that failed.', labelNames: ['controller'], registers: [this.registry],
  });
  readonly reconcileTime = new Histogram({
    name: 'controller_runtime_reconcile_time_seconds', help: 'Time per reconcile.', labelNames: ['controller'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers: [this.registry],
  });
  readonly queueDepth = new Gauge({ name: 'workqueue_depth', help: 'Keys waiting in the work queue.', labelNames: ['name'], registers: [this.registry] });
  readonly queueAdds = new Counter({ name: 'workqueue_adds_total', help: 'Keys added to the work queue.', labelNames: ['name'], registers: [this.registry] });
  readonly queueRetries = new Counter({ name: 'workqueue_retries_total', help: 'Rate-limited retries.', labelNames: ['name'], registers: [this.registry] });
  readonly queueWait = new Histogram({
    name: 'workqueue_queue_duration_seconds', help: 'Time a key waits before a worker takes it.', labelNames: ['name'],
    buckets: [0.001, 0.01, 0.1, 0.5, 1, 5, 10, 60], registers: [this.registry],
  });
  readonly apiWrites = new Counter({
    name: 'hare_api_writes_total', help: 'Writes to the API server by verb and resource (none at steady state).',
    labelNames: ['verb', 'resource'], registers: [this.registry],
  });
  readonly leader = new Gauge({ name: 'leader_election_master_status', help: '1 while this replica leads.', labelNames: ['name'], registers: [this.registry] });
  readonly relists = new Counter({ name: 'hare_informer_relists_total', help: 'LISTs and watch reconnects per resource.', labelNames: ['resource'], registers: [this.registry] });
  readonly cached = new Gauge({ name: 'hare_informer_objects', help: 'Objects in the informer cache.', labelNames: ['resource'], registers: [this.registry] });

  /** `controller` names the controller and its work queue; their series start at 0 (as controller-runtime's), so
   * a dashboard or alert on errors and retries has series before the first error. */
  constructor(withProcessMetrics = true, controller = 'consumerpool') {
    if (withProcessMetrics) collectDefaultMetrics({ register: this.registry });
    for (const result of ['success', 'error', 'requeue_after']) this.reconcileTotal.inc({ controller, result }, 0);
    this.reconcileErrors.inc({ controller }, 0);
    this.queueDepth.set({ name: controller }, 0);
    this.queueAdds.inc({ name: controller }, 0);
    this.queueRetries.inc({ name: controller }, 0);
  }
}
