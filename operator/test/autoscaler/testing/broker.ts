// Helpers for the autoscaler's broker tests: the real RabbitMQ's URIs, queues with backlogs, consumers, management calls.
import { connect } from 'amqplib';
import type { Channel, ChannelModel, SocketOptions } from 'amqplib';
import type { TcpNetConnectOpts } from 'node:net';
import { randomUUID } from 'node:crypto';

/** The broker under test (defaults: the local RabbitMQ with guest/guest). */
export const AMQP_URI = process.env.HARE_TEST_AMQP_URI ?? 'amqp://guest:guest@127.0.0.1:5672';
export const MANAGEMENT_URI = process.env.HARE_TEST_MANAGEMENT_URI ?? 'http://guest:guest@127.0.0.1:15672';

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

function managementRequest(path: string, method = 'GET'): Promise<Response> {
  const url = new URL(MANAGEMENT_URI);
  const auth = `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`;
  return fetch(`${url.origin}${path}`, { method, headers: { authorization: auth }, signal: AbortSignal.timeout(10_000) });
}

/** GET on the management API; fails the test with a clear message when the plugin is not enabled. */
export async function management(path: string): Promise<unknown> {
  let res: Response;
  try {
    res = await managementRequest(path);
  } catch (err) {
    throw new Error(`management API unreachable (run: rabbitmq-plugins enable rabbitmq_management): ${String(err)}`, { cause: err });
  }
  if (!res.ok) throw new Error(`management API ${path}: HTTP ${res.status}`);
  return res.json();
}

/** Connections the broker lists with this client-provided name. */
export async function connectionsNamed(name: string): Promise<{ name: string }[]> {
  const all = (await management('/api/connections?columns=name,user_provided_name')) as { name: string; user_provided_name?: string }[];
  return all.filter((c) => c.user_provided_name === name);
}

/** Connections the broker lists whose client side is this port (`peer_port`), e.g. a proxy's upstream socket. */
export async function connectionsOnPort(port: number): Promise<{ name: string }[]> {
  const all = (await management('/api/connections?columns=name,peer_port')) as { name: string; peer_port?: number }[];
  return all.filter((c) => c.peer_port === port);
}

/** Channel numbers the broker lists on the connection whose client side is this port. */
export async function channelsOnPort(port: number): Promise<number[]> {
  const all = (await management('/api/channels?columns=number,connection_details')) as { number: number; connection_details?: { peer_port?: number } }[];
  return all.filter((c) => c.connection_details?.peer_port === port).map((c) => c.number).sort((a, b) => a - b);
}

/** Closes a connection from the broker side, as a broker restart or an operator would. */
export async function forceClose(brokerName: string): Promise<void> {
  const res = await managementRequest(`/api/connections/${encodeURIComponent(brokerName)}`, 'DELETE');
  if (!res.ok && res.status !== 404) throw new Error(`closing connection: HTTP ${res.status}`);
}

/** Polls until check() stops throwing, or rethrows its last error after timeoutMs. */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 20_000, stepMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, stepMs));
    }
  }
}

/** A client of the test itself (publisher, consumers): one connection with a given name. */
export class TestClient {
  readonly conn: ChannelModel;
  readonly ch: Channel;

  private constructor(conn: ChannelModel, ch: Channel) {
    this.conn = conn;
    this.ch = ch;
  }

  static async open(connectionName: string): Promise<TestClient> {
    const conn = await connect(AMQP_URI, { clientProperties: { connection_name: connectionName } });
    return new TestClient(conn, await conn.createChannel());
  }

  /** A client that names no connection, as most clients outside this project, from a loopback source address (127.0.0.x). */
  static async unnamedFrom(localAddress: string): Promise<TestClient> {
    // amqplib hands its socket options to net.connect, whose localAddress its types leave out
    const options: SocketOptions & Pick<TcpNetConnectOpts, 'localAddress'> = { localAddress };
    const conn = await connect(AMQP_URI, options);
    return new TestClient(conn, await conn.createChannel());
  }

  async queueWith(name: string, messages: number): Promise<void> {
    await this.ch.assertQueue(name, { durable: false });
    for (let i = 0; i < messages; i++) this.ch.sendToQueue(name, Buffer.from(`m${i}`));
    await this.ch.checkQueue(name); // a round trip, so the publishes are routed
  }

  /** Consumes with a prefetch and never acknowledges: the consumer holds `prefetch` unacked messages. */
  async hold(queue: string, prefetch: number): Promise<void> {
    await this.ch.prefetch(prefetch);
    await this.ch.consume(queue, () => undefined, { noAck: false });
  }

  /** Consumes and acknowledges everything at once. */
  async drain(queue: string): Promise<void> {
    await this.ch.prefetch(50);
    await this.ch.consume(queue, (m) => {
      if (m !== null) this.ch.ack(m);
    });
  }

  async close(): Promise<void> {
    await this.conn.close().catch(() => undefined);
  }
}

export async function deleteQueues(names: readonly string[]): Promise<void> {
  const c = await TestClient.open('hare-test-cleanup');
  for (const n of names) await c.ch.deleteQueue(n);
  await c.close();
}
