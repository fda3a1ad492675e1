// A connection or channel that the real broker opens after the read's timeout, made late by a slow proxy:
// it is closed (the broker's lists show it gone), and an error on it does not crash the process.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DepthSources } from '../../src/autoscaler/depth-sources.ts';
import { channelsOnPort, connectionsOnPort, deleteQueues, eventually, TestClient, uniqueName } from './testing/broker.ts';
import { slowProxy, type SlowProxy } from './testing/slow-proxy.ts';

const LATE_READ = fileURLToPath(new URL('./testing/late-read.ts', import.meta.url));
/** Every chunk from the broker is held this long: the three handshake replies take 1.8 s, past the 1 s timeout. */
const HANDSHAKE_DELAY_MS = 600;
const TIMEOUT_MS = 1000;

let client: TestClient;
let proxy: SlowProxy;
const queues: string[] = [];

beforeAll(async () => {
  client = await TestClient.open('hare-test-late');
});

afterAll(async () => {
  await client.close();
  await deleteQueues(queues);
});

async function freshProxy(): Promise<SlowProxy> {
  await proxy?.close();
  proxy = await slowProxy();
  return proxy;
}

function runLateRead(uri: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [LATE_READ, uri, String(TIMEOUT_MS), '3000'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

describe('AMQP connections and channels that open after the timeout', () => {
  afterAll(async () => proxy?.close());

  it('closes a connection the broker accepted after the read gave up', async () => {
    const p = await freshProxy();
    p.delayMs = HANDSHAKE_DELAY_MS;
    const sources = new DepthSources({ connectionName: uniqueName('hare-as-late'), timeoutMs: TIMEOUT_MS, backoff: { baseMs: 60_000, maxMs: 60_000 } });
    const reading = await sources.acquire({ uri: p.uri, queue: 'hare-late' }).read();
    expect(reading).toMatchObject({ ok: false, kind: 'timeout' });
    const late = await eventually(() => {
      expect(p.connections[0]?.opened).toBe(true); // the broker's OpenOk went through, after the timeout
      return p.connections[0]!;
    });
    await eventually(async () => {
      expect(late.clientEnded).toBe(true);
      expect(await connectionsOnPort(late.brokerPort)).toEqual([]);
    }, 15_000);
    await sources.close();
  });

  it('does not crash when a connection that opened late then fails', async () => {
    const p = await freshProxy();
    p.delayMs = HANDSHAKE_DELAY_MS;
    p.dropAfterOpenMs = 50;
    const run = await runLateRead(p.uri);
    const lines = run.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { msg: string; reading?: { kind?: string } });
    expect(p.connections[0]?.opened).toBe(true);
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    expect(lines.find((l) => l.msg === 'read')?.reading?.kind).toBe('timeout');
    expect(lines.map((l) => l.msg)).toContain('autoscaler broker connection error'); // the late connection did fail
  });

  it('closes a channel that opened after the read gave up, and reads on a fresh one', async () => {
    const queue = uniqueName('hare-as-late-q');
    queues.push(queue);
    await client.queueWith(queue, 3);
    const p = await freshProxy();
    const sources = new DepthSources({ connectionName: uniqueName('hare-as-late-ch'), timeoutMs: TIMEOUT_MS });
    const handle = sources.acquire({ uri: p.uri, queue });
    expect(await handle.read()).toMatchObject({ ok: true, depth: { ready: 3 } });
    const port = p.connections[0]!.brokerPort;
    p.delayMs = 1500;
    expect(await handle.read()).toMatchObject({ ok: false, kind: 'timeout' }); // the declare: its channel is dropped
    expect(await handle.read()).toMatchObject({ ok: false, kind: 'timeout' }); // opening the next channel
    p.delayMs = 0;
    await sleep(1000); // the late Channel.OpenOk arrives
    await eventually(async () => expect(await handle.read()).toMatchObject({ ok: true, depth: { ready: 3 } }));
    // amqplib numbers channels from the lowest free one: the fresh channel is 1 (the first one is closed by now),
    // and a leaked late channel would hold 2. The broker lists channels up to ~3 s late.
    await eventually(async () => expect(await channelsOnPort(port)).toEqual([1]));
    await sleep(3000);
    expect(await channelsOnPort(port)).toEqual([1]);
    expect(p.connections).toHaveLength(1);
    await sources.close();
  });
});
