import type { ConsumeMessage } from 'amqplib';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { reject } from './api.ts';
import type { ConsumeContext, ConsumeFn } from './api.ts';
import { createMetrics } from './metrics.ts';
import { createProcessor } from './processor.ts';
import { PublishError } from './publisher.ts';

const delivery = (body: string, contentType?: string, headers: Record<string, unknown> = {}): ConsumeMessage =>
  ({
    content: Buffer.from(body),
    fields: { deliveryTag: 7, redelivered: false, exchange: '', routingKey: 'q', consumerTag: 't' },
    properties: { contentType, headers, messageId: 'm-1' },
  }) as unknown as ConsumeMessage;

/** A processor whose fake channel and publisher write what they see to `events`. */
function processorFor(consume: ConsumeFn, events: string[], publish: () => Promise<void> = () => Promise.resolve(), abandoned = false) {
  const abort = new AbortController();
  if (abandoned) abort.abort();
  const process = createProcessor(
    { consume, policy: { queue: 'q', retryLimit: 2, retryDelaysMs: [100], redeliveryLimit: 3 }, metrics: createMetrics({}), logger: pino({ level: 'silent' }), redact: (s) => s, requeuePauseMs: 0, abandoned: abort.signal, handlerTimeoutMs: undefined },
    () => events.push('unroutable'),
  );
  const channel = { ack: () => void events.push('ack'), nack: (_m: unknown, _all?: boolean, requeue?: boolean) => void events.push(`nack requeue=${requeue}`) };
  const publisher = {
    publish: async (_e: string, queue: string, _c: Buffer, o: { headers?: Record<string, unknown> }) => {
      events.push(`publish ${queue} retry_count=${String(o.headers?.retry_count)}`);
      await publish();
      events.push('confirmed');
    },
  };
  return (message: ConsumeMessage) => process(message, channel, publisher, { signal: new AbortController().signal } as ConsumeContext);
}

/** Runs one delivery; returns the ordered events seen by the fake channel and publisher. */
async function handle(consume: ConsumeFn, message: ConsumeMessage, publish?: () => Promise<void>, abandoned = false) {
  const events: string[] = [];
  await processorFor(consume, events, publish, abandoned)(message);
  return events;
}

describe('processor', () => {
  it('acks a handled message', async () => {
    expect(await handle(() => undefined, delivery('x'))).toEqual(['ack']);
  });

  it('settles a handler that returned without a promise within the call; one that returned a thenable once it resolved', async () => {
    const events: string[] = [];
    expect(processorFor(() => undefined, events)(delivery('x'))).toBeUndefined();
    expect(events).toEqual(['ack']);
    let resolve: (v: unknown) => void = () => undefined;
    const thenable = { then: (ok: (v: unknown) => void) => void (resolve = ok) };
    const work = processorFor(() => thenable as unknown as Promise<void>, events)(delivery('x'));
    await Promise.resolve();
    expect(events).toEqual(['ack']);
    resolve(reject('no'));
    await work;
    expect(events).toEqual(['ack', 'publish q.dead retry_count=0', 'confirmed', 'ack']);
  });

  it('republishes a failure to the delay queue, and acks only after the confirm', async () => {
    const events = await handle(() => Promise.reject(new Error('boom')), delivery('x'));
    expect(events).toEqual(['publish q.delay.100 retry_count=1', 'confirmed', 'ack']);
  });

  it('dead-letters at the limit and on reject()', async () => {
    expect(await handle(() => { throw new Error('x'); }, delivery('x', undefined, { retry_count: 2 }))).toEqual(['publish q.dead retry_count=2', 'confirmed', 'ack']);
    expect(await handle(() => reject('no'), delivery('x'))).toEqual(['publish q.dead retry_count=0', 'confirmed', 'ack']);
  });

  it('sends a message that kept ending unsettled (x-delivery-count at the limit) to the dead queue unhandled', async () => {
    let calls = 0;
    const consume = (): void => void calls++;
    expect(await handle(consume, delivery('x', undefined, { 'x-delivery-count': 2 }))).toEqual(['ack']);
    expect(await handle(consume, delivery('x', undefined, { 'x-delivery-count': 3, retry_count: 1 }))).toEqual(['publish q.dead retry_count=1', 'confirmed', 'ack']);
    expect(calls).toBe(1);
  });

  it('sends an undecodable JSON body to the dead queue without calling the handler', async () => {
    let called = false;
    const events = await handle(() => void (called = true), delivery('{oops', 'application/json'));
    expect(called).toBe(false);
    expect(events).toEqual(['publish q.dead retry_count=0', 'confirmed', 'ack']);
  });

  it('never acks when the republish fails: nacks it back to the queue', async () => {
    const events = await handle(() => Promise.reject(new Error('boom')), delivery('x'), () => Promise.reject(new PublishError('nacked')));
    expect(events).toEqual(['publish q.delay.100 retry_count=1', 'nack requeue=true']);
  });

  it('reports an unroutable republish (to re-declare the topology)', async () => {
    const events = await handle(() => Promise.reject(new Error('boom')), delivery('x'), () => Promise.reject(new PublishError('no route', { unroutable: true })));
    expect(events).toEqual(['publish q.delay.100 retry_count=1', 'unroutable', 'nack requeue=true']);
  });

  it('settles nothing once the drain timeout abandoned the message', async () => {
    expect(await handle(() => undefined, delivery('x'), undefined, true)).toEqual([]);
  });
});
