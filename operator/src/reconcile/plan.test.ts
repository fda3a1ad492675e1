import type { V1Pod } from '@kubernetes/client-node';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { makePod, type PodState } from '../testing/fixtures.ts';
import { plan, type Plan, type PlanInput } from './plan.ts';
import { isLive, isReady } from './podstate.ts';

const H = 'h2'; // current template hash
const pods = (...states: PodState[]): V1Pod[] => states.map(makePod);
const deleted = (p: Plan): (string | undefined)[] => p.delete.map((d) => d.pod.metadata?.name);

/** Applies a plan the way the API server would: new pods pending, deleted pods terminating. */
function applyPlan(input: PlanInput, result: Plan): V1Pod[] {
  const gone = new Set(result.delete.map((d) => d.pod));
  const after = input.pods.map((p) => (gone.has(p) ? { ...p, metadata: { ...p.metadata, deletionTimestamp: new Date() } } : p));
  for (let i = 0; i < result.create; i++) after.push(makePod({ name: `new-${i}`, hash: input.templateHash, phase: 'Pending', scheduled: false }));
  return after;
}

describe('plan: table', () => {
  const cases: { name: string; input: PlanInput; create: number; delete: string[] }[] = [
    { name: 'empty pool creates all', input: { replicas: 3, templateHash: H, pods: [] }, create: 3, delete: [] },
    { name: 'steady state plans nothing', input: { replicas: 2, templateHash: H, pods: pods({ name: 'a', hash: H }, { name: 'b', hash: H }) }, create: 0, delete: [] },
    { name: 'scale up creates the difference', input: { replicas: 4, templateHash: H, pods: pods({ name: 'a', hash: H }) }, create: 3, delete: [] },
    {
      name: 'scale down removes unready before ready, newest first',
      input: { replicas: 1, templateHash: H, pods: pods({ name: 'old-ready', hash: H, created: 1 }, { name: 'new-ready', hash: H, created: 2 }, { name: 'unready', hash: H, ready: false }) },
      create: 0, delete: ['unready', 'new-ready'],
    },
    { name: 'scale to zero removes all', input: { replicas: 0, templateHash: H, pods: pods({ name: 'a', hash: H }, { name: 'b', hash: 'h1' }) }, create: 0, delete: ['b', 'a'] },
    {
      name: 'terminating pods are not capacity: replaced',
      input: { replicas: 2, templateHash: H, pods: pods({ name: 'a', hash: H }, { name: 'gone', hash: H, terminating: true }) },
      create: 1, delete: [],
    },
    {
      name: 'finished pods are deleted and replaced',
      input: { replicas: 2, templateHash: H, pods: pods({ name: 'a', hash: H }, { name: 'dead', hash: H, phase: 'Failed' }) },
      create: 1, delete: ['dead'],
    },
    {
      name: 'rollout surges one pod first',
      input: { replicas: 3, templateHash: H, pods: pods({ name: 'a' }, { name: 'b' }, { name: 'c' }) },
      create: 1, delete: [],
    },
    {
      name: 'rollout drains one old pod once the surge pod is ready, and surges the next',
      input: { replicas: 2, templateHash: H, pods: pods({ name: 'a', created: 1 }, { name: 'b', created: 2 }, { name: 'n', hash: H }) },
      create: 1, delete: ['b'],
    },
    {
      name: 'rollout waits while the surge pod is not ready',
      input: { replicas: 2, templateHash: H, pods: pods({ name: 'a' }, { name: 'b' }, { name: 'n', hash: H, ready: false }) },
      create: 0, delete: [],
    },
    {
      name: 'rollout replaces unready old pods without waiting',
      input: { replicas: 2, templateHash: H, pods: pods({ name: 'a', ready: false }, { name: 'b' }) },
      create: 2, delete: ['a'],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const result = plan(c.input);
      expect(result.create).toBe(c.create);
      expect(deleted(result)).toEqual(c.delete);
    });
  }
});

const podArb = fc.record({
  hash: fc.constantFrom('h1', H),
  phase: fc.constantFrom<PodState['phase']>('Pending', 'Running', 'Running', 'Running', 'Failed', 'Unknown'),
  ready: fc.boolean(),
  terminating: fc.boolean(),
  created: fc.integer({ min: 1, max: 1000 }),
});
const inputArb = fc.record({
  replicas: fc.integer({ min: 0, max: 8 }),
  states: fc.array(podArb, { maxLength: 12 }),
}).map(({ replicas, states }): PlanInput => ({
  replicas,
  templateHash: H,
  pods: states.map((s, i) => makePod({ name: `p${i}`, ...s, ready: s.phase === 'Running' && s.ready, scheduled: s.phase !== 'Pending' })),
}));

describe('plan: properties', () => {
  it('never leaves more than replicas + 1 live pods, and exactly replicas without a rollout', () => {
    fc.assert(fc.property(inputArb, (input) => {
      const after = applyPlan(input, plan(input)).filter(isLive);
      expect(after.length).toBeLessThanOrEqual(input.replicas + 1);
      if (after.every((p) => p.metadata?.labels?.['hare.dev/template-hash'] === H)) expect(after.length).toBe(input.replicas);
    }), { numRuns: 500 });
  });

  it('never deletes a ready pod while an unready pod of the same kind stays', () => {
    fc.assert(fc.property(inputArb, (input) => {
      const result = plan(input);
      const victims = new Set(result.delete.map((d) => d.pod));
      const survivors = input.pods.filter((p) => isLive(p) && !victims.has(p));
      for (const { pod, reason } of result.delete) {
        if (!isReady(pod) || reason === 'Finished') continue;
        const sameKind = reason === 'ScaleDown' ? survivors : survivors.filter((p) => p.metadata?.labels?.['hare.dev/template-hash'] !== H);
        expect(sameKind.filter((p) => !isReady(p)).map((p) => p.metadata?.name)).toEqual([]);
      }
    }), { numRuns: 500 });
  });

  it('a second plan over the result of the first plans nothing', () => {
    fc.assert(fc.property(inputArb, (input) => {
      const second = plan({ ...input, pods: applyPlan(input, plan(input)) });
      expect(second).toEqual({ create: 0, delete: [] });
    }), { numRuns: 500 });
  });

  it('never deletes a pod twice or a terminating pod', () => {
    fc.assert(fc.property(inputArb, (input) => {
      const names = deleted(plan(input));
      expect(new Set(names).size).toBe(names.length);
      for (const { pod } of plan(input).delete) expect(pod.metadata?.deletionTimestamp).toBeUndefined();
    }), { numRuns: 300 });
  });
});
