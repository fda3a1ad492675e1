// The kit's side of the broker: the pool's topology (declared as the operator does), publishing with confirms,
// passive looks, a tap on the retry exchange, sweeping what is left in a queue, clean-up.
import { connect } from 'amqplib';
import type { Channel, ChannelModel, ConfirmChannel, ConsumeMessage } from 'amqplib';
import type { TopologyPlan } from '../../consumer-image/src/topology-plan.ts';
import { declareTopology } from '../../consumer-image/src/topology.ts';

export interface Swept {
  readonly id: string;
  readonly redelivered: boolean;
  readonly headers: Readonly<Record<string, unknown>>;
}

export class KitBroker {
  readonly #connection: ChannelModel;
  readonly #publisher: ConfirmChannel;
  #returned = 0;

  private constructor(connection: ChannelModel, publisher: ConfirmChannel) {
    this.#connection = connection;
    this.#publisher = publisher;
    publisher.on('return', () => (this.#returned += 1));
  }

  static async open(uri: string): Promise<KitBroker> {
    const connection = await connect(uri, { clientProperties: { connection_name: 'hare-conformance-kit' } });
    connection.on('error', () => undefined);
    return new KitBroker(connection, await connection.createConfirmChannel());
  }

  /** Publishes JSON bodies (message-id = id), persistent and mandatory; resolves once all are confirmed and routed. */
  async publish(exchange: string, routingKey: string, bodies: readonly { id: string }[]): Promise<void> {
    this.#returned = 0;
    for (const body of bodies) {
      const content = Buffer.from(JSON.stringify(body));
      this.#publisher.publish(exchange, routingKey, content, { contentType: 'application/json', messageId: body.id, persistent: true, mandatory: true });
    }
    await this.#publisher.waitForConfirms();
    if (this.#returned > 0) throw new Error(`${this.#returned} message(s) published to exchange '${exchange}' with routing key '${routingKey}' reached no queue`);
  }

  /** Declares the pool's topology with the runtime's own code, as the operator does for `declare: operator`. */
  async declare(plan: TopologyPlan): Promise<void> {
    await declareTopology(this.#connection, plan);
  }

  /** Passive declare on a channel of its own: undefined when the queue does not exist. */
  async queue(name: string): Promise<{ messages: number; consumers: number } | undefined> {
    return this.#onChannel(async (ch) => {
      const q = await ch.checkQueue(name);
      return { messages: q.messageCount, consumers: q.consumerCount };
    }).catch(() => undefined);
  }

  /** A queue of the kit's bound to `exchange`: sees every message routed through it (retries coming back). */
  async tap(name: string, exchange: string, routingKey: string): Promise<ConsumeMessage[]> {
    const seen: ConsumeMessage[] = [];
    const ch = await this.#connection.createChannel();
    ch.on('error', () => undefined); // e.g. the exchange is missing: the tap sees nothing, the points say why
    await ch.assertQueue(name, { durable: false, autoDelete: false });
    await ch.bindQueue(name, exchange, routingKey);
    await ch.consume(name, (m) => void (m && seen.push(m)), { noAck: true });
    return seen;
  }

  /** Takes every message left in a queue (basic.get), reading its id and redelivered flag. */
  async sweep(queue: string): Promise<Swept[]> {
    return this.#onChannel(async (ch) => {
      const out: Swept[] = [];
      for (let m = await ch.get(queue, { noAck: true }); m !== false; m = await ch.get(queue, { noAck: true })) {
        out.push({ id: String(m.properties.messageId), redelivered: m.fields.redelivered, headers: m.properties.headers ?? {} });
      }
      return out;
    });
  }

  /** Deletes queues and exchanges, ignoring the ones that do not exist. */
  async remove(queues: readonly string[], exchanges: readonly string[]): Promise<void> {
    for (const q of queues) await this.#onChannel((ch) => ch.deleteQueue(q)).catch(() => undefined);
    for (const x of exchanges) await this.#onChannel((ch) => ch.deleteExchange(x)).catch(() => undefined);
  }

  async close(): Promise<void> {
    await this.#connection.close().catch(() => undefined);
  }

  /** A refusal closes the channel it happened on, so every look gets a channel of its own. */
  async #onChannel<T>(use: (ch: Channel) => Promise<T>): Promise<T> {
    const ch = await this.#connection.createChannel();
    ch.on('error', () => undefined);
    try {
      return await use(ch);
    } finally {
      await ch.close().catch(() => undefined);
    }
  }
}

/** The connection_name client property of every connection the management API lists. */
export async function connectionNames(managementUrl: string): Promise<string[]> {
  const url = new URL('/api/connections?columns=client_properties', managementUrl);
  const auth = `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`;
  url.username = '';
  url.password = '';
  const res = await fetch(url, { headers: { authorization: auth }, signal: AbortSignal.timeout(5_000) });
  if (!res.ok) throw new Error(`management API: HTTP ${res.status}`);
  const list = (await res.json()) as { client_properties?: { connection_name?: unknown } }[];
  return list.map((c) => c.client_properties?.connection_name).filter((n): n is string => typeof n === 'string');
}
