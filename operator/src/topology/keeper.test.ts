// The topology loop with fakes: a pass per new topology, none at rest, backoff on failures, status and Events on change.
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { Pool } from '../api/pool.ts';
import { FakeClock, settle } from '../testing/clock.ts';
import type { TopologyStatus } from '../status/topology-status.ts';
import { FakeEvents } from '../testing/fakes.ts';
import { makePool } from '../testing/fixtures.ts';
import type { TopologyOutcome } from './declare.ts';
import type { DesiredTopology } from './desired.ts';
import { TopologyKeeper } from './keeper.ts';
import type { BrokerTls } from '../autoscaler/tls.ts';

function setup(answer: () => Promise<TopologyOutcome> = () => Promise.resolve({ ok: true, message: 'declared', delayQueues: ['orders.delay.1000'] })) {
  const clock = new FakeClock();
  const events = new FakeEvents();
  let pool = makePool();
  const calls: { uri: string; desired: DesiredTopology; previous: readonly string[]; tls?: BrokerTls | undefined }[] = [];
  const written: TopologyStatus[] = [];
  const broker = {
    answer,
    ensure: (uri: string, desired: DesiredTopology, previous: readonly string[], tls?: BrokerTls): Promise<TopologyOutcome> => {
      calls.push({ uri, desired, previous, tls });
      return broker.answer();
    },
  };
  const keeper = new TopologyKeeper({
    broker,
    secrets: { value: (_ns: string, ref: { name: string; key: string }) => Promise.resolve(ref.name === 'rabbitmq' ? 'amqp://u:p@broker/' : `${ref.name}/${ref.key}`) },
    pools: { get: () => pool },
    writer: {
      applyTopologyStatus: (_p, status) => {
        written.push(status);
        pool = { ...pool, status: { ...pool.status, ...status } }; // what the informer would then show
        return Promise.resolve();
      },
    },
    events,
    log: pino({ level: 'silent' }),
    clock,
  });
  const edit = (change: (p: Pool) => void): Pool => {
    pool = structuredClone(pool);
    change(pool);
    return pool;
  };
  return { clock, events, keeper, calls, written, broker, edit, pool: () => pool };
}

describe('TopologyKeeper', () => {
  it('declares over TLS with the CA and client certificate of the pool\'s TLS Secret', async () => {
    const s = setup();
    s.keeper.sync(s.edit((p) => { p.spec.broker.tls = { secretName: 'broker-tls', clientCertificate: true }; }));
    await settle();
    expect(s.calls[0]?.tls).toEqual({ ca: 'broker-tls/ca.crt', cert: 'broker-tls/tls.crt', key: 'broker-tls/tls.key' });
    expect(s.calls[0]?.uri).toBe('amqp://u:p@broker/');
  });

  it('declares a new pool once, writes TopologyReady with an Event, and does nothing more at rest', async () => {
    const s = setup();
    s.keeper.sync(s.pool());
    await settle();
    expect(s.calls).toHaveLength(1);
    expect(s.calls[0]!.uri).toBe('amqp://u:p@broker/');
    expect(s.written.at(-1)?.conditions).toEqual([expect.objectContaining({ type: 'TopologyReady', status: 'True', reason: 'TopologyDeclared' })]);
    expect(s.events.events).toEqual([{ type: 'Normal', reason: 'TopologyDeclared', message: 'declared' }]);
    // the status update comes back through the informer, and resyncs: no second pass, no write
    s.keeper.sync(s.pool());
    s.keeper.sync(s.pool());
    await s.clock.advance(600_000);
    expect(s.calls).toHaveLength(1);
    expect(s.written).toHaveLength(1);
  });

  it('declares again when the queue settings change, and passes the delay queues declared before', async () => {
    const s = setup();
    s.keeper.sync(s.pool());
    await settle();
    s.keeper.sync(s.edit((p) => { p.spec.queue.retry.delaysMs = [2000]; }));
    await settle();
    expect(s.calls).toHaveLength(2);
    expect(s.calls[1]!.previous).toEqual(['orders.delay.1000']);
    // a change that leaves the topology as it was (prefetch) is no reason for a pass
    s.keeper.sync(s.edit((p) => { p.spec.queue.prefetch = 50; }));
    await settle();
    expect(s.calls).toHaveLength(2);
  });

  it('retries an unreachable broker with backoff and reports it once; a conflict waits a minute', async () => {
    const s = setup(() => Promise.reject(new Error('connect ECONNREFUSED')));
    s.keeper.sync(s.pool());
    await settle();
    expect(s.written.at(-1)?.conditions[0]).toMatchObject({ status: 'False', reason: 'BrokerUnavailable', message: 'connect ECONNREFUSED' });
    expect(s.clock.pending()).toEqual([1000]);
    await s.clock.advance(1000);
    expect(s.clock.pending()).toEqual([2000]);
    await s.clock.advance(2000);
    expect(s.calls).toHaveLength(3);
    expect(s.written).toHaveLength(1); // the same failure is not written again
    s.broker.answer = () => Promise.resolve({ ok: false, reason: 'Conflict', message: "queue 'orders' already exists with 'x-queue-type' = 'quorum'" });
    await s.clock.advance(4000);
    expect(s.written.at(-1)?.conditions[0]).toMatchObject({ status: 'False', reason: 'TopologyConflict' });
    expect(s.clock.pending()).toEqual([60_000]);
    s.broker.answer = () => Promise.resolve({ ok: true, message: 'declared', delayQueues: [] });
    await s.clock.advance(60_000);
    expect(s.written.at(-1)?.conditions[0]).toMatchObject({ status: 'True' });
    expect(s.clock.pending()).toEqual([]);
    expect(s.events.events.map((e) => e.reason)).toEqual(['BrokerUnavailable', 'TopologyConflict', 'TopologyDeclared']);
  });

  it('starts clean for a pool recreated under the same name, and stops its timers on forget and stop', async () => {
    const s = setup(() => Promise.reject(new Error('down')));
    s.keeper.sync(s.pool());
    await settle();
    expect(s.clock.pending()).toEqual([1000]);
    s.keeper.forget('shop/orders');
    expect(s.clock.pending()).toEqual([]);
    s.keeper.sync(s.edit((p) => { p.metadata.uid = 'uid-2'; }));
    await settle();
    expect(s.calls).toHaveLength(2);
    s.keeper.stop();
    expect(s.clock.pending()).toEqual([]);
    s.keeper.sync(s.pool());
    await settle();
    expect(s.calls).toHaveLength(2);
  });
});
