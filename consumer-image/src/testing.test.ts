import type { ConsumeMessage, Options } from 'amqplib';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { reject, retry } from './api.ts';
import type { ConsumeFn } from './api.ts';
import { createMetrics } from './metrics.ts';
import { createProcessor } from './processor.ts';
import { runConsume, testContext, testDelivery, testMessage } from './testing.ts';

describe('testMessage', () => {
  it('decodes as the runtime does: JSON for an object body, text stays bytes, the retry count from its header', () => {
    const json = testMessage<{ id: string }>({ body: { id: 'o-1' }, retryCount: 2, properties: { messageId: 'm-1' } });
    expect(json.body).toEqual({ id: 'o-1' });
    expect(json.properties).toEqual({ contentType: 'application/json', messageId: 'm-1' });
    expect(json.retryCount).toBe(2);
    expect(json.headers).toEqual({ retry_count: 2 });
    const text = testMessage({ body: 'hello', redelivered: true, exchange: 'shop', routingKey: 'orders.new' });
    expect(Buffer.isBuffer(text.body) && text.body.toString()).toBe('hello');
    expect([text.redelivered, text.exchange, text.routingKey]).toEqual([true, 'shop', 'orders.new']);
  });

  it('refuses a malformed JSON body, as the runtime never hands one to consume()', () => {
    expect(() => testMessage({ body: '{', properties: { contentType: 'application/json' } })).toThrow(/not valid JSON/);
  });
});

describe('testContext', () => {
  it('records confirmed publishes with the options the runtime adds, and the module logs', async () => {
    const context = testContext({ queue: 'orders' });
    await context.publish('shop', 'orders.saved', { id: 1 }, { messageId: 'x' });
    context.logger.info({ id: 1 }, 'saved');
    expect(context.published).toEqual([{
      exchange: 'shop', routingKey: 'orders.saved', content: Buffer.from('{"id":1}'), body: { id: 1 },
      options: { messageId: 'x', persistent: true, mandatory: true, contentType: 'application/json' },
    }]);
    expect(context.logs).toEqual([{ level: 'info', source: 'module', id: 1, msg: 'saved' }]);
  });

  it('fails a publish the hook refuses and does not record it', async () => {
    const context = testContext({ onPublish: () => { throw new Error('NO_ROUTE'); } });
    await expect(context.publish('', 'nowhere', 'x')).rejects.toThrow('NO_ROUTE');
    expect(context.published).toEqual([]);
  });
});

describe('runConsume', () => {
  const policy = { retryLimit: 2, retryDelaysMs: [5000, 1000] };

  it('acks a handler that returns, and reports what it published', async () => {
    const report = await runConsume(async (m, ctx) => ctx.publish('', 'out', m.body as object), { body: { a: 1 } });
    expect(report).toMatchObject({ outcome: 'ack', reason: undefined, route: { action: 'ack' } });
    expect(report.published.map((p) => [p.routingKey, p.body])).toEqual([['out', { a: 1 }]]);
  });

  it('retries a throw through the sorted cascade, and dead-letters it past the limit', async () => {
    const fail: ConsumeFn = () => { throw new TypeError('db down'); };
    const first = await runConsume(fail, { body: {} }, policy);
    expect(first).toMatchObject({ outcome: 'retry', reason: 'TypeError: db down', route: { action: 'delay', queue: 'test.delay.1000', delayMs: 1000, retryCount: 1 } });
    const last = await runConsume(fail, { body: {}, retryCount: 2 }, policy);
    expect(last).toMatchObject({ outcome: 'retry', reason: 'retry limit 2 reached: TypeError: db down', route: { action: 'dead', queue: 'test.dead', cause: 'retry-limit' } });
  });

  it('dead-letters reject() at once, with the reason worded as the runtime words it', async () => {
    expect(await runConsume(() => reject({ code: 7 }))).toMatchObject({ outcome: 'reject', reason: '{"code":7}', route: { action: 'dead', cause: 'rejected' } });
    expect(await runConsume(() => reject())).toMatchObject({ reason: 'rejected by the handler (no reason given)' });
  });

  it('dead-letters a malformed JSON body without running the handler', async () => {
    let runs = 0;
    const report = await runConsume(() => void runs++, { body: 'not json', properties: { contentType: 'application/json' } });
    expect(report).toMatchObject({ outcome: 'reject', route: { action: 'dead', cause: 'undecodable' } });
    expect(runs).toBe(0);
  });

  it('retries a handler past handlerTimeoutSeconds, aborting its signal', async () => {
    let aborted = false;
    const hang: ConsumeFn = (_m, ctx) => new Promise((resolve) => ctx.signal.addEventListener('abort', () => { aborted = true; resolve(); }));
    const report = await runConsume(hang, {}, { handlerTimeoutSeconds: 0.05 });
    expect(report).toMatchObject({ outcome: 'retry', reason: 'the handler did not finish within 50 ms' });
    expect(aborted).toBe(true);
    expect(report.logs.some((l) => l.msg?.includes('timed out'))).toBe(true);
  });

  it('refuses settings the runtime would refuse', async () => {
    await expect(runConsume(() => undefined, {}, { retryDelaysMs: [-1] })).rejects.toThrow(/HARE_RETRY_DELAYS_MS/);
  });

  it('sends a message to the same queue, with the same retry count and dead cause, as the processor does', async () => {
    const handlers: ConsumeFn[] = [() => undefined, () => retry('later'), () => { throw null; }, // eslint-disable-line @typescript-eslint/only-throw-error -- a thrown null is retried too
      () => reject('bad'), () => Promise.reject(new Error('x'))];
    for (const retryCount of [0, 2]) {
      for (const consume of handlers) {
        const kit = await runConsume(consume, { body: { n: 1 }, retryCount }, policy);
        const real = await processorRoute(consume, testDelivery({ body: { n: 1 }, retryCount }));
        expect(kit.route.action === 'ack' ? { queue: 'ack' } : { queue: kit.route.queue, retryCount: kit.route.retryCount, cause: kit.route.action === 'dead' ? kit.route.cause : undefined, reason: kit.route.action === 'dead' ? kit.route.reason : undefined }).toEqual(real);
      }
    }
  });
});

/** Where the runtime's own processor sends the delivery (retry limit 2, delays 1000,5000). */
async function processorRoute(consume: ConsumeFn, delivery: ConsumeMessage): Promise<Record<string, unknown>> {
  let route: Record<string, unknown> = { queue: 'ack' };
  const process = createProcessor({
    consume, policy: { queue: 'test', retryLimit: 2, retryDelaysMs: [1000, 5000], redeliveryLimit: 10 }, metrics: createMetrics({}),
    logger: pino({ level: 'silent' }), redact: (s) => s, requeuePauseMs: 0, abandoned: new AbortController().signal, handlerTimeoutMs: undefined,
  });
  const publisher = {
    publish: (_e: string, queue: string, _c: Buffer, o: Options.Publish): Promise<void> => {
      const h = o.headers as Record<string, unknown>;
      route = { queue, retryCount: h.retry_count, cause: h['x-hare-dead-cause'], reason: h['x-hare-dead-reason'] };
      return Promise.resolve();
    },
  };
  await process(delivery, { ack: () => undefined, nack: () => undefined }, publisher, testContext());
  return route;
}
