// npm run consumer:local (hack/run-module.ts) against the real broker: a module file run with no cluster, its topology
// declared as the operator declares it, handled messages, a retry through the delay cascade, and a drain on SIGTERM.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ProcessedRecord } from '../../examples/modules/recorder.ts';
import { BROKER_URI, TestBroker, uniqueName } from './testing/broker.ts';
import { waitFor } from './testing/wait.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
let broker: TestBroker;
beforeEach(async () => void (broker = await TestBroker.open()));
afterEach(async () => broker.close());

describe('consumer:local', () => {
  it('runs examples/modules/recorder.ts on a queue it declared, retries through the delay queue, and drains on SIGTERM', async () => {
    const queue = uniqueName('local-run');
    const exchange = `${queue}.in`;
    const records = await broker.prepare(queue, exchange);
    // the npm script's command (npm itself exits by the signal, without the runtime's exit code)
    const child = spawn(process.execPath, ['hack/run-module.ts', '--module', 'examples/modules/recorder.ts', '--queue', queue, '--exchange', exchange,
      '--retry-delays', '300', '--broker', BROKER_URI, '--http-port', '0'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await waitFor(() => out.includes('"msg":"consuming"'), 30_000, () => `the runtime consuming; output:\n${out}`);
      expect(out).toContain(`consumer:local: declared exchange '${exchange}' and '${queue}', queue '${queue}', 1 delay queue(s) and '${queue}.dead'`);
      await broker.publish(queue, { id: 'a' }, {}, exchange);
      await records.waitForCount(1, 10_000);
      const record = records.records[0] as unknown as ProcessedRecord;
      expect(record).toMatchObject({ id: 'a', queue, pod: 'recorder-local', retryCount: 0 });
      // the record's queue gone: the publish is unroutable, the message goes through <queue>.delay.300 and comes back
      await broker.channel.deleteQueue(`${queue}.processed`);
      await broker.publish(queue, { id: 'b' }, {}, exchange);
      await waitFor(() => out.includes('"msg":"handler failed; retry in 300 ms"'), 10_000, () => `a retry; output:\n${out}`);
      await broker.channel.assertQueue(`${queue}.processed`, { durable: true });
      const retried = await TestBroker.open();
      try {
        const again = await retried.prepare(`${queue}`);
        await again.waitForCount(1, 10_000);
        expect(again.records[0] as unknown as ProcessedRecord).toMatchObject({ id: 'b', retryCount: 1 });
      } finally {
        await retried.connection.close();
      }
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited, out).toBe(0);
    expect(out).toContain('"msg":"drained"');
  });
});
