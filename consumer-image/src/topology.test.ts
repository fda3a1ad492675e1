import { describe, expect, it } from 'vitest';
import { topologyPlan } from './topology.ts';

describe('topologyPlan', () => {
  it('lays out HareMq names and bindings with an exchange', () => {
    const plan = topologyPlan({ queue: 'orders', exchange: 'shop', routingKey: 'orders.created', queueType: 'classic', retryDelaysMs: [1000, 5000, 5000] });
    expect(plan.exchanges).toEqual(['shop', 'orders']);
    expect(plan.exchangeBindings).toEqual([{ destination: 'orders', source: 'shop', routingKey: 'orders.created' }]);
    expect(plan.queueBindings).toEqual([{ queue: 'orders', source: 'orders', routingKey: 'orders.created' }]);
    expect(plan.queues).toEqual([
      { name: 'orders', arguments: { 'x-queue-type': 'classic' } },
      { name: 'orders.delay.1000', arguments: { 'x-queue-type': 'classic', 'x-dead-letter-exchange': 'orders', 'x-dead-letter-routing-key': 'orders.created', 'x-message-ttl': 1000 } },
      { name: 'orders.delay.5000', arguments: { 'x-queue-type': 'classic', 'x-dead-letter-exchange': 'orders', 'x-dead-letter-routing-key': 'orders.created', 'x-message-ttl': 5000 } },
      { name: 'orders.dead', arguments: { 'x-queue-type': 'classic' } },
    ]);
  });

  it('without an exchange still routes delays back through the queue-named exchange', () => {
    const plan = topologyPlan({ queue: 'q', exchange: undefined, routingKey: 'q', queueType: 'classic', retryDelaysMs: [10] });
    expect(plan.exchanges).toEqual(['q']);
    expect(plan.exchangeBindings).toEqual([]);
    expect(plan.queueBindings).toEqual([{ queue: 'q', source: 'q', routingKey: 'q' }]);
  });

  it('does not bind an exchange to itself when it is named like the queue', () => {
    const plan = topologyPlan({ queue: 'q', exchange: 'q', routingKey: 'q', queueType: 'classic', retryDelaysMs: [10] });
    expect(plan.exchanges).toEqual(['q']);
    expect(plan.exchangeBindings).toEqual([]);
  });

  it('makes every queue quorum, with at-least-once dead-lettering on delay queues', () => {
    const plan = topologyPlan({ queue: 'q', exchange: undefined, routingKey: 'q', queueType: 'quorum', retryDelaysMs: [10] });
    for (const q of plan.queues) expect(q.arguments['x-queue-type']).toBe('quorum');
    expect(plan.queues[1]!.arguments).toMatchObject({ 'x-dead-letter-strategy': 'at-least-once', 'x-overflow': 'reject-publish' });
    expect(plan.queues.at(-1)!.arguments).not.toHaveProperty('x-message-ttl');
  });
});
