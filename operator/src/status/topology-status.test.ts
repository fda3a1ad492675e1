// Unit tests: TopologyReady and status.topology from one pass, and when writing them would change nothing.
import { describe, expect, it } from 'vitest';
import { makePool } from '../testing/fixtures.ts';
import { computeTopologyStatus } from './topology-status.ts';

const NOW = new Date('2026-12-01T00:00:00Z');
const LATER = new Date('2026-12-01T00:05:00Z');

describe('computeTopologyStatus', () => {
  it('says Declared for the operator and Found for declare none, and is unchanged when written again', () => {
    const pool = makePool();
    const first = computeTopologyStatus(pool, { ok: true, message: 'declared', delayQueues: ['orders.delay.1000'] }, NOW);
    expect(first).toMatchObject({ changed: true, reason: 'TopologyDeclared', status: { topology: { delayQueues: ['orders.delay.1000'] } } });
    expect(first.status.conditions).toEqual([{ type: 'TopologyReady', status: 'True', reason: 'TopologyDeclared', message: 'declared', lastTransitionTime: NOW.toISOString(), observedGeneration: 1 }]);
    const written = { ...pool, status: first.status };
    expect(computeTopologyStatus(written, { ok: true, message: 'declared', delayQueues: ['orders.delay.1000'] }, LATER).changed).toBe(false);
    const none = makePool({ queue: { declare: 'none' } });
    expect(computeTopologyStatus(none, { ok: true, message: 'found', delayQueues: [] }, NOW).reason).toBe('TopologyFound');
  });

  it('keeps the delay queues to remove after a failed pass, and flips the condition with a new transition time', () => {
    const pool = { ...makePool(), status: computeTopologyStatus(makePool(), { ok: true, message: 'declared', delayQueues: ['orders.delay.60000'] }, NOW).status };
    const failed = computeTopologyStatus(pool, { ok: false, reason: 'BrokerUnavailable', message: 'connect ECONNREFUSED' }, LATER);
    expect(failed.changed).toBe(true);
    expect(failed.status.topology.delayQueues).toEqual(['orders.delay.60000']);
    expect(failed.status.conditions[0]).toMatchObject({ status: 'False', reason: 'BrokerUnavailable', lastTransitionTime: LATER.toISOString() });
  });
});
