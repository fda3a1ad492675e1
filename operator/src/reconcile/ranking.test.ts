import { describe, expect, it } from 'vitest';
import { makePod } from '../testing/fixtures.ts';
import { rankVictims } from './ranking.ts';

const names = (pods: { metadata?: { name?: string } }[]): (string | undefined)[] => pods.map((p) => p.metadata?.name);

describe('rankVictims', () => {
  it('puts unscheduled, then pending, then not-ready pods before ready ones', () => {
    const pods = [
      makePod({ name: 'ready' }),
      makePod({ name: 'notready', ready: false }),
      makePod({ name: 'pending-scheduled', phase: 'Pending', scheduled: true }),
      makePod({ name: 'unscheduled', phase: 'Pending', scheduled: false }),
    ];
    expect(names(rankVictims(pods))).toEqual(['unscheduled', 'pending-scheduled', 'notready', 'ready']);
  });

  it('prefers the pods holding fewer unacknowledged messages, unknown ones last', () => {
    const pods = [makePod({ name: 'busy' }), makePod({ name: 'idle' }), makePod({ name: 'unknown' })];
    const busy = new Map([['busy', 7], ['idle', 0]]);
    expect(names(rankVictims(pods, { busy }))).toEqual(['idle', 'busy', 'unknown']);
  });

  it('honours pod-deletion-cost, then restarts, then removes the newest', () => {
    const byCost = [makePod({ name: 'costly', deletionCost: 100 }), makePod({ name: 'cheap', deletionCost: -5 })];
    expect(names(rankVictims(byCost))).toEqual(['cheap', 'costly']);
    const byRestarts = [makePod({ name: 'stable' }), makePod({ name: 'flaky', restarts: 4 })];
    expect(names(rankVictims(byRestarts))).toEqual(['flaky', 'stable']);
    const byAge = [makePod({ name: 'old', created: 100 }), makePod({ name: 'new', created: 200 })];
    expect(names(rankVictims(byAge))).toEqual(['new', 'old']);
  });

  it('prefers old-template pods among equally ready ones during a rollout', () => {
    const pods = [makePod({ name: 'new', hash: 'h2', created: 100 }), makePod({ name: 'old', hash: 'h1', created: 200 })];
    expect(names(rankVictims(pods, { currentHash: 'h2' }))).toEqual(['old', 'new']);
    expect(names(rankVictims(pods))).toEqual(['old', 'new']); // newest first without a hash
  });

  it('is a total order: the result does not depend on the input order', () => {
    const pods = [makePod({ name: 'b' }), makePod({ name: 'a' }), makePod({ name: 'c', ready: false })];
    expect(names(rankVictims(pods))).toEqual(names(rankVictims([...pods].reverse())));
  });
});
