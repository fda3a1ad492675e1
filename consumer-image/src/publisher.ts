// Confirmed publishing: a publish resolves only once the broker has taken (and, with `mandatory`, routed) the
// message; nacks, returns and channel loss reject. Each publish has a confirm channel to itself, taken from a
// pool, so a publish that closes its channel (a missing exchange) fails no other publish in flight.
import type { ChannelModel, ConfirmChannel, Message, Options } from 'amqplib';

/** The broker did not take the message: it was nacked, returned as unroutable, or the channel closed first. */
export class PublishError extends Error {
  override readonly name = 'PublishError';
  /** The broker returned it: no queue is bound for it (e.g. a delay queue was deleted). */
  readonly unroutable: boolean;
  constructor(message: string, options?: { cause?: unknown; unroutable?: boolean }) {
    super(message, options);
    this.unroutable = options?.unroutable ?? false;
  }
}

/** A confirm channel and what happened to the one publish it carries. */
interface Slot {
  readonly channel: ConfirmChannel;
  open: boolean;
  returned: string | undefined;
  /** Why the broker closed the channel, if it did. */
  closedBy: Error | undefined;
}

export class ConfirmPublisher {
  readonly #connection: ChannelModel;
  readonly #idle: Slot[] = [];
  readonly #all = new Set<Slot>();
  #closed = false;

  constructor(connection: ChannelModel) {
    this.#connection = connection;
  }

  /** Resolves when the broker confirmed the message. `mandatory` defaults to true: unroutable rejects. */
  async publish(exchange: string, routingKey: string, content: Buffer, options: Options.Publish): Promise<void> {
    const slot = this.#idle.pop() ?? (await this.#open());
    slot.returned = undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        slot.channel.publish(exchange, routingKey, content, { mandatory: true, ...options }, (err: unknown) => {
          if (err !== null && err !== undefined) reject(new PublishError(`broker did not confirm the publish to ${describe(exchange, routingKey)}${why(slot)}`, { cause: slot.closedBy ?? err }));
          else if (slot.returned !== undefined) reject(new PublishError(`unroutable: ${describe(exchange, routingKey)} (${slot.returned})`, { unroutable: true }));
          else resolve();
        });
      });
    } finally {
      if (slot.open && !this.#closed) this.#idle.push(slot);
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#idle.length = 0;
    await Promise.all([...this.#all].map((s) => s.channel.close().catch(() => undefined)));
  }

  async #open(): Promise<Slot> {
    if (this.#closed) throw new PublishError('publisher is closed');
    let channel: ConfirmChannel;
    try {
      channel = await this.#connection.createConfirmChannel();
    } catch (err) {
      throw new PublishError('cannot open a confirm channel', { cause: err });
    }
    const slot: Slot = { channel, open: true, returned: undefined, closedBy: undefined };
    this.#all.add(slot);
    channel.on('error', (err: Error) => (slot.closedBy = err)); // emitted before the pending confirm fails
    channel.on('close', () => {
      slot.open = false;
      this.#all.delete(slot);
    });
    // a return precedes the confirm of its publish, and the channel carries one publish at a time
    channel.on('return', (message: Message) => (slot.returned = (message.fields as { replyText?: string }).replyText ?? 'returned'));
    return slot;
  }
}

function describe(exchange: string, routingKey: string): string {
  return exchange === '' ? `queue '${routingKey}'` : `exchange '${exchange}' with routing key '${routingKey}'`;
}

function why(slot: Slot): string {
  return slot.closedBy === undefined ? '' : ` (${slot.closedBy.message})`;
}
