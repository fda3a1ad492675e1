// The test's own access to the real RabbitMQ (127.0.0.1:5672): queues, backlogs, held-unacked consumers, a proxy to cut or slow.
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

export interface BrokerProxy {
  uri: string;
  cut(): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
  /** Holds back what clients send for this long from now on (order kept; 0: no delay): slow depth reads. */
  delay(ms: number): void;
  /** Resolves when the next queue.declare of `queue` (a depth read's passive declare) is held back by the delay. */
  nextHeldDeclare(queue: string): Promise<void>;
}

/** The queue of a queue.declare (method frame type 1, channel > 0, class 50, method 10, ticket, then the name), if it is one. */
function declaredQueue(chunk: Buffer): string | undefined {
  if (chunk.length < 14 || chunk[0] !== 1 || chunk.readUInt16BE(1) === 0 || chunk.readUInt16BE(7) !== 50 || chunk.readUInt16BE(9) !== 10) return undefined;
  return chunk.subarray(14, 14 + chunk.readUInt8(13)).toString('utf8');
}

/** A TCP proxy to the broker that the test can cut (the broker becomes unreachable), restore and slow down. */
export async function brokerProxy(target = 5672): Promise<BrokerProxy> {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  let delayMs = 0;
  const held: { queue: string; resolve: () => void }[] = [];
  /** Client to broker with the delay: one FIFO per connection, so frames never overtake each other. */
  const forward = (client: Socket, upstream: Socket): void => {
    const pending: { at: number; chunk: Buffer }[] = [];
    let timer: NodeJS.Timeout | undefined;
    const pump = (): void => {
      timer = undefined;
      while (pending[0] && pending[0].at <= Date.now()) upstream.write(pending.shift()!.chunk);
      if (pending[0]) timer = setTimeout(pump, pending[0].at - Date.now());
    };
    client.on('data', (chunk: Buffer) => {
      if (delayMs === 0 && pending.length === 0) return void upstream.write(chunk);
      const queue = delayMs > 0 ? declaredQueue(chunk) : undefined;
      for (const h of held.filter((x) => x.queue === queue)) { held.splice(held.indexOf(h), 1); h.resolve(); }
      pending.push({ at: Date.now() + delayMs, chunk });
      timer ??= setTimeout(pump, delayMs);
    });
  };
  const listen = (): Promise<void> => new Promise((resolve) => {
    server = createServer((client) => {
      const upstream = netConnect(target, '127.0.0.1');
      for (const s of [client, upstream]) { sockets.add(s); s.on('close', () => sockets.delete(s)); s.on('error', () => s.destroy()); }
      forward(client, upstream);
      upstream.pipe(client);
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
  return {
    uri: `amqp://guest:guest@127.0.0.1:${port}/`, cut, restore: listen, close: cut,
    delay: (ms) => { delayMs = ms; },
    nextHeldDeclare: (queue) => new Promise((resolve) => held.push({ queue, resolve })),
  };
}
