// Every runtime series carries the pool's namespace and name as separate labels (as the operator's per-pool series do).
import { describe, expect, it } from 'vitest';
import { uniqueName } from './testing/broker.ts';
import { runtimesStoppedAfterEach } from './testing/runtime.ts';

const start = runtimesStoppedAfterEach();

describe('runtime metrics labels', () => {
  it('labels every hare_consumer_ series with namespace, pool, queue and module', async () => {
    const queue = uniqueName('labels');
    const p = start(queue, { HARE_POD_NAMESPACE: 'shop', HARE_POOL: 'orders' });
    await p.waitReady();
    const series = (await p.get('/metrics')).body.split('\n').filter((l) => l.startsWith('hare_consumer_'));
    expect(series.length).toBeGreaterThan(10);
    const want = `namespace="shop",pool="orders",queue="${queue}",module="probe"`;
    expect(series.filter((l) => !l.includes(want))).toEqual([]);
  });
});
