// Acks coalesced: one basic.ack with `multiple` for the deliveries settled together below the oldest unsettled one.
import type { ConsumeMessage } from 'amqplib';

/** The part of an amqplib channel that settles deliveries. */
export interface AckChannel {
  ack(message: ConsumeMessage, allUpTo?: boolean): void;
  nack(message: ConsumeMessage, allUpTo?: boolean, requeue?: boolean): void;
}

/** Where the sent and the failed acks are counted. */
export interface AckReport {
  /** `count` messages acked (the ack went to the channel). */
  acked(count: number): void;
  /** Their ack could not be sent (the channel is closed): the broker redelivers them. */
  failed(deliveries: readonly ConsumeMessage[], err: unknown): void;
}

/**
 * The broker numbers deliveries on a channel in order. Every delivery is registered when it arrives (`delivered`)
 * and stays unsettled until it is acked or nacked here. A queued ack waits for a microtask (or `flush`, before the
 * channel closes), so the acks of every delivery one socket read brought and handled at once go together, and still
 * reach amqplib in the same turn of the event loop as before. Then one ack with `multiple` on the highest queued tag
 * below the oldest unsettled delivery acks exactly the queued ones there, since every other delivery below it is
 * settled already. Queued acks above it (an older message is still being handled, held or abandoned) go one by one.
 */
export class CoalescingAcks {
  readonly #channel: AckChannel;
  readonly #report: AckReport;
  readonly #schedule: (flush: () => void) => void;
  /** Tags delivered and not settled, oldest first (tags only grow, and a Set keeps insertion order). */
  readonly #unsettled = new Set<number>();
  #queued: ConsumeMessage[] = [];

  constructor(channel: AckChannel, report: AckReport, schedule: (flush: () => void) => void = queueMicrotask) {
    this.#channel = channel;
    this.#report = report;
    this.#schedule = schedule;
  }

  /** A delivery arrived: it is unsettled until acked or nacked. */
  delivered(message: ConsumeMessage): void {
    this.#unsettled.add(message.fields.deliveryTag);
  }

  /** Acks the message with the others settled before the next microtask; counts it (or its failure) when sent. */
  ack(message: ConsumeMessage): void {
    this.#unsettled.delete(message.fields.deliveryTag);
    if (this.#queued.push(message) === 1) this.#schedule(this.#flushQueued);
  }

  /** Nacks this one message now; throws as the channel does (closed). */
  nack(message: ConsumeMessage, allUpTo: false, requeue: boolean): void {
    this.#channel.nack(message, allUpTo, requeue);
    this.#unsettled.delete(message.fields.deliveryTag);
  }

  /** Sends the queued acks now. */
  flush(): void {
    const queued = this.#queued;
    if (queued.length === 0) return;
    this.#queued = [];
    const oldest = this.#oldestUnsettled();
    let top: ConsumeMessage | undefined;
    let covered = 0;
    for (const message of queued) {
      const tag = message.fields.deliveryTag;
      if (tag >= oldest) this.#send(message, false, 1, queued);
      else {
        covered += 1;
        if (top === undefined || tag > top.fields.deliveryTag) top = message;
      }
    }
    if (top !== undefined) this.#send(top, true, covered, queued, oldest);
  }

  readonly #flushQueued = (): void => this.flush();

  #oldestUnsettled(): number {
    for (const tag of this.#unsettled) return tag;
    return Infinity;
  }

  #send(message: ConsumeMessage, multiple: boolean, count: number, queued: readonly ConsumeMessage[], below = 0): void {
    try {
      this.#channel.ack(message, multiple);
      this.#report.acked(count);
    } catch (err) {
      this.#report.failed(multiple ? queued.filter((m) => m.fields.deliveryTag < below) : [message], err);
    }
  }
}
