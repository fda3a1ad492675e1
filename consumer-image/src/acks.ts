// Acks coalesced: one basic.ack with `multiple` for the deliveries settled together below the oldest unsettled one.
import type { ConsumeMessage } from 'amqplib';

/** The part of an amqplib channel that settles deliveries. */
export interface AckChannel {
  ack(message: ConsumeMessage, allUpTo?: boolean): void;
  nack(message: ConsumeMessage, allUpTo?: boolean, requeue?: boolean): void;
}

/** When acks go out, and the time a held cancel waits by (injected in tests). */
export interface AckTiming {
  /** Runs `flush` soon: the acks queued until then go together (a microtask by default). */
  readonly schedule: (flush: () => void) => void;
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
}

/**
 * How long after the last ack sent a held cancel waits for the deliveries it let start: a quorum queue's new
 * delivery reaches the channel one Raft commit after the ack (under 10 ms on one loaded node here; 50 for clusters).
 */
export const ARRIVAL_MS = 50;

const realTiming: AckTiming = {
  schedule: queueMicrotask,
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

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
  readonly #timing: AckTiming;
  /** Tags delivered and not settled, oldest first (tags only grow, and a Set keeps insertion order). */
  readonly #unsettled = new Set<number>();
  #queued: ConsumeMessage[] = [];
  #holds = 0;
  #lastSentAt = -Infinity;
  /** Held cancels waiting for the next delivery. */
  #waiting: (() => void)[] = [];

  constructor(channel: AckChannel, report: AckReport, timing: Partial<AckTiming> = {}) {
    this.#channel = channel;
    this.#report = report;
    this.#timing = { ...realTiming, ...timing };
  }

  /** A delivery arrived: it is unsettled until acked or nacked. */
  delivered(message: ConsumeMessage): void {
    this.#unsettled.add(message.fields.deliveryTag);
    for (const wake of this.#waiting.splice(0)) wake();
  }

  /**
   * Holds the acks (queued, not sent) for a basic.cancel, until the returned release. A quorum queue returns to the
   * queue what is on its way to a consumer it is cancelling (RabbitMQ 3.10's rabbit_fifo_client returns deliveries
   * for a consumer it has forgotten): redelivered, with its delivery count raised, though the pod never had it. Every
   * ack lets one more delivery start its way, so none is sent from here on, and this resolves once those the acks
   * before let start have arrived: at once when the consumer's `prefetch` is all delivered and unacked, else
   * ARRIVAL_MS after the last ack or nack sent.
   */
  async hold(prefetch: number): Promise<() => void> {
    this.#holds += 1;
    const until = this.#lastSentAt + ARRIVAL_MS;
    for (let left = until - this.#timing.now(); this.#outstanding() < prefetch && left > 0; left = until - this.#timing.now()) {
      await Promise.race([this.#timing.sleep(left), new Promise<void>((wake) => this.#waiting.push(wake))]);
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (--this.#holds === 0) this.flush();
    };
  }

  /** Delivered and not yet acked as far as the broker knows: unsettled, or acked here and not sent. */
  #outstanding(): number {
    return this.#unsettled.size + this.#queued.length;
  }

  /** Acks the message with the others settled before the next microtask; counts it (or its failure) when sent. */
  ack(message: ConsumeMessage): void {
    this.#unsettled.delete(message.fields.deliveryTag);
    if (this.#queued.push(message) === 1) this.#timing.schedule(this.#flushQueued);
  }

  /** Nacks this one message now; throws as the channel does (closed). */
  nack(message: ConsumeMessage, allUpTo: false, requeue: boolean): void {
    this.#channel.nack(message, allUpTo, requeue);
    this.#lastSentAt = this.#timing.now();
    this.#unsettled.delete(message.fields.deliveryTag);
  }

  /** Sends the queued acks now, unless a cancel holds them. */
  flush(): void {
    if (this.#holds === 0) this.sendAll();
  }

  /** Sends the queued acks now, held or not: before the channel closes (a cancel may never have been answered). */
  sendAll(): void {
    const queued = this.#queued;
    if (queued.length === 0) return;
    this.#lastSentAt = this.#timing.now();
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
