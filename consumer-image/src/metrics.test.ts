import { describe, expect, it } from 'vitest';
import { IN_FLIGHT_METRIC } from './contract.ts';
import { createMetrics } from './metrics.ts';

describe('metrics', () => {
  it('the in-flight gauge shows the count at the time of the scrape', async () => {
    let inFlight = 3;
    const metrics = createMetrics({ queue: 'q' }, () => inFlight);
    expect(await metrics.registry.getSingleMetricAsString(IN_FLIGHT_METRIC)).toContain(`${IN_FLIGHT_METRIC}{queue="q"} 3`);
    inFlight = 0;
    expect(await metrics.registry.getSingleMetricAsString(IN_FLIGHT_METRIC)).toContain(`${IN_FLIGHT_METRIC}{queue="q"} 0`);
  });
});
