import { describe, expect, it } from 'vitest';
import { OperatorMetrics } from './metrics.ts';

describe('OperatorMetrics', () => {
  it('exposes the controller\'s error and retry counters at 0 before the first error (dashboards and alerts read them)', async () => {
    const text = await new OperatorMetrics(false).registry.metrics();
    for (const line of [
      'controller_runtime_reconcile_errors_total{controller="consumerpool"} 0',
      'controller_runtime_reconcile_total{controller="consumerpool",result="error"} 0',
      'workqueue_retries_total{name="consumerpool"} 0',
      'workqueue_depth{name="consumerpool"} 0',
    ]) expect(text).toContain(line);
  });
});
