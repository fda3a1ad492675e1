// Intake against a scripted channel: a stop during a consume or cancel under way waits until no consumer is left.
import type { Channel, ConsumeMessage } from 'amqplib';
import { describe, expect, it } from 'vitest';
import { Intake } from './intake.ts';

interface Pending {
  readonly op: string;
  readonly resolve: () => void;
}

/** A channel whose consume/cancel/prefetch answer only when the test says so (or at once when `auto`). */
class ScriptedChannel {
  readonly pending: Pending[] = [];
  readonly consumers = new Map<string, (m: ConsumeMessage | null) => void>();
  auto = true;
  #tags = 0;

  #answer<T>(op: string, value: () => T): Promise<T> {
    if (this.auto) return Promise.resolve(value());
    return new Promise<T>((resolve) => this.pending.push({ op, resolve: () => resolve(value()) }));
  }

  prefetch(n: number): Promise<unknown> {
    return this.#answer(`prefetch ${n}`, () => ({}));
  }

  consume(_queue: string, onMessage: (m: ConsumeMessage | null) => void): Promise<{ consumerTag: string }> {
    const tag = `c${++this.#tags}`;
    return this.#answer(`consume ${tag}`, () => {
      this.consumers.set(tag, onMessage);
      return { consumerTag: tag };
    });
  }

  cancel(tag: string): Promise<unknown> {
    return this.#answer(`cancel ${tag}`, () => this.consumers.delete(tag));
  }

  /** Answers the oldest pending call; returns what it was. */
  answer(): string {
    const p = this.pending.shift();
    if (p === undefined) throw new Error('nothing pending');
    p.resolve();
    return p.op;
  }

  deliver(tag: number, redelivered = false): void {
    const [onMessage] = this.consumers.values();
    if (onMessage === undefined) throw new Error('no consumer');
    onMessage({ fields: { deliveryTag: tag, redelivered }, properties: { headers: {} }, content: Buffer.from('{}') } as unknown as ConsumeMessage);
  }
}

const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

function intakeOn(channel: ScriptedChannel, prefetch = 20): Intake {
  return new Intake(channel as unknown as Channel, {
    queue: 'q',
    prefetch,
    consume: {},
    arrived: () => undefined,
    handle: () => new Promise<void>(() => undefined), // still running: the drain waits for it elsewhere
    track: () => undefined,
    onCancelled: () => undefined,
  });
}

/** Resolves to true once `p` has settled (checked after pending callbacks ran). */
async function settled(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  void p.then(() => (done = true), () => (done = true));
  await flush();
  return done;
}

describe('Intake.stop', () => {
  it('during the prefetch widening\'s cancel: resolves only after its cancel-ok, and nothing consumes again', async () => {
    const channel = new ScriptedChannel();
    const intake = intakeOn(channel);
    await intake.start(); // prefetch 1
    channel.auto = false;
    channel.deliver(1); // a first-time message: the prefetch widens (cancel, then consume with 20)
    await flush();
    expect(channel.pending.map((p) => p.op)).toEqual(['cancel c1']);
    const stopped = intake.stop();
    expect(await settled(stopped)).toBe(false); // deliveries may still come until cancel-ok
    channel.auto = true;
    expect(channel.answer()).toBe('cancel c1');
    await stopped;
    await flush();
    expect(channel.consumers.size).toBe(0);
    expect(channel.pending).toEqual([]);
  });

  it('during the widening\'s consume: resolves only after that consumer is cancelled too', async () => {
    const channel = new ScriptedChannel();
    const intake = intakeOn(channel);
    await intake.start();
    channel.auto = false;
    channel.deliver(1);
    await flush();
    expect(channel.answer()).toBe('cancel c1');
    await flush();
    expect(channel.answer()).toBe('prefetch 20');
    await flush();
    expect(channel.pending.map((p) => p.op)).toEqual(['consume c2']);
    const stopped = intake.stop();
    expect(await settled(stopped)).toBe(false);
    expect(channel.answer()).toBe('consume c2');
    await flush();
    expect(await settled(stopped)).toBe(false); // c2 is consuming: its cancel-ok is still to come
    expect(channel.answer()).toBe('cancel c2');
    await stopped;
    expect(channel.consumers.size).toBe(0);
  });
});

describe('Intake at prefetch 1', () => {
  it('a first-time message after the start widens nothing: no second consumer, so never 2 messages held', async () => {
    const channel = new ScriptedChannel();
    const intake = intakeOn(channel, 1);
    await intake.start();
    channel.auto = false;
    channel.deliver(1); // still running
    await flush();
    expect(channel.pending.map((p) => p.op)).toEqual([]); // a cancel and a new consumer would hold a second one
    expect([...channel.consumers.keys()]).toEqual(['c1']);
    channel.auto = true;
    await intake.stop();
    expect(channel.consumers.size).toBe(0);
  });
});
