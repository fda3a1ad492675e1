import fc from 'fast-check';
import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { LeanHistogram } from './histogram.ts';

const buckets = [0.001, 0.01, 0.1, 1, 10];

async function both(observations: [('a' | 'b'), number][]): Promise<[string, string]> {
  const lean = new Registry();
  lean.setDefaultLabels({ queue: 'q' });
  const h = new LeanHistogram({ name: 'x_seconds', help: 'help text', label: 'outcome', values: ['a', 'b'], buckets }, lean);
  const reference = new Registry();
  reference.setDefaultLabels({ queue: 'q' });
  const r = new Histogram({ name: 'x_seconds', help: 'help text', labelNames: ['outcome'], buckets, registers: [reference] });
  const series = { a: h.labels('a'), b: h.labels('b') };
  for (const [label, v] of observations) {
    series[label].observe(v);
    r.observe({ outcome: label }, v);
  }
  // series order is not part of the format (prom-client lists them by first observation)
  const lines = (text: string): string => text.split('\n').sort().join('\n');
  return [lines(await lean.metrics()), lines(await reference.metrics())];
}

describe('LeanHistogram', () => {
  it('exposes exactly what prom-client exposes for the same observations', async () => {
    const [lean, reference] = await both([['a', 0.0005], ['a', 0.001], ['a', 0.5], ['b', 42], ['a', 3]]);
    expect(lean).toBe(reference);
  });

  it('matches prom-client for any observations', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.constantFrom('a' as const, 'b' as const), fc.double({ min: 0, max: 100, noNaN: true }))), async (obs) => {
        const [lean, reference] = await both(obs);
        expect(lean).toBe(reference);
      }),
      { numRuns: 50 },
    );
  });

  it('refuses unknown label values and resets', async () => {
    const registry = new Registry();
    const h = new LeanHistogram({ name: 'y', help: 'h', label: 'outcome', values: ['a'], buckets }, registry);
    expect(() => h.labels('z' as 'a')).toThrow(RangeError);
    h.labels('a').observe(1);
    h.reset();
    expect(await registry.metrics()).not.toContain('y_count');
  });
});
