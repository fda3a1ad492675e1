// Repeated scale-downs under load, the way people make them: kubectl scale and CR edits up to `high`, then down to 1,
// until the operator has deleted at least `events` pods to scale down.
import { expect } from 'vitest';
import { poolState, scaleDownEvents } from './pool-state.ts';
import { waitFor, type Tools } from './tools.ts';

/** The pool's autoscaling must be paused (or off). Returns the scale-down deletions made during the cycles. */
export async function scaleDownCycles(t: Tools, namespace: string, name: string, options: { high: number; events: number }): Promise<number> {
  const pool = (): ReturnType<typeof poolState> => poolState(t, namespace, name);
  const before = await scaleDownEvents(t, namespace, name);
  const perCycle = options.high - 1;
  for (let cycle = 0; (await scaleDownEvents(t, namespace, name)) - before < options.events; cycle++) {
    const up = cycle % 2 === 0
      ? ['scale', '-n', namespace, `cpool/${name}`, `--replicas=${options.high}`]
      : ['patch', '-n', namespace, `cpool/${name}`, '--type=merge', '-p', JSON.stringify({ spec: { replicas: options.high } })];
    await t.kubectl(...up);
    await waitFor(`${options.high} ready`, async () => (await pool()).readyReplicas === options.high, 180_000);
    await t.kubectl('scale', '-n', namespace, `cpool/${name}`, '--replicas=1');
    await waitFor('1 pod, none draining', async () => { const p = await pool(); return p.liveReplicas === 1 && p.drainingReplicas === 0; }, 180_000);
    expect(cycle, 'more cycles than the events need: scale-downs are not counted').toBeLessThan(2 * Math.ceil(options.events / perCycle) + 2);
  }
  return (await scaleDownEvents(t, namespace, name)) - before;
}
