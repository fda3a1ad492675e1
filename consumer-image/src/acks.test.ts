import type { ConsumeMessage } from 'amqplib';
import { describe, expect, it } from 'vitest';
import { ARRIVAL_MS, CoalescingAcks } from './acks.ts';
import { settled } from '../test/testing/wait.ts';

const delivery = (tag: number): ConsumeMessage => ({ fields: { deliveryTag: tag }, properties: {} }) as unknown as ConsumeMessage;

/**
 * The broker's side of a channel, as RabbitMQ keeps it: the unacked deliveries; an ack (or nack) of a tag that is not
 * among them closes the channel ("unknown delivery tag"), and `multiple` settles every unacked one up to the tag.
 */
class BrokerChannel {
  readonly unacked = new Set<number>();
  readonly sent: string[] = [];
  closed = false;

  ack(message: ConsumeMessage, multiple = false): void {
    this.#settle(message.fields.deliveryTag, multiple);
    this.sent.push(`ack ${message.fields.deliveryTag}${multiple ? ' multiple' : ''}`);
  }

  nack(message: ConsumeMessage, multiple = false): void {
    this.#settle(message.fields.deliveryTag, multiple);
    this.sent.push(`nack ${message.fields.deliveryTag}`);
  }

  #settle(tag: number, multiple: boolean): void {
    if (this.closed) throw new Error('Channel closed');
    if (!this.unacked.has(tag)) throw new Error(`PRECONDITION_FAILED - unknown delivery tag ${tag}`);
    for (const t of this.unacked) if (t === tag || (multiple && t < tag)) this.unacked.delete(t);
  }
}

function setUp() {
  const broker = new BrokerChannel();
  const counted = { acked: 0, failed: [] as number[] };
  let scheduled: (() => void) | undefined;
  const clock = { now: 0, sleeps: [] as { until: number; wake: () => void }[] };
  /** Moves the clock on, waking the sleeps that are due. */
  const advance = (ms: number): void => {
    clock.now += ms;
    for (const s of clock.sleeps.filter((s) => s.until <= clock.now)) s.wake();
    clock.sleeps = clock.sleeps.filter((s) => s.until > clock.now);
  };
  const acks = new CoalescingAcks(
    broker,
    { acked: (n) => (counted.acked += n), failed: (ds) => counted.failed.push(...ds.map((d) => d.fields.deliveryTag)) },
    {
      schedule: (flush) => (scheduled = flush),
      now: () => clock.now,
      sleep: (ms) => new Promise<void>((wake) => clock.sleeps.push({ until: clock.now + ms, wake })),
    },
  );
  const deliver = (...tags: number[]): void => tags.forEach((t) => (broker.unacked.add(t), acks.delivered(delivery(t))));
  const runScheduled = (): void => {
    const flush = scheduled;
    scheduled = undefined;
    flush?.();
  };
  return { broker, counted, acks, deliver, runScheduled, advance };
}

describe('CoalescingAcks', () => {
  it('acks the deliveries settled together with one multiple ack, a microtask later', () => {
    const { broker, counted, acks, deliver, runScheduled } = setUp();
    deliver(1, 2, 3);
    for (const t of [2, 1, 3]) acks.ack(delivery(t));
    expect(broker.sent).toEqual([]);
    runScheduled();
    expect(broker.sent).toEqual(['ack 3 multiple']);
    expect(counted.acked).toBe(3);
  });

  it('by default sends a microtask later: in the same turn of the event loop, before anything setImmediate runs', async () => {
    const broker = new BrokerChannel();
    const acks = new CoalescingAcks(broker, { acked: () => undefined, failed: () => undefined });
    broker.unacked.add(1);
    acks.delivered(delivery(1));
    const seenByImmediate = new Promise<string[]>((resolve) => setImmediate(() => resolve([...broker.sent])));
    acks.ack(delivery(1));
    expect(broker.sent).toEqual([]);
    await Promise.resolve();
    expect(broker.sent).toEqual(['ack 1 multiple']);
    expect(await seenByImmediate).toEqual(['ack 1 multiple']);
  });

  it('never covers an older delivery still being handled: acks above it go one by one', () => {
    const { broker, counted, acks, deliver, runScheduled } = setUp();
    deliver(1, 2, 3, 4);
    acks.ack(delivery(2));
    runScheduled();
    acks.ack(delivery(1));
    acks.ack(delivery(4));
    runScheduled();
    expect(broker.sent).toEqual(['ack 2', 'ack 4', 'ack 1 multiple']);
    expect([...broker.unacked]).toEqual([3]);
    acks.ack(delivery(3));
    runScheduled();
    expect(broker.sent.at(-1)).toBe('ack 3 multiple');
    expect(broker.unacked.size).toBe(0);
    expect(counted.acked).toBe(4);
  });

  it('lets a nacked delivery be passed over, and nacks at once', () => {
    const { broker, acks, deliver, runScheduled } = setUp();
    deliver(1, 2, 3);
    acks.ack(delivery(1));
    acks.nack(delivery(2), false, true);
    acks.ack(delivery(3));
    expect(broker.sent).toEqual(['nack 2']);
    runScheduled();
    expect(broker.sent).toEqual(['nack 2', 'ack 3 multiple']);
    expect(broker.unacked.size).toBe(0);
  });

  it('flush() sends the queued acks at once (before the channel closes); the scheduled flush then sends nothing more', () => {
    const { broker, acks, deliver, runScheduled } = setUp();
    deliver(1, 2);
    acks.ack(delivery(1));
    acks.ack(delivery(2));
    acks.flush();
    expect(broker.sent).toEqual(['ack 2 multiple']);
    runScheduled();
    expect(broker.sent).toEqual(['ack 2 multiple']);
  });

  it('reports every message whose ack could not be sent (the channel closed)', () => {
    const { broker, counted, acks, deliver, runScheduled } = setUp();
    deliver(1, 2, 3, 4);
    acks.ack(delivery(1));
    acks.ack(delivery(2));
    acks.ack(delivery(4));
    broker.closed = true;
    runScheduled();
    expect(counted).toEqual({ acked: 0, failed: [4, 1, 2] });
  });

  it('over random interleavings acks exactly the messages asked for, none before it was asked, with no unknown tag', () => {
    let seed = 42;
    const random = (): number => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    for (let run = 0; run < 200; run++) {
      const { broker, counted, acks, deliver, runScheduled } = setUp();
      const asked = new Set<number>();
      const pending: number[] = [];
      const settle = (tag: number, nack: boolean): void => {
        if (nack) return acks.nack(delivery(tag), false, true);
        acks.ack(delivery(tag));
        asked.add(tag);
      };
      let next = 1;
      for (let step = 0; step < 60; step++) {
        const r = random();
        if (r < 0.4) {
          deliver(next);
          pending.push(next++);
        } else if (r < 0.85 && pending.length > 0) {
          const [tag] = pending.splice(Math.floor(random() * pending.length), 1);
          settle(tag!, random() < 0.15);
        } else runScheduled();
        // nothing the runtime did not ask to ack has left the broker's unacked set, except nacked ones
        for (const t of pending) expect(broker.unacked.has(t)).toBe(true);
      }
      acks.flush();
      expect(counted.failed).toEqual([]);
      expect(counted.acked).toBe(asked.size);
      expect([...broker.unacked].sort((a, b) => a - b)).toEqual([...pending].sort((a, b) => a - b));
    }
  });

  describe('hold (for a basic.cancel: a quorum queue returns what is on its way)', () => {
    it('sends no ack until released, then all of them together', async () => {
      const { broker, acks, deliver, runScheduled } = setUp();
      deliver(1, 2);
      const release = await acks.hold(2); // both delivered and unacked: nothing can be on its way
      acks.ack(delivery(1));
      acks.ack(delivery(2));
      runScheduled();
      acks.flush();
      expect(broker.sent).toEqual([]);
      release();
      expect(broker.sent).toEqual(['ack 2 multiple']);
      release(); // a second call does nothing
      expect(broker.sent).toEqual(['ack 2 multiple']);
    });

    it('after an ack sent, waits for the delivery it let start: until the prefetch is all here, or ARRIVAL_MS', async () => {
      const { acks, deliver, runScheduled, advance } = setUp();
      deliver(1, 2, 3);
      acks.ack(delivery(1));
      runScheduled(); // the broker may now be sending a 4th
      const held = acks.hold(3);
      expect(await settled(held)).toBe(false);
      advance(ARRIVAL_MS / 2);
      expect(await settled(held)).toBe(false);
      deliver(4); // on its way at the cancel: it arrived, and the prefetch is used up
      expect(await settled(held)).toBe(true);

      acks.ack(delivery(2));
      (await held)();
      runScheduled();
      const quiet = acks.hold(3); // nothing more comes (an empty queue): ARRIVAL_MS after that ack
      advance(ARRIVAL_MS - 1);
      expect(await settled(quiet)).toBe(false);
      advance(1);
      expect(await settled(quiet)).toBe(true);
    });

    it('resolves at once when no ack was sent for ARRIVAL_MS', async () => {
      const { acks, deliver, runScheduled, advance } = setUp();
      deliver(1, 2);
      acks.ack(delivery(1));
      runScheduled();
      advance(ARRIVAL_MS);
      expect(await settled(acks.hold(10))).toBe(true);
    });

    it('sendAll sends held acks too: the channel is about to close, whether the cancel was answered or not', async () => {
      const { broker, acks, deliver, runScheduled } = setUp();
      deliver(1);
      await acks.hold(1);
      acks.ack(delivery(1));
      runScheduled();
      expect(broker.sent).toEqual([]);
      acks.sendAll();
      expect(broker.sent).toEqual(['ack 1 multiple']);
    });
  });
});
