import type { ConsumeMessage } from 'amqplib';
import { describe, expect, it } from 'vitest';
import { CoalescingAcks } from './acks.ts';

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
  const acks = new CoalescingAcks(
    broker,
    { acked: (n) => (counted.acked += n), failed: (ds) => counted.failed.push(...ds.map((d) => d.fields.deliveryTag)) },
    (flush) => (scheduled = flush),
  );
  const deliver = (...tags: number[]): void => tags.forEach((t) => (broker.unacked.add(t), acks.delivered(delivery(t))));
  const runScheduled = (): void => {
    const flush = scheduled;
    scheduled = undefined;
    flush?.();
  };
  return { broker, counted, acks, deliver, runScheduled };
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
});
