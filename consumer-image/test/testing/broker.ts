// Test-side broker access: a confirm channel for publishing, record collection, the management API, cleanup.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { connect } from 'amqplib';
import type { ChannelModel, ConfirmChannel, Options } from 'amqplib';
import type { ProbeBody, ProbeRecord } from './modules/probe.ts';
import { waitFor } from './wait.ts';

export const BROKER_URI = process.env.HARE_TEST_BROKER_URI ?? 'amqp://guest:guest@127.0.0.1:5672';
const MGMT_URL = process.env.HARE_TEST_MGMT_URL ?? 'http://127.0.0.1:15672/api';
const MGMT_AUTH = `Basic ${Buffer.from('guest:guest').toString('base64')}`;

/** A fresh name per test, so runs never see each other's messages. */
export function uniqueName(prefix: string): string {
  return `itest.${prefix}.${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
}

export async function mgmt<T>(path: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(`${MGMT_URL}${path}`, { ...init, headers: { authorization: MGMT_AUTH, 'content-type': 'application/json' } });
  if (!res.ok && res.status !== 404) throw new Error(`management API ${path}: HTTP ${res.status}`);
  const text = res.status === 404 ? '' : await res.text();
  return (text === '' ? undefined : JSON.parse(text)) as T;
}

export const rabbitmqctl = async (...args: string[]): Promise<string> =>
  (await promisify(execFile)('rabbitmqctl', args, { timeout: 60_000 })).stdout;

/** The broker's pid of the connection whose client-provided name is `name` (rabbitmqctl's own listing). */
export async function connectionPid(name: string): Promise<string | undefined> {
  const out = await rabbitmqctl('list_connections', '-q', '--no-table-headers', 'pid', 'client_properties');
  const line = out.split('\n').find((l) => l.includes(`{"connection_name","${name}"}`));
  return line?.split('\t')[0];
}

export class TestBroker {
  readonly connection: ChannelModel;
  readonly channel: ConfirmChannel;
  readonly #cleanup: string[] = [];
  #returned = 0;

  private constructor(connection: ChannelModel, channel: ConfirmChannel) {
    this.connection = connection;
    this.channel = channel;
    channel.on('return', () => (this.#returned += 1));
  }

  /** Fails with a clear message when RabbitMQ is down (the suite must not pass silently without it). */
  static async open(): Promise<TestBroker> {
    let connection: ChannelModel;
    try {
      connection = await connect(BROKER_URI, { clientProperties: { connection_name: 'itest-driver' } });
    } catch (cause) {
      throw new Error(`RabbitMQ is not reachable at ${BROKER_URI.replace(/\/\/.*@/, '//')}; start it with: rabbitmq-server -detached`, { cause });
    }
    return new TestBroker(connection, await connection.createConfirmChannel());
  }

  /** Declares <queue>.processed (where the probe module records deliveries) and remembers the queue for cleanup. */
  async prepare(queue: string, exchange?: string): Promise<RecordCollector> {
    this.#cleanup.push(queue);
    if (exchange !== undefined) this.#cleanup.push(`exchange:${exchange}`);
    await this.channel.assertQueue(`${queue}.processed`, { durable: true });
    return RecordCollector.start(this.channel, `${queue}.processed`);
  }

  async publish(routingKey: string, body: ProbeBody | Buffer, options: Options.Publish = {}, exchange = ''): Promise<void> {
    const json = !Buffer.isBuffer(body);
    const content = json ? Buffer.from(JSON.stringify(body)) : body;
    const props = json ? { contentType: 'application/json', messageId: body.id, ...options } : options;
    this.channel.publish(exchange, routingKey, content, { persistent: true, mandatory: true, ...props });
    await this.#confirmed();
  }

  async publishMany(queue: string, bodies: ProbeBody[]): Promise<void> {
    for (const b of bodies) {
      this.channel.publish('', queue, Buffer.from(JSON.stringify(b)), { contentType: 'application/json', messageId: b.id, persistent: true, mandatory: true });
    }
    await this.#confirmed();
  }

  /** Waits for confirms; a returned (unroutable) test message is a test bug, not something to ignore. */
  async #confirmed(): Promise<void> {
    await this.channel.waitForConfirms();
    if (this.#returned > 0) throw new Error(`${this.#returned} test message(s) were unroutable (queue not declared yet?)`);
  }

  /** Ready messages in a queue, by a passive declare (exact; the management API's counts lag by seconds). */
  async ready(queue: string): Promise<number> {
    const channel = await this.connection.createChannel();
    try {
      return (await channel.checkQueue(queue)).messageCount;
    } finally {
      await channel.close().catch(() => undefined);
    }
  }

  /** Deletes every queue and exchange the tests named, with the runtime's delay/dead/processed queues. */
  async close(): Promise<void> {
    const queues = (await mgmt<{ name: string }[]>('/queues/%2F?columns=name')).map((q) => q.name);
    for (const name of this.#cleanup) {
      if (name.startsWith('exchange:')) await mgmt(`/exchanges/%2F/${encodeURIComponent(name.slice(9))}`, { method: 'DELETE' });
      else {
        for (const q of queues.filter((q) => q === name || q.startsWith(`${name}.`))) await mgmt(`/queues/%2F/${encodeURIComponent(q)}`, { method: 'DELETE' });
        await mgmt(`/exchanges/%2F/${encodeURIComponent(name)}`, { method: 'DELETE' });
      }
    }
    await this.connection.close();
  }
}

/** Collects the probe's records from <queue>.processed. */
export class RecordCollector {
  readonly records: ProbeRecord[] = [];

  static async start(channel: ConfirmChannel, queue: string): Promise<RecordCollector> {
    const c = new RecordCollector();
    await channel.consume(queue, (m) => m && c.records.push(JSON.parse(m.content.toString()) as ProbeRecord), { noAck: true });
    return c;
  }

  of(id: string): ProbeRecord[] {
    return this.records.filter((r) => r.id === id);
  }

  /** Distinct ids seen. */
  ids(): Set<string> {
    return new Set(this.records.map((r) => r.id));
  }

  async waitForCount(n: number, timeoutMs = 60_000): Promise<void> {
    await waitFor(() => this.records.length >= n, timeoutMs, () => `${n} records (have ${this.records.length})`);
  }
}
