// A connection or channel that opens after its timeout: closed, and never an emitter without an 'error' listener.
import { EventEmitter } from 'node:events';
import type { Channel, ChannelModel } from 'amqplib';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BrokerConnection, type AmqpClientOptions } from './amqp-connection.ts';
import { AmqpDepthClient } from './amqp-depth.ts';
import { withTimeout } from './read-error.ts';
import { silentLog } from './types.ts';

/** What amqplib hands out: an EventEmitter with close(); emitting 'error' on it throws if nobody listens. */
class FakeEmitter extends EventEmitter {
  closed = false;
  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}

class FakeModel extends FakeEmitter {
  readonly channel = Promise.withResolvers<Channel>();
  createChannel(): Promise<Channel> {
    return this.channel.promise;
  }
}

const URI = 'amqp://user:secret@broker.test:5672/%2F';

function options(connect: AmqpClientOptions['connect']): AmqpClientOptions {
  return { connectionName: 'test', timeoutMs: 1000, backoff: { baseMs: 1000, maxMs: 1000 }, random: () => 0, now: Date.now, log: silentLog, connect };
}

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('withTimeout', () => {
  it('hands a value that arrives after the timeout to the late handler, and only then', async () => {
    const late: string[] = [];
    const slow = Promise.withResolvers<string>();
    const racing = withTimeout(slow.promise, 100, 'slow', (v) => late.push(v));
    const failed = expect(racing).rejects.toMatchObject({ kind: 'timeout' });
    await vi.advanceTimersByTimeAsync(100);
    await failed;
    slow.resolve('slow value');
    await vi.advanceTimersByTimeAsync(0);
    const onTime = await withTimeout(Promise.resolve('on time'), 100, 'fast', (v) => late.push(v));
    await vi.advanceTimersByTimeAsync(200);
    expect({ onTime, late }).toEqual({ onTime: 'on time', late: ['slow value'] });
  });
});

describe('a late AMQP connection', () => {
  it('is closed, keeps an error listener, and is not used; the next attempt opens a fresh one', async () => {
    const models: FakeModel[] = [];
    const pending: PromiseWithResolvers<ChannelModel>[] = [];
    const broker = new BrokerConnection(URI, options(() => {
      pending.push(Promise.withResolvers<ChannelModel>());
      return pending.at(-1)!.promise;
    }));
    const first = expect(broker.get()).rejects.toMatchObject({ kind: 'timeout' });
    await vi.advanceTimersByTimeAsync(1000);
    await first;
    models.push(new FakeModel());
    pending[0]!.resolve(models[0] as unknown as ChannelModel);
    await vi.advanceTimersByTimeAsync(0);
    expect(models[0]!.closed).toBe(true);
    expect(() => models[0]!.emit('error', new Error('connection reset by peer'))).not.toThrow();
    expect(broker.connected).toBe(false);

    await vi.advanceTimersByTimeAsync(1000); // the reconnect backoff
    const second = broker.get();
    models.push(new FakeModel());
    pending[1]!.resolve(models[1] as unknown as ChannelModel);
    expect(await second).toBe(models[1]);
    expect(models[1]!.closed).toBe(false);
    expect(() => models[1]!.emit('error', new Error('heartbeat timeout'))).not.toThrow();
  });
});

describe('a late AMQP channel', () => {
  it('is closed and keeps an error listener; the read reports a timeout', async () => {
    const model = new FakeModel();
    const client = new AmqpDepthClient(URI, options(() => Promise.resolve(model as unknown as ChannelModel)));
    const read = expect(client.counts('orders')).rejects.toMatchObject({ kind: 'timeout' });
    await vi.advanceTimersByTimeAsync(1000);
    await read;
    const channel = new FakeEmitter();
    model.channel.resolve(channel as unknown as Channel);
    await vi.advanceTimersByTimeAsync(0);
    expect(channel.closed).toBe(true);
    expect(() => channel.emit('error', new Error('NOT_FOUND - no queue'))).not.toThrow();
    expect(model.closed).toBe(false); // the connection itself is fine and stays open
  });
});
