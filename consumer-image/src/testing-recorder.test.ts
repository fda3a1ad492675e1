// examples/modules/recorder.ts tested with the kit, as a module's own repository would test it.
import { describe, expect, it } from 'vitest';
import { consume } from '../../examples/modules/recorder.ts';
import { runConsume, testContext } from './testing.ts';

describe('the recorder module', () => {
  it('publishes one record per message to <queue>.processed, then the message is acked', async () => {
    const context = testContext({ queue: 'orders', podName: 'orders-abc' });
    const report = await runConsume(consume, { body: { id: 'o-1' }, retryCount: 1, redelivered: true }, { context });
    expect(report.outcome).toBe('ack');
    expect(report.published).toHaveLength(1);
    expect(report.published[0]).toMatchObject({
      exchange: '', routingKey: 'orders.processed', options: { messageId: 'o-1', persistent: true, mandatory: true },
      body: { id: 'o-1', queue: 'orders', pod: 'orders-abc', retryCount: 1, redelivered: true },
    });
  });

  it('falls back to the message-id property', async () => {
    const report = await runConsume(consume, { body: 'raw', properties: { messageId: 'm-9' } });
    expect(report.published.map((p) => (p.body as { id: string }).id)).toEqual(['m-9']);
  });

  it('is retried, not acked, when <queue>.processed is missing (its record is unroutable)', async () => {
    const context = testContext({ queue: 'orders', onPublish: () => { throw new Error('NO_ROUTE: message returned unroutable'); } });
    const report = await runConsume(consume, { body: { id: 'o-2' } }, { context, retryDelaysMs: [1000] });
    expect(report).toMatchObject({ outcome: 'retry', reason: 'Error: NO_ROUTE: message returned unroutable', route: { action: 'delay', queue: 'orders.delay.1000' } });
    expect(report.logs.some((l) => l.msg === 'context.publish failed')).toBe(true);
  });

  it('records nothing and acks a message without any id', async () => {
    const report = await runConsume(consume, { body: {} });
    expect([report.outcome, report.published.length]).toEqual(['ack', 0]);
    expect(report.logs.map((l) => l.level)).toEqual(['warn']);
  });
});
