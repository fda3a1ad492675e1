import { describe, expect, it } from 'vitest';
import { makePod } from '../testing/fixtures.ts';
import { plan } from './plan.ts';
import { createdAt, isLive, isReady, isScheduled, isTerminating, restarts, slimPod } from './podstate.ts';
import { rankVictims } from './ranking.ts';

describe('slimPod', () => {
  const pods = [
    makePod({ name: 'a', restarts: 2, created: 10, deletionCost: 5, ip: '10.0.0.1' }),
    makePod({ name: 'b', ready: false, created: 20 }),
    makePod({ name: 'f', created: 5, ip: '10.0.0.6' }),
    makePod({ name: 'g', created: 4, ip: '10.0.0.7' }),
    makePod({ name: 'c', phase: 'Pending', scheduled: false, created: 30 }),
    makePod({ name: 'd', terminating: true }),
    makePod({ name: 'e', phase: 'Failed' }),
  ];

  it('keeps every field the predicates read', () => {
    for (const pod of pods) {
      const slim = slimPod(pod);
      for (const f of [isLive, isReady, isScheduled, isTerminating, createdAt, restarts]) expect(f(slim)).toEqual(f(pod));
      expect(slim.metadata?.labels).toEqual(pod.metadata?.labels);
      expect(slim.metadata?.annotations).toEqual(pod.metadata?.annotations);
    }
  });

  it('gives the same plan and ranking as the full pods', () => {
    const slim = pods.map(slimPod);
    const names = (xs: { metadata?: { name?: string } }[]): (string | undefined)[] => xs.map((p) => p.metadata?.name);
    expect(names(rankVictims(slim))).toEqual(names(rankVictims(pods)));
    // the broker's counts by peer address reach pods through their IPs, which the slim pod keeps
    const busy = { byName: new Map<string, number>(), byAddress: new Map([['10.0.0.1', 0], ['10.0.0.6', 9], ['10.0.0.7', 4]]) };
    for (const replicas of [1, 2]) {
      const full = plan({ replicas, templateHash: 'h1', pods, busy });
      const small = plan({ replicas, templateHash: 'h1', pods: slim, busy });
      expect(small.create).toBe(full.create);
      expect(names(small.delete.map((d) => d.pod))).toEqual(names(full.delete.map((d) => d.pod)));
    }
  });

  it('is much smaller than a real pod', () => {
    const real = { ...pods[0]!, spec: { containers: [{ name: 'consumer', image: 'x', env: Array.from({ length: 15 }, (_, i) => ({ name: `HARE_${i}`, value: 'v'.repeat(30) })) }] } };
    expect(JSON.stringify(slimPod(real)).length).toBeLessThan(JSON.stringify(real).length / 2);
  });
});
