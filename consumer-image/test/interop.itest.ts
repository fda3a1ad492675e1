// Messages from an independent client (Debian's amqp-publish, librabbitmq) reach the handler, decoded.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BROKER_URI, TestBroker, uniqueName } from './testing/broker.ts';
import { startRuntime } from './testing/runtime.ts';
import type { RuntimeProcess } from './testing/runtime.ts';

const amqpPublish = (...args: string[]): Promise<unknown> => promisify(execFile)('amqp-publish', ['--url', BROKER_URI, ...args]);

let broker: TestBroker;
let runtime: RuntimeProcess | undefined;
beforeEach(async () => void (broker = await TestBroker.open()));
afterEach(async () => {
  runtime?.stop();
  await broker.close();
});

describe('an independent publisher (amqp-publish)', () => {
  it('JSON through the exchange and raw bytes through the default exchange both reach the handler', async () => {
    const queue = uniqueName('interop');
    const exchange = `${queue}.x`;
    const records = await broker.prepare(queue, exchange);
    runtime = startRuntime(queue, { HARE_EXCHANGE: exchange, HARE_ROUTING_KEY: 'orders.*' });
    await runtime.waitReady();

    await amqpPublish('-e', exchange, '-r', 'orders.created', '-C', 'application/json', '-p', '-b', '{"id":"from-amqp-publish","n":42}');
    await amqpPublish('-r', queue, '-H', 'retry_count: 1', '-b', 'plain bytes');
    await records.waitForCount(2);

    const json = records.of('from-amqp-publish')[0]!;
    expect(json).toMatchObject({ bodyKind: 'json', body: { id: 'from-amqp-publish', n: 42 }, contentType: 'application/json', retryCount: 0 });
    const raw = records.records.find((r) => r.bodyKind === 'buffer')!;
    expect(raw).toMatchObject({ body: 'plain bytes', retryCount: 1 }); // a string header from another client counts
    expect(raw.contentType).toBeUndefined();
    expect(await runtime.metric('hare_consumer_messages_acked_total')).toBe(2);
  });
});
