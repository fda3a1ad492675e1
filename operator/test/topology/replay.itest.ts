// Dead-letter replay against the real RabbitMQ: counts, headers, and a connection lost mid-replay (the operator dying)
// that neither loses nor duplicates a message once the request resumes on a new connection.
import type { Socket } from 'node:net';
import { connect, type ChannelModel, type ConfirmChannel } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { markerQueueName, moveDead, type MoveOptions, type ReplayProgress } from '../../src/replay/mover.ts';
import { AMQP_URI, uniqueName } from '../autoscaler/testing/broker.ts';

let conn: ChannelModel;
let ch: ConfirmChannel;
const made: string[] = [];

beforeAll(async () => {
  conn = await connect(AMQP_URI, { noDelay: true }); // as the operator's broker connection: no Nagle between ack and get
  ch = await conn.createConfirmChannel();
});
afterAll(async () => {
  for (const q of made) await ch.deleteQueue(q);
  await conn.close();
});

/** A queue and its dead queue holding `n` messages as the runtime dead-letters them (retry count, cause, reason). */
async function deadLetters(n: number): Promise<string> {
  const queue = uniqueName('replay');
  made.push(queue, `${queue}.dead`, markerQueueName(queue));
  await ch.assertQueue(queue, { durable: true });
  await ch.assertQueue(`${queue}.dead`, { durable: true });
  for (let i = 0; i < n; i++) {
    ch.sendToQueue(`${queue}.dead`, Buffer.from(JSON.stringify({ id: i })), {
      persistent: true, messageId: `m-${i}`, contentType: 'application/json',
      headers: { retry_count: 5, 'x-hare-dead-cause': 'retry-limit', 'x-hare-dead-reason': 'boom', tenant: 'acme' },
    });
  }
  await ch.waitForConfirms();
  return queue;
}

/** Every message now in `queue`, taken off it (acked). */
async function drain(queue: string): Promise<{ id: string; headers: Record<string, unknown> }[]> {
  const out: { id: string; headers: Record<string, unknown> }[] = [];
  for (let m = await ch.get(queue); m !== false; m = await ch.get(queue)) {
    out.push({ id: String(m.properties.messageId), headers: m.properties.headers ?? {} });
    ch.ack(m);
  }
  return out;
}

const options = (queue: string, requestId: string, count: number | undefined, extra: Partial<MoveOptions> = {}): MoveOptions => ({
  queue, requestId, count, batch: 20, onProgress: () => Promise.resolve(), pause: () => Promise.resolve(), ...extra,
});
const depth = async (q: string): Promise<number> => (await ch.checkQueue(q)).messageCount;

describe('moveDead on the real broker', () => {
  it('moves 150 of 200, then the rest: each message once more, retry history gone, other headers kept', async () => {
    const queue = await deadLetters(200);
    const seen: ReplayProgress[] = [];
    const first = await moveDead(conn, options(queue, 'r1', 150, { onProgress: (p) => { seen.push(p); return Promise.resolve(); } }));
    expect(first).toEqual({ requestId: 'r1', requested: 150, moved: 150 });
    expect(seen.map((p) => p.moved)).toEqual([20, 40, 60, 80, 100, 120, 140, 150]);
    expect([await depth(queue), await depth(`${queue}.dead`)]).toEqual([150, 50]);
    // the same request again moves nothing more: it was carried out
    expect(await moveDead(conn, options(queue, 'r1', 150))).toEqual({ requestId: 'r1', requested: 150, moved: 150 });
    const rest = await moveDead(conn, options(queue, 'r2', undefined));
    expect(rest).toEqual({ requestId: 'r2', requested: 50, moved: 50 });
    const moved = await drain(queue);
    expect(moved.map((m) => m.id).sort()).toEqual(Array.from({ length: 200 }, (_, i) => `m-${i}`).sort());
    expect(moved[0]!.headers).toEqual({ tenant: 'acme', 'x-hare-replay': 'r1' });
    expect(await depth(`${queue}.dead`)).toBe(0);
  });

  it('a connection lost mid-replay, then the request resumed on a new one: nothing lost, nothing twice', async () => {
    const queue = await deadLetters(400);
    const doomed = await connect(AMQP_URI, { noDelay: true });
    doomed.on('error', () => undefined);
    let batches = 0;
    const cut = moveDead(doomed, options(queue, 'r3', 300, {
      batch: 50,
      // the operator dies during the third batch: the connection goes while copies are being published
      pause: () => {
        if (++batches === 2) setTimeout(() => (doomed.connection as unknown as { stream: Socket }).stream.destroy(new Error('operator killed')), 1);
        return Promise.resolve();
      },
    }));
    await expect(cut).rejects.toThrow();
    // two batches were committed; the third, cut in the middle, rolled back whole
    await new Promise((r) => setTimeout(r, 500));
    expect([await depth(queue), await depth(`${queue}.dead`)]).toEqual([100, 300]);
    const resumed = await moveDead(conn, options(queue, 'r3', 300, { batch: 50 }));
    expect(resumed).toMatchObject({ requested: 300, moved: 300 });
    const ids = (await drain(queue)).map((m) => m.id);
    expect(ids).toHaveLength(300);
    expect(new Set(ids).size).toBe(300);
    expect(await depth(`${queue}.dead`)).toBe(100);
  });
});
