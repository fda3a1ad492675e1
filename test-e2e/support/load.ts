// Load for the e2e suites with an independent AMQP client (amqplib): publish messages with ids, read the records
// the example "recorder" module writes, and compare the two sets.
import { randomBytes } from 'node:crypto';
import amqp, { type ChannelModel, type ConfirmChannel } from 'amqplib';

/** What the recorder modules publish; `at` (ms since the epoch, when the work finished) only from examples/modules/recorder.ts. */
export interface Record_ { id: string; pod: string; redelivered: boolean; retryCount: number; at?: number }

export interface Tally {
  published: number;
  recorded: number;
  /** ids recorded more than once: processed twice */
  duplicates: string[];
  /** records of deliveries the broker had to repeat (a consumer died or gave up mid-message) */
  redelivered: number;
  /** published ids with no record yet */
  missing: string[];
}

export class Load {
  readonly published = new Set<string>();
  readonly records: Record_[] = [];
  private readonly prefix = randomBytes(3).toString('hex');
  private serial = 0;
  private checked = false;
  /** Running trickles, stopped by close() (a test that fails mid-trickle never stops its own). */
  private readonly trickles = new Set<{ stop(): Promise<void> }>();
  private conn!: ChannelModel;
  private ch!: ConfirmChannel;
  private readonly queue: string;
  private readonly uri: string;

  constructor(uri: string, queue: string) {
    this.uri = uri;
    this.queue = queue;
  }

  /** Connects, removes what earlier runs left on the queue and its topology, declares <queue>.processed. */
  async open(): Promise<void> {
    this.conn = await amqp.connect(this.uri);
    this.ch = await this.conn.createConfirmChannel();
    for (const q of [this.queue, `${this.queue}.processed`, `${this.queue}.dead`]) await this.ch.deleteQueue(q);
    await this.ch.assertQueue(`${this.queue}.processed`, { durable: true });
    await this.ch.consume(`${this.queue}.processed`, (m) => {
      if (!m) return;
      this.records.push(JSON.parse(m.content.toString()) as Record_);
      this.ch.ack(m);
    });
  }

  /** Publishes `count` messages (confirmed), each taking `sleepMs` of work, to the queue through the default exchange. */
  async publish(count: number, sleepMs: number): Promise<void> {
    if (!this.checked) {
      await this.ch.checkQueue(this.queue); // fails loudly if the pool has not declared it: nothing is dropped unroutable
      this.checked = true;
    }
    for (let i = 0; i < count; i++) {
      const id = `${this.prefix}-${this.serial++}`;
      this.published.add(id);
      this.ch.sendToQueue(this.queue, Buffer.from(JSON.stringify({ id, sleepMs })), { persistent: true, contentType: 'application/json', messageId: id });
    }
    await this.ch.waitForConfirms();
  }

  /** Publishes `perSecond` messages a second until stopped. */
  trickle(perSecond: number, sleepMs: number): { stop(): Promise<void> } {
    let stopped = false;
    const loop = (async () => {
      while (!stopped) {
        await this.publish(perSecond, sleepMs);
        await new Promise((r) => setTimeout(r, 1000));
      }
    })();
    const trickle = { stop: async (): Promise<void> => { stopped = true; this.trickles.delete(trickle); await loop; } };
    this.trickles.add(trickle);
    return trickle;
  }

  tally(): Tally {
    const seen = new Map<string, number>();
    for (const r of this.records) seen.set(r.id, (seen.get(r.id) ?? 0) + 1);
    return {
      published: this.published.size,
      recorded: this.records.length,
      duplicates: [...seen].filter(([, n]) => n > 1).map(([id]) => id),
      redelivered: this.records.filter((r) => r.redelivered).length,
      missing: [...this.published].filter((id) => !seen.has(id)),
    };
  }

  async readyCount(): Promise<number> {
    return (await this.ch.checkQueue(this.queue)).messageCount;
  }

  async consumerCount(): Promise<number> {
    return (await this.ch.checkQueue(this.queue)).consumerCount;
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.trickles].map((t) => t.stop()));
    await this.conn.close();
  }
}
