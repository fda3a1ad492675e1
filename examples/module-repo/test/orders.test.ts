// The orders module under the runtime's test kit: node --test, no broker needed.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runConsume } from '@hare-operator/consumer-runtime/testing';
import { consume } from '../src/orders.ts';

describe('orders', () => {
  it('publishes orders.accepted and is acked', async () => {
    const report = await runConsume(consume, { body: { id: 'o-1', total: 12 } });
    assert.equal(report.outcome, 'ack');
    assert.deepEqual(report.published.map((p) => [p.exchange, p.routingKey, p.body]), [['shop', 'orders.accepted', { id: 'o-1', total: 12 }]]);
  });

  it('dead-letters a negative total at once', async () => {
    const report = await runConsume(consume, { body: { id: 'o-2', total: -1 } });
    assert.equal(report.outcome, 'reject');
    assert.equal(report.reason, 'order o-2: invalid total -1');
    assert.deepEqual(report.published, []);
  });

  it('retries an order without id through the delay cascade', async () => {
    const report = await runConsume(consume, { body: { total: 3 } }, { retryDelaysMs: [1000, 5000] });
    assert.equal(report.outcome, 'retry');
    assert.equal(report.route.action === 'delay' && report.route.queue, 'test.delay.1000');
  });
});
