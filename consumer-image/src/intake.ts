// The consumer on one channel: first-time deliveries run side by side up to the prefetch; a redelivered one runs alone.
import type { Channel, ConsumeMessage, Options } from 'amqplib';
import { deliveredBefore } from './decode.ts';

export interface IntakeOptions {
  readonly queue: string;
  readonly prefetch: number;
  /** basic.consume options (e.g. x-consumer-timeout). */
  readonly consume: Options.Consume;
  /** The consumer tags' prefix (the pod's name): `<prefix>.1`, `<prefix>.2`, ... one per basic.consume. */
  readonly tagPrefix: string;
  /** Every delivery, as it arrives (before it is handled or held). */
  readonly arrived: (delivery: ConsumeMessage) => void;
  /** Handles one delivery (`alone`: nothing else runs beside it, poison isolation); must not reject; undefined if done at once. */
  readonly handle: (delivery: ConsumeMessage, alone: boolean) => Promise<void> | undefined;
  /** In-flight bookkeeping: every delivery's work, queued or running, unless it was done at once. */
  readonly track: (work: Promise<void>) => void;
  /** The broker cancelled the consumer (queue deleted). */
  readonly onCancelled: () => void;
  /** Holds the acks until the deliveries on their way to the consumer have arrived, for its basic.cancel (acks.ts). */
  readonly holdAcks: (prefetch: number) => Promise<() => void>;
}

interface Queued {
  readonly delivery: ConsumeMessage;
  readonly done: () => void;
}

/**
 * Poison isolation. A message that kills the process comes back redelivered, with its prefetch neighbours.
 * Were they handled side by side again, every crash would count against all of them and they would reach the
 * redelivery limit together. So a redelivered message is handled alone: intake stops (basic.cancel), the running
 * handlers finish, the held deliveries run one at a time, and consuming resumes with prefetch 1 until a first-time
 * message arrives; then with the full prefetch again. A session starts with prefetch 1 for the same reason: after a
 * crash, the redelivered messages must not all arrive at once.
 */
export class Intake {
  readonly #channel: Channel;
  readonly #o: IntakeOptions;
  #tag: string | undefined;
  #consumes = 0;
  #prefetch = 0;
  #serial = true;
  #stopped = false;
  #pumping = false;
  readonly #queue: Queued[] = [];
  #running = 0;
  #idle: (() => void) | undefined;
  #widening: Promise<void> | undefined;
  /** The last basic.consume or basic.cancel sent: until it is answered, deliveries may still come. */
  #op: Promise<unknown> = Promise.resolve();

  constructor(channel: Channel, options: IntakeOptions) {
    this.#channel = channel;
    this.#o = options;
  }

  /** Starts consuming, one delivery at a time until a first-time message has been handled. */
  start(): Promise<void> {
    return this.#consume(1);
  }

  /**
   * basic.cancel: no new deliveries; those already sent are still handled. A consume or cancel under way (the
   * prefetch widening, a resume) is answered first, so no consumer is left and every delivery has arrived when it
   * resolves: the drain counts what is in flight after it.
   */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (let op = this.#op; ; op = this.#op) {
      await op.catch(() => undefined);
      if (op === this.#op) break;
    }
    await this.#cancel();
  }

  readonly #onDelivery = (delivery: ConsumeMessage | null): void => {
    if (delivery === null) return this.#o.onCancelled();
    this.#o.arrived(delivery);
    if (!this.#serial && !deliveredBefore(delivery)) return this.#runBesideOthers(delivery);
    if (this.#serial && !this.#pumping && this.#queue.length === 0 && !deliveredBefore(delivery)) {
      // prefetch 1 and a first-time message: nothing redelivered is held, so the full prefetch again
      this.#serial = false;
      this.#runBesideOthers(delivery);
      // a new consumer beside the one holding this message: at prefetch 1 it would hold a second one
      if (this.#o.prefetch > 1) this.#widening = this.#widen();
      return;
    }
    this.#serial = true;
    this.#o.track(new Promise<void>((done) => this.#queue.push({ delivery, done })));
    void this.#pump();
  };

  /** Handles it beside the others; work done at once was never in flight for long enough to track. */
  #runBesideOthers(delivery: ConsumeMessage): void {
    const work = this.#o.handle(delivery, false);
    if (work === undefined) return;
    this.#running += 1;
    this.#o.track(work);
    void work.then(this.#finished, this.#finished);
  }

  readonly #finished = (): void => {
    if (--this.#running === 0) this.#idle?.();
  };

  async #pump(): Promise<void> {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      do {
        await this.#widening;
        if (this.#prefetch > 1) await this.#cancel(); // nothing more arrives while a redelivered message runs
        if (this.#running > 0) await new Promise<void>((resolve) => (this.#idle = resolve));
        this.#idle = undefined;
        const suspects = await this.#runQueuedAlone();
        if (this.#stopped) return;
        await this.#resume(suspects);
      } while (this.#queue.length > 0);
    } catch {
      // the channel closed under us: the session is lost and the broker redelivers what is held
      for (let q = this.#queue.shift(); q !== undefined; q = this.#queue.shift()) q.done();
    } finally {
      this.#pumping = false;
    }
  }

  /** Runs the queued deliveries one at a time; true if one of them was delivered before. */
  async #runQueuedAlone(): Promise<boolean> {
    let suspects = false;
    for (let q = this.#queue.shift(); q !== undefined; q = this.#queue.shift()) {
      suspects ||= deliveredBefore(q.delivery);
      await this.#o.handle(q.delivery, true);
      q.done();
    }
    return suspects;
  }

  /**
   * After a redelivered message: on with prefetch 1 (the next first-time delivery widens it). At a prefetch of 1 there
   * is nothing to widen: on with the consumer there is. Else the full prefetch.
   */
  async #resume(suspects: boolean): Promise<void> {
    if (suspects || this.#o.prefetch === 1) {
      if (this.#tag === undefined) await this.#consume(1);
      if (!suspects) this.#serial = false;
      return;
    }
    await this.#cancel();
    if (this.#queue.length > 0 || this.#stopped) return;
    this.#serial = false; // before consume-ok: deliveries may follow it in the same read
    await this.#consume(this.#o.prefetch);
  }

  async #widen(): Promise<void> {
    try {
      await this.#cancel();
      if (!this.#stopped) await this.#consume(this.#o.prefetch);
    } catch {
      // the channel closed: the session is lost
    } finally {
      this.#widening = undefined;
    }
  }

  #consume(prefetch: number): Promise<void> {
    const op = this.#consumeNow(prefetch);
    this.#op = op;
    return op;
  }

  /**
   * The tag is ours and known before consume-ok: the first delivery can come in the same socket read as consume-ok,
   * before the code after it runs, and a widening it starts must find the consumer to cancel.
   */
  async #consumeNow(prefetch: number): Promise<void> {
    if (this.#prefetch !== prefetch) await this.#channel.prefetch(prefetch);
    this.#prefetch = prefetch;
    const tag = `${this.#o.tagPrefix.slice(0, 200)}.${++this.#consumes}`; // a tag is at most 255 bytes
    this.#tag = tag;
    await this.#channel.consume(this.#o.queue, this.#onDelivery, { ...this.#o.consume, consumerTag: tag });
    if (this.#stopped) await this.#cancel(); // a drain began meanwhile
  }

  async #cancel(): Promise<void> {
    const tag = this.#tag;
    this.#tag = undefined;
    if (tag === undefined) return;
    const op = this.#cancelHeld(tag);
    this.#op = op;
    await op;
  }

  /** basic.cancel once what is on its way has arrived (a quorum queue would return it); no ack goes out until cancel-ok. */
  async #cancelHeld(tag: string): Promise<void> {
    const release = await this.#o.holdAcks(this.#prefetch);
    try {
      await this.#channel.cancel(tag);
    } finally {
      release();
    }
  }
}
