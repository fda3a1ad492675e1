// Intake against a scripted channel: a stop during a consume or cancel under way waits until no consumer is left.
import type { Channel, ConsumeMessage } from 'amqplib';
import { describe, expect, it } from 'vitest';
import { Intake } from './intake.ts';
import { settled } from '../test/testing/wait.ts';

interface Pending {
  readonly op: string;
  readonly resolve: () => void;
}

/** A channel whose consume/cancel/prefetch answer only when the test says so (or at once when `auto`). */
class ScriptedChannel {
  readonly pending: Pending[] = [];
  readonly consumers = new Map<string, (m: ConsumeMessage | null) => void>();
  auto = true;

  #answer<T>(op: string, value: () => T): Promise<T> {
    if (this.auto) return Promise.resolve(value());
    return new Promise<T>((resolve) => this.pending.push({ op, resolve: () => resolve(value()) }));
  }

  prefetch(n: number): Promise<unknown> {
    return this.#answer(`prefetch ${n}`, () => ({}));
  }

  /** Runs in the same socket read as the next consume-ok, before the code after the consume's await. */
  sameRead: (() => void) | undefined;

  consume(_queue: string, onMessage: (m: ConsumeMessage | null) => void, options: { consumerTag: string }): Promise<{ consumerTag: string }> {
    const tag = options.consumerTag;
    return this.#answer(`consume ${tag}`, () => {
      this.consumers.set(tag, onMessage); // amqplib registers it at consume-ok
      const then = this.sameRead;
      this.sameRead = undefined;
      then?.();
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

function intakeOn(channel: ScriptedChannel, prefetch = 20, holdAcks: (prefetch: number) => Promise<() => void> = () => Promise.resolve(() => undefined)): Intake {
  return new Intake(channel as unknown as Channel, {
    queue: 'q',
    prefetch,
    consume: {},
    tagPrefix: 'c',
    arrived: () => undefined,
    handle: () => new Promise<void>(() => undefined), // still running: the drain waits for it elsewhere
    track: () => undefined,
    onCancelled: () => undefined,
    holdAcks,
  });
}

describe('Intake.stop', () => {
  it('during the prefetch widening\'s cancel: resolves only after its cancel-ok, and nothing consumes again', async () => {
    const channel = new ScriptedChannel();
    const intake = intakeOn(channel);
    await intake.start(); // prefetch 1
    channel.auto = false;
    channel.deliver(1); // a first-time message: the prefetch widens (cancel, then consume with 20)
    await flush();
    expect(channel.pending.map((p) => p.op)).toEqual(['cancel c.1']);
    const stopped = intake.stop();
    expect(await settled(stopped)).toBe(false); // deliveries may still come until cancel-ok
    channel.auto = true;
    expect(channel.answer()).toBe('cancel c.1');
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
    expect(channel.answer()).toBe('cancel c.1');
    await flush();
    expect(channel.answer()).toBe('prefetch 20');
    await flush();
    expect(channel.pending.map((p) => p.op)).toEqual(['consume c.2']);
    const stopped = intake.stop();
    expect(await settled(stopped)).toBe(false);
    expect(channel.answer()).toBe('consume c.2');
    await flush();
    expect(await settled(stopped)).toBe(false); // c.2 is consuming: its cancel-ok is still to come
    expect(channel.answer()).toBe('cancel c.2');
    await stopped;
    expect(channel.consumers.size).toBe(0);
  });
});

describe('Intake widening', () => {
  it('a first delivery in the same read as consume-ok (before the code after it runs): the widening cancels that consumer', async () => {
    const channel = new ScriptedChannel();
    const intake = intakeOn(channel);
    channel.sameRead = () => channel.deliver(1); // a first-time message: the prefetch widens
    await intake.start();
    await flush();
    // before, the tag came from consume-ok's answer, set after the widening had found no consumer to cancel: c.1
    // stayed consuming beside c.2, and the drain left it holding a message that came back redelivered
    expect([...channel.consumers.keys()]).toEqual(['c.2']);
    await intake.stop();
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
    expect([...channel.consumers.keys()]).toEqual(['c.1']);
    channel.auto = true;
    await intake.stop();
    expect(channel.consumers.size).toBe(0);
  });
});

describe('Intake cancels with the acks held', () => {
  it('sends basic.cancel only once the hold resolved (what was on its way arrived), and releases after cancel-ok', async () => {
    const channel = new ScriptedChannel();
    const events: string[] = [];
    let arrived: (() => void) | undefined;
    const intake = intakeOn(channel, 1, (prefetch) => {
      events.push(`hold ${prefetch}`);
      return new Promise((resolve) => (arrived = () => resolve(() => events.push('release'))));
    });
    await intake.start();
    channel.auto = false;
    const stopped = intake.stop();
    await flush();
    expect(events).toEqual(['hold 1']);
    expect(channel.pending).toEqual([]); // no basic.cancel yet: a quorum queue would return what is on its way
    arrived!();
    await flush();
    expect(channel.pending.map((p) => p.op)).toEqual(['cancel c.1']);
    expect(events).toEqual(['hold 1']); // no ack goes out before cancel-ok
    channel.answer();
    await stopped;
    expect(events).toEqual(['hold 1', 'release']);
  });
});
