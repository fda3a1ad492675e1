// The test's own access to the real RabbitMQ (127.0.0.1:5672): queues, backlogs, held-unacked consumers, a cut-able proxy.
import { connect as netConnect, createServer, type Server, type Socket } from 'node:net';
import amqp from 'amqplib';

export const AMQP_URI = 'amqp://guest:guest@127.0.0.1:5672/';
export const MANAGEMENT_URI = 'http://guest:guest@127.0.0.1:15672';

export interface Broker {
  declare(queue: string): Promise<void>;
  publish(queue: string, count: number): Promise<void>;
  purge(queue: string): Promise<void>;
  remove(queue: string): Promise<void>;
  /** Starts a consumer that takes up to `hold` messages and never acks them until released. */
  holdUnacked(queue: string, hold: number): Promise<{ release(): Promise<void> }>;
  /** Names of the broker's connections (from the management API). */
  connectionNames(): Promise<string[]>;
  /** Unacknowledged messages of a queue as the management API reports them (its statistics lag a few seconds). */
  unackedStat(queue: string): Promise<number>;
  close(): Promise<void>;
}

export async function broker(): Promise<Broker> {
  const conn = await amqp.connect(AMQP_URI).catch((err: unknown) => {
    throw new Error(`RabbitMQ is not reachable at 127.0.0.1:5672 (start it with rabbitmq-server -detached)`, { cause: err });
  });
  const ch = await conn.createConfirmChannel();
  return {
    declare: async (q) => { await ch.assertQueue(q, { durable: true }); },
    publish: async (q, n) => {
      for (let i = 0; i < n; i++) ch.sendToQueue(q, Buffer.from(JSON.stringify({ i })), { persistent: true, contentType: 'application/json' });
      await ch.waitForConfirms();
    },
    purge: async (q) => { await ch.purgeQueue(q); },
    remove: async (q) => { await ch.deleteQueue(q); },
    holdUnacked: async (q, hold) => {
      const c = await conn.createChannel();
      await c.prefetch(hold);
      await c.consume(q, () => undefined, { noAck: false });
      return { release: async () => { await c.close(); } };
    },
    connectionNames: async () => {
      const list = await management<{ name: string; client_properties?: { connection_name?: string } }[]>('/api/connections?columns=name,client_properties');
      return list.map((c) => c.client_properties?.connection_name ?? c.name);
    },
    unackedStat: async (q) => (await management<{ messages_unacknowledged?: number }>(`/api/queues/%2F/${encodeURIComponent(q)}`)).messages_unacknowledged ?? 0,
    close: async () => { await conn.close(); },
  };
}

async function management<T>(path: string): Promise<T> {
  const res = await fetch(`http://127.0.0.1:15672${path}`, { headers: { authorization: `Basic ${Buffer.from('guest:guest').toString('base64')}` } });
  if (!res.ok) throw new Error(`management API answered ${res.status} for ${path}; enable it with rabbitmq-plugins enable rabbitmq_management`);
  return (await res.json()) as T;
}

/** A TCP proxy to the broker that the test can cut (the broker becomes unreachable) and restore. */
export async function brokerProxy(target = 5672): Promise<{ uri: string; cut(): Promise<void>; restore(): Promise<void>; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  const listen = (): Promise<void> => new Promise((resolve) => {
    server = createServer((client) => {
      const upstream = netConnect(target, '127.0.0.1');
      for (const s of [client, upstream]) { sockets.add(s); s.on('close', () => sockets.delete(s)); s.on('error', () => s.destroy()); }
      client.pipe(upstream).pipe(client);
    });
    server.listen(port, '127.0.0.1', () => {
      const a = server?.address();
      if (typeof a === 'object' && a) port = a.port;
      resolve();
    });
  });
  const cut = async (): Promise<void> => {
    await new Promise<void>((resolve) => { if (server) server.close(() => resolve()); else resolve(); for (const s of sockets) s.destroy(); });
    server = undefined;
  };
  await listen();
  return { uri: `amqp://guest:guest@127.0.0.1:${port}/`, cut, restore: listen, close: cut };
}
