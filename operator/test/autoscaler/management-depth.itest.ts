// Depth sources with the management API against the real RabbitMQ: unacked counts, per-pod unacked, failures.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DepthSources } from '../../src/autoscaler/depth-sources.ts';
import type { QueueDepth, Reading } from '../../src/autoscaler/types.ts';
import { plan } from '../../src/reconcile/plan.ts';
import { makePod } from '../../src/testing/fixtures.ts';
import { AMQP_URI, connectionsNamed, deleteQueues, eventually, MANAGEMENT_URI, management, TestClient, uniqueName } from './testing/broker.ts';

const queues: string[] = [];
const clients: TestClient[] = [];
let publisher: TestClient;

beforeAll(async () => {
  await management('/api/overview'); // fails loudly when the plugin is off
  publisher = await TestClient.open('hare-test-publisher');
});

afterAll(async () => {
  for (const c of [publisher, ...clients]) await c.close();
  await deleteQueues(queues);
});

async function queueWith(messages: number): Promise<string> {
  const name = uniqueName('hare-as-mq');
  queues.push(name);
  await publisher.queueWith(name, messages);
  return name;
}

async function pod(name: string): Promise<TestClient> {
  const c = await TestClient.open(name);
  clients.push(c);
  return c;
}

function depthOf(r: Reading): QueueDepth {
  if (!r.ok) throw new Error(`expected a successful read, got ${r.kind}: ${r.error}`);
  return r.depth;
}

describe('management API depth source', () => {
  it('counts unacked messages and attributes them to the pods holding them, idle pods at 0', async () => {
    const sources = new DepthSources({ connectionName: uniqueName('hare-as-mgmt') });
    const queue = await queueWith(20);
    const handle = sources.acquire({ uri: AMQP_URI, managementUri: MANAGEMENT_URI, queue });
    const [podA, podB] = [uniqueName('orders-a'), uniqueName('orders-b')];
    await (await pod(podA)).hold(queue, 5);
    await (await pod(podB)).hold(queue, 3);
    // the management API's statistics lag a few seconds behind the broker
    const busy = await eventually(async () => {
      const d = depthOf(await handle.read());
      expect(d).toMatchObject({ ready: 12, unacked: 8, consumers: 2, perConnectionUnacked: { [podA]: 5, [podB]: 3 } });
      return d;
    });
    expect(Object.keys(busy.perConnectionUnacked ?? {})).toHaveLength(2);

    const podC = uniqueName('orders-c');
    await (await pod(podC)).drain(queue); // takes and acknowledges the 12 ready messages, then sits idle
    await eventually(async () => {
      const d = depthOf(await handle.read());
      expect(d).toMatchObject({ ready: 0, unacked: 8, consumers: 3, perConnectionUnacked: { [podA]: 5, [podB]: 3, [podC]: 0 } });
    });
    await sources.close();
  });

  it('tells unnamed connections apart by their peer address, and the plan removes the idle pod by its IP', async () => {
    const sources = new DepthSources({ connectionName: uniqueName('hare-as-peer') });
    const queue = await queueWith(20);
    const handle = sources.acquire({ uri: AMQP_URI, managementUri: MANAGEMENT_URI, queue });
    const busyPod = await TestClient.unnamedFrom('127.0.0.2');
    const idlePod = await TestClient.unnamedFrom('127.0.0.3');
    clients.push(busyPod, idlePod);
    await busyPod.hold(queue, 6);
    await idlePod.drain(queue); // takes and acknowledges the other 14, then holds nothing
    const depth = await eventually(async () => {
      const d = depthOf(await handle.read());
      expect(d).toMatchObject({ ready: 0, unacked: 6, consumers: 2 });
      expect(d.perPeerUnacked).toEqual({ '127.0.0.2': 6, '127.0.0.3': 0 });
      return d;
    });
    // neither name is a pod name: by name alone both pods would be unknown and the newest would go
    const pods = [makePod({ name: 'holding', ip: '127.0.0.2', created: 200 }), makePod({ name: 'idle', ip: '127.0.0.3', created: 100 })];
    const busy = { byName: new Map(Object.entries(depth.perConnectionUnacked ?? {})), byAddress: new Map(Object.entries(depth.perPeerUnacked ?? {})) };
    expect(plan({ replicas: 1, templateHash: 'h1', pods, busy }).delete.map((d) => d.pod.metadata?.name)).toEqual(['idle']);
    expect(plan({ replicas: 1, templateHash: 'h1', pods }).delete.map((d) => d.pod.metadata?.name)).toEqual(['holding']);
    await sources.close();
  });

  it('reports publish and delivery rates when the broker keeps statistics', async () => {
    const sources = new DepthSources();
    const queue = await queueWith(30);
    const handle = sources.acquire({ uri: AMQP_URI, managementUri: MANAGEMENT_URI, queue });
    await eventually(async () => expect(depthOf(await handle.read()).rates).toBeDefined());
    await sources.close();
  });

  it('shares one AMQP connection and one API client among many pools', async () => {
    const name = uniqueName('hare-as-mgmt-shared');
    const sources = new DepthSources({ connectionName: name });
    const names = await Promise.all(Array.from({ length: 10 }, (_, i) => queueWith(i)));
    const handles = names.map((queue) => sources.acquire({ uri: AMQP_URI, managementUri: MANAGEMENT_URI, queue }));
    // a queue's first statistics take a few seconds to appear; until then its reads fail rather than guess
    await eventually(async () => {
      const depths = (await Promise.all(handles.map((h) => h.read()))).map(depthOf);
      expect(depths.map((d) => d.ready + (d.unacked ?? 0))).toEqual(names.map((_, i) => i));
    });
    expect(sources.brokers).toEqual({ amqp: 1, management: 1 });
    await eventually(async () => expect(await connectionsNamed(name)).toHaveLength(1));
    await sources.close();
  });

  it('fails the read (never a ready-only reading) when the management API refuses the credentials', async () => {
    const sources = new DepthSources();
    const queue = await queueWith(3);
    const bad = new URL(MANAGEMENT_URI);
    bad.password = 'wrong-password';
    const handle = sources.acquire({ uri: AMQP_URI, managementUri: bad.href, queue });
    const reading = await handle.read();
    expect(reading).toMatchObject({ ok: false, kind: 'accessRefused' });
    expect(JSON.stringify(reading)).not.toContain('wrong-password');
    await sources.close();
  });

  it('fails the read when the management API is unreachable', async () => {
    const sources = new DepthSources({ timeoutMs: 2000 });
    const queue = await queueWith(3);
    const handle = sources.acquire({ uri: AMQP_URI, managementUri: 'http://guest:guest@127.0.0.1:1', queue });
    expect(await handle.read()).toMatchObject({ ok: false, kind: 'unreachable', error: expect.stringContaining('management API') as string });
    await sources.close();
  });

  it('reads a missing queue as not found', async () => {
    const sources = new DepthSources();
    const handle = sources.acquire({ uri: AMQP_URI, managementUri: MANAGEMENT_URI, queue: uniqueName('hare-as-nope') });
    expect(await handle.read()).toMatchObject({ ok: false, kind: 'notFound' });
    await sources.close();
  });
});
