import { describe, expect, it } from 'vitest';
import { makePod } from '../testing/fixtures.ts';
import { busyByPod, type BrokerBusy } from './busy.ts';
import { plan } from './plan.ts';

const broker = (byName: Record<string, number>, byAddress: Record<string, number>): BrokerBusy => ({
  byName: new Map(Object.entries(byName)), byAddress: new Map(Object.entries(byAddress)),
});

describe('busyByPod', () => {
  it('matches pods by connection name first, then by pod IP', () => {
    const pods = [makePod({ name: 'named', ip: '10.0.0.1' }), makePod({ name: 'unnamed', ip: '10.0.0.2' }), makePod({ name: 'silent', ip: '10.0.0.3' })];
    const busy = busyByPod(pods, broker({ named: 4, '10.0.0.9:1 -> 10.0.0.5:5672': 8 }, { '10.0.0.1': 99, '10.0.0.2': 6 }));
    expect(busy).toEqual(new Map([['named', 4], ['unnamed', 6]]));
  });

  it('sums every address of a dual-stack pod', () => {
    const pod = makePod({ name: 'dual', ip: '10.0.0.2' });
    pod.status = { ...pod.status, podIPs: [{ ip: '10.0.0.2' }, { ip: 'fd00::2' }] };
    expect(busyByPod([pod], broker({}, { '10.0.0.2': 2, 'fd00::2': 3 }))).toEqual(new Map([['dual', 5]]));
  });

  it('leaves pods that share an IP unknown (hostNetwork): one count cannot be split', () => {
    const pods = [makePod({ name: 'a', ip: '192.168.1.10' }), makePod({ name: 'b', ip: '192.168.1.10' }), makePod({ name: 'c', ip: '10.0.0.3' })];
    expect(busyByPod(pods, broker({}, { '192.168.1.10': 0, '10.0.0.3': 1 }))).toEqual(new Map([['c', 1]]));
  });

  it('does not let a finished pod claim the IP a new pod was given', () => {
    const pods = [makePod({ name: 'old', phase: 'Failed', ip: '10.0.0.7' }), makePod({ name: 'new', ip: '10.0.0.7' })];
    expect(busyByPod(pods, broker({}, { '10.0.0.7': 0 }))).toEqual(new Map([['new', 0]]));
  });

  it('knows nothing without a reading, nor for a pod without an IP', () => {
    expect(busyByPod([makePod({ name: 'a', ip: '10.0.0.1' })], undefined)).toEqual(new Map());
    expect(busyByPod([makePod({ name: 'a' })], broker({}, { '10.0.0.1': 0 }))).toEqual(new Map());
  });

  it('lets the plan remove the idle pods of an image that names no connection first', () => {
    const pods = [
      makePod({ name: 'busy', ip: '10.0.0.1', created: 300 }),
      makePod({ name: 'idle', ip: '10.0.0.2', created: 100 }),
      makePod({ name: 'busier', ip: '10.0.0.3', created: 200 }),
    ];
    const out = plan({ replicas: 1, templateHash: 'h1', pods, busy: broker({}, { '10.0.0.1': 3, '10.0.0.2': 0, '10.0.0.3': 9 }) });
    expect(out.delete.map((d) => d.pod.metadata?.name)).toEqual(['idle', 'busy']);
    // without the addresses the newest go first
    expect(plan({ replicas: 1, templateHash: 'h1', pods }).delete.map((d) => d.pod.metadata?.name)).toEqual(['busy', 'busier']);
  });
});
