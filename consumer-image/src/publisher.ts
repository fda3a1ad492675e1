// Confirmed publishing: a confirm channel with `mandatory`, so a publish resolves only once the broker has
// routed and taken the message; nacks, returns (unroutable) and channel loss reject.
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

interface Pending {
  readonly exchange: string;
  readonly routingKey: string;
  readonly content: Buffer;
  returned: string | undefined;
}

export class ConfirmPublisher {
  readonly #connection: ChannelModel;
  #channel: Promise<ConfirmChannel> | undefined;
  readonly #pending = new Set<Pending>();
  #closed = false;

  constructor(connection: ChannelModel) {
    this.#connection = connection;
  }

  /** Resolves when the broker confirmed the message; the channel is reopened after a channel-level error. */
  async publish(exchange: string, routingKey: string, content: Buffer, options: Options.Publish): Promise<void> {
    const channel = await this.#open();
    const pending: Pending = { exchange, routingKey, content, returned: undefined };
    this.#pending.add(pending);
    try {
      await new Promise<void>((resolve, reject) => {
        channel.publish(exchange, routingKey, content, { ...options, mandatory: true }, (err: unknown) => {
          if (err !== null && err !== undefined) reject(new PublishError(`broker did not confirm the publish to ${describe(exchange, routingKey)}`, { cause: err }));
          else if (pending.returned !== undefined) reject(new PublishError(`unroutable: ${describe(exchange, routingKey)} (${pending.returned})`, { unroutable: true }));
          else resolve();
        });
      });
    } finally {
      this.#pending.delete(pending);
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    const channel = await this.#channel?.catch(() => undefined);
    await channel?.close().catch(() => undefined);
  }

  #open(): Promise<ConfirmChannel> {
    if (this.#closed) return Promise.reject(new PublishError('publisher is closed'));
    this.#channel ??= this.#create();
    return this.#channel;
  }

  async #create(): Promise<ConfirmChannel> {
    try {
      const channel = await this.#connection.createConfirmChannel();
      channel.on('error', () => undefined); // pending confirms are rejected through their callbacks
      channel.on('close', () => (this.#channel = undefined));
      channel.on('return', (message: Message) => this.#onReturn(message));
      return channel;
    } catch (err) {
      this.#channel = undefined;
      throw new PublishError('cannot open a confirm channel', { cause: err });
    }
  }

  /** A return precedes the confirm of its publish; it is matched by exchange, routing key and content. */
  #onReturn(message: Message): void {
    const fields = message.fields as Message['fields'] & { replyText?: string };
    for (const p of this.#pending) {
      if (p.returned === undefined && p.exchange === fields.exchange && p.routingKey === fields.routingKey && p.content.equals(message.content)) {
        p.returned = fields.replyText ?? 'returned';
        return;
      }
    }
  }
}

function describe(exchange: string, routingKey: string): string {
  return exchange === '' ? `queue '${routingKey}'` : `exchange '${exchange}' with routing key '${routingKey}'`;
}
