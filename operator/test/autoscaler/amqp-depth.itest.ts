// Depth sources over AMQP against the real RabbitMQ: counts, one shared connection, missing queues, reconnects, secrets.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DepthSources } from '../../src/autoscaler/depth-sources.ts';
import type { AutoscalerLog, Reading } from '../../src/autoscaler/types.ts';
import { AMQP_URI, connectionsNamed, deleteQueues, eventually, forceClose, TestClient, uniqueName } from './testing/broker.ts';

const queues: string[] = [];
let client: TestClient;

beforeAll(async () => {
  client = await TestClient.open('hare-test-publisher');
});

afterAll(async () => {
  await client.close();
  await deleteQueues(queues);
});

async function queueWith(messages: number): Promise<string> {
  const name = uniqueName('hare-as-q');
  queues.push(name);
  await client.queueWith(name, messages);
  return name;
}

function ok(r: Reading): Extract<Reading, { ok: true }>['depth'] {
  if (!r.ok) throw new Error(`expected a successful read, got ${r.kind}: ${r.error}`);
  return r.depth;
}

describe('AMQP depth source', () => {
  it('reads ready messages and consumers by passive declare', async () => {
    const sources = new DepthSources({ connectionName: uniqueName('hare-as') });
    const queue = await queueWith(12);
    const consumer = await TestClient.open('hare-test-consumer');
    await consumer.hold(queue, 2);
    const handle = sources.acquire({ uri: AMQP_URI, queue });
    const depth = await eventually(async () => {
      const d = ok(await handle.read());
      expect(d).toEqual({ ready: 10, consumers: 1 });
      return d;
    });
    expect(depth.unacked).toBeUndefined(); // unknown without the management API, not 0
    await consumer.close();
    await sources.close();
  });

  it('shares one connection per broker URI among many pools', async () => {
    const name = uniqueName('hare-as-shared');
    const sources = new DepthSources({ connectionName: name });
    const names = await Promise.all(Array.from({ length: 25 }, (_, i) => queueWith(i)));
    const handles = names.map((queue) => sources.acquire({ uri: AMQP_URI, queue }));
    const readings = await Promise.all(handles.map((h) => h.read()));
    expect(readings.map((r) => ok(r).ready)).toEqual(names.map((_, i) => i));
    // a second spelling of a broker URI is a distinct broker to the registry: a second connection
    const other = sources.acquire({ uri: AMQP_URI.replace('127.0.0.1', 'localhost'), queue: names[3]! });
    expect(ok(await other.read()).ready).toBe(3);
    await eventually(async () => expect(await connectionsNamed(name)).toHaveLength(2));
    expect(sources.connections).toBe(2);
    await sources.close();
    await eventually(async () => expect(await connectionsNamed(name)).toHaveLength(0));
  });

  it('reads a missing queue as an error, not as zero, without disturbing reads sharing the channel', async () => {
    const name = uniqueName('hare-as-missing');
    const sources = new DepthSources({ connectionName: name });
    const present = await Promise.all(Array.from({ length: 8 }, () => queueWith(5)));
    const missing = Array.from({ length: 3 }, () => uniqueName('hare-as-nope'));
    const refs = [...present, ...missing].sort().map((queue) => ({ queue, handle: sources.acquire({ uri: AMQP_URI, queue }) }));
    for (let round = 0; round < 3; round++) {
      const readings = await Promise.all(refs.map(async ({ queue, handle }) => ({ queue, reading: await handle.read() })));
      for (const { queue, reading } of readings) {
        if (missing.includes(queue)) expect(reading).toMatchObject({ ok: false, kind: 'notFound', error: expect.stringContaining(queue) as string });
        else expect(ok(reading).ready).toBe(5);
      }
    }
    await eventually(async () => expect(await connectionsNamed(name)).toHaveLength(1));
    await sources.close();
  });

  it('closes the connection when the last pool releases it', async () => {
    const name = uniqueName('hare-as-release');
    const sources = new DepthSources({ connectionName: name });
    const queue = await queueWith(1);
    const a = sources.acquire({ uri: AMQP_URI, queue });
    const b = sources.acquire({ uri: AMQP_URI, queue });
    await Promise.all([a.read(), b.read()]);
    await a.release();
    await a.release(); // idempotent: must not drop b's reference
    expect(ok(await b.read()).ready).toBe(1);
    await eventually(async () => expect(await connectionsNamed(name)).toHaveLength(1));
    await b.release();
    expect(sources.brokers).toEqual({ amqp: 0, management: 0 });
    await eventually(async () => expect(await connectionsNamed(name)).toHaveLength(0));
  });

  it('reopens the connection after the broker closes it', async () => {
    const name = uniqueName('hare-as-reconnect');
    const sources = new DepthSources({ connectionName: name });
    const queue = await queueWith(4);
    const handle = sources.acquire({ uri: AMQP_URI, queue });
    expect(ok(await handle.read()).ready).toBe(4);
    const [before] = await eventually(async () => {
      const list = await connectionsNamed(name);
      expect(list).toHaveLength(1);
      return list;
    });
    await forceClose(before!.name);
    await eventually(async () => expect(ok(await handle.read()).ready).toBe(4));
    await eventually(async () => {
      const after = await connectionsNamed(name);
      expect(after).toHaveLength(1);
      expect(after[0]!.name).not.toBe(before!.name);
    });
    await sources.close();
  });
});

describe('AMQP depth source failures', () => {
  it('fails fast while waiting to reconnect to an unreachable broker', async () => {
    const sources = new DepthSources({ backoff: { baseMs: 60_000, maxMs: 60_000 } });
    const handle = sources.acquire({ uri: 'amqp://guest:guest@127.0.0.1:1', queue: 'orders' });
    const first = await handle.read();
    expect(first).toMatchObject({ ok: false, kind: 'unreachable' });
    const second = await handle.read();
    expect(second).toMatchObject({ ok: false, kind: 'unreachable', error: expect.stringMatching(/next connection attempt in \d+ s/) as string });
    expect(second.latencyMs).toBeLessThan(50);
    await sources.close();
  });

  it('never puts credentials in failures or logs', async () => {
    const lines: string[] = [];
    const capture = (obj: object, msg: string): void => void lines.push(`${msg} ${JSON.stringify(obj)}`);
    const log: AutoscalerLog = { debug: capture, info: capture, warn: capture };
    const sources = new DepthSources({ log });
    const secret = 'hunter2-not-the-password';
    const amqpOnly = sources.acquire({ uri: `amqp://guest:${secret}@127.0.0.1:5672/%2F`, queue: 'q' });
    const withApi = sources.acquire({ uri: AMQP_URI, managementUri: `http://guest:${secret}@127.0.0.1:15672`, queue: 'q' });
    const readings = await Promise.all([amqpOnly.read(), withApi.read()]);
    expect(readings).toMatchObject([{ ok: false, kind: 'unreachable' }, { ok: false }]);
    await eventually(() => expect(lines.join('\n')).toContain('cannot connect'));
    for (const text of [...lines, JSON.stringify(readings)]) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain(Buffer.from(`guest:${secret}`).toString('base64'));
    }
    await sources.close();
  });
});
