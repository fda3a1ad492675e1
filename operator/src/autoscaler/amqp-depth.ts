// Ready-message and consumer counts by passive queue.declare, over the one shared connection of a broker URI.
import type { Channel, ChannelModel } from 'amqplib';
import { BrokerConnection } from './amqp-connection.ts';
import type { AmqpClientOptions } from './amqp-connection.ts';
import { amqpFailureKind, DepthReadError, messageOf, replyCode, withTimeout } from './read-error.ts';
import type { AmqpTarget } from './uri.ts';

export type { AmqpClientOptions } from './amqp-connection.ts';

export interface QueueCounts {
  readonly ready: number;
  readonly consumers: number;
}

/**
 * One shared channel for the passive declares of every pool on the broker. A missing queue makes the broker
 * close the channel (404): the read that asked fails with notFound; reads queued behind it on that channel
 * fail without a reply code and are retried once on a private channel that only their own answer can close.
 * A read that times out discards the channel, since its reply may never come.
 */
export class AmqpDepthClient {
  readonly #broker: BrokerConnection;
  readonly #timeoutMs: number;
  /** The shared channel: the promise readers wait on, and the channel once open. */
  #channel: { readonly pending: Promise<Channel>; open?: Channel } | undefined;

  constructor(uri: string, options: AmqpClientOptions) {
    this.#broker = new BrokerConnection(uri, options);
    this.#timeoutMs = options.timeoutMs;
  }

  get target(): AmqpTarget {
    return this.#broker.target;
  }

  /** True while the broker connection is open. */
  get connected(): boolean {
    return this.#broker.connected;
  }

  /** Ready messages and consumers of a queue; throws DepthReadError. */
  async counts(queue: string): Promise<QueueCounts> {
    const channel = await this.#sharedChannel();
    try {
      return await this.#declare(channel, queue);
    } catch (err) {
      if (err instanceof DepthReadError) this.#discard(channel);
      const collateral = !(err instanceof DepthReadError) && replyCode(err) === undefined && this.#broker.connected;
      if (!collateral) throw this.#failure(queue, err);
    }
    return this.#privateRead(queue);
  }

  /** The shared connection, opened if due, for the operator's other short uses (declaring a pool's topology). */
  connection(): Promise<ChannelModel> {
    return this.#broker.get();
  }

  async close(): Promise<void> {
    this.#channel = undefined;
    await this.#broker.close();
  }

  async #privateRead(queue: string): Promise<QueueCounts> {
    let channel: Channel | undefined;
    try {
      channel = await this.#newChannel(await this.#broker.get());
      return await this.#declare(channel, queue);
    } catch (err) {
      throw this.#failure(queue, err);
    } finally {
      channel?.close().catch(() => undefined);
    }
  }

  async #declare(channel: Channel, queue: string): Promise<QueueCounts> {
    const ok = await withTimeout(channel.checkQueue(queue), this.#timeoutMs, `passive declare of queue ${queue}`);
    return { ready: ok.messageCount, consumers: ok.consumerCount };
  }

  #failure(queue: string, err: unknown): DepthReadError {
    const kind = amqpFailureKind(err);
    const text = err instanceof DepthReadError ? err.message : this.#broker.scrub(messageOf(err));
    return new DepthReadError(kind, `queue ${queue} on ${this.target.display}: ${text}`, { cause: err });
  }

  /** A channel with its error listener on from the start; one that opens after the timeout is closed. */
  #newChannel(conn: ChannelModel): Promise<Channel> {
    const opening = conn.createChannel().then((ch) => {
      ch.on('error', () => undefined); // a 404 closes the channel; the read that caused it reports it
      return ch;
    });
    return withTimeout(opening, this.#timeoutMs, 'opening a channel', (late) => void late.close().catch(() => undefined));
  }

  /** Stops using a channel that timed out and closes it in the background. */
  #discard(channel: Channel): void {
    if (this.#channel?.open === channel) this.#channel = undefined;
    channel.close().catch(() => undefined);
  }

  #sharedChannel(): Promise<Channel> {
    if (this.#channel !== undefined) return this.#channel.pending;
    const pending = this.#broker.get().then(async (conn) => {
      const ch = await this.#newChannel(conn);
      ch.on('close', () => {
        if (this.#channel?.pending === pending) this.#channel = undefined;
      });
      if (this.#channel?.pending === pending) this.#channel.open = ch;
      return ch;
    });
    this.#channel = { pending };
    pending.catch(() => {
      if (this.#channel?.pending === pending) this.#channel = undefined;
    });
    return pending;
  }
}
