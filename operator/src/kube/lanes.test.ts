import { describe, expect, it } from 'vitest';
import { Lanes } from './lanes.ts';

/** A call that ends when the test says. */
function gate(log: string[], name: string): { call: () => Promise<void>; open: () => void } {
  const { promise, resolve } = Promise.withResolvers<void>();
  return { call: async () => { log.push(`start ${name}`); await promise; }, open: resolve };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('Lanes', () => {
  it('keeps at most the limit in flight, and gives a freed slot to the first lane before the later one', async () => {
    const log: string[] = [];
    const lanes = new Lanes(2);
    const [a, b, c, later] = [gate(log, 'a'), gate(log, 'b'), gate(log, 'c'), gate(log, 'later')];
    const runs = [lanes.run('first', a.call), lanes.run('first', b.call), lanes.run('later', later.call)];
    await tick();
    runs.push(lanes.run('first', c.call)); // came after `later`, goes before it
    await tick();
    expect(log).toEqual(['start a', 'start b']);
    a.open();
    await tick();
    expect(log).toEqual(['start a', 'start b', 'start c']);
    b.open();
    await tick();
    expect(log).toEqual(['start a', 'start b', 'start c', 'start later']);
    c.open();
    later.open();
    await Promise.all(runs);
  });

  it('gives the later lane one request in flight while the first lane has work, and the whole limit after', async () => {
    const log: string[] = [];
    const lanes = new Lanes(4);
    const first = gate(log, 'first');
    const later = [1, 2, 3].map((i) => gate(log, `later ${i}`));
    const runs = [lanes.run('first', first.call), ...later.map((g) => lanes.run('later', g.call))];
    await tick();
    expect(log).toEqual(['start first', 'start later 1']);
    first.open();
    await tick();
    expect(log).toEqual(['start first', 'start later 1', 'start later 2', 'start later 3']);
    for (const g of later) g.open();
    await Promise.all(runs);
  });

  it('frees the slot of a call that failed', async () => {
    const log: string[] = [];
    const lanes = new Lanes(1);
    await expect(lanes.run('first', () => Promise.reject(new Error('refused')))).rejects.toThrow('refused');
    const a = gate(log, 'a');
    const run = lanes.run('later', a.call);
    await tick();
    expect(log).toEqual(['start a']);
    a.open();
    await run;
  });
});
