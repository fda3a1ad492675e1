// Start-up failures of the real entrypoint: bad configuration and a missing module exit non-zero with a
// message naming the problem (and never the credentials).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RuntimeProcess, TEST_MODULES } from './testing/runtime.ts';

const SECRET_URI = 'amqp://app:Very-Secret-Startup-Pw@127.0.0.1:5672/';
const dir = mkdtempSync(join(tmpdir(), 'hare-startup-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(env: Record<string, string>): Promise<{ code: number | null; output: string; fatal: string }> {
  const p = new RuntimeProcess({ HARE_HTTP_PORT: '0', ...env });
  const { code } = await p.exited;
  return { code, output: p.output, fatal: p.logs.find((l) => l.level === 'fatal')?.msg ?? '' };
}

describe('start-up', () => {
  it('bad configuration: exit 2, every bad variable named, no credentials', async () => {
    const r = await run({ HARE_MODULE: 'probe', HARE_MODULES_DIR: TEST_MODULES, HARE_BROKER_URI: SECRET_URI, HARE_PREFETCH: '0', HARE_QUEUE_TYPE: 'stream' });
    expect(r.code).toBe(2);
    expect(r.fatal).toMatch(/^invalid configuration: /);
    expect(r.fatal).toContain('HARE_QUEUE: is required');
    expect(r.fatal).toContain('HARE_PREFETCH: must be an integer from 1 to 65535 (got "0")');
    expect(r.fatal).toContain('HARE_QUEUE_TYPE: must be one of classic, quorum (got "stream")');
    expect(r.output).not.toContain('Very-Secret-Startup-Pw');
  });

  it('a broker URI that is not amqp: exit 2 naming HARE_BROKER_URI, value not shown', async () => {
    const r = await run({ HARE_MODULE: 'probe', HARE_QUEUE: 'q', HARE_BROKER_URI: 'https://app:Very-Secret-Startup-Pw@host/' });
    expect(r.code).toBe(2);
    expect(r.fatal).toContain('HARE_BROKER_URI: must be an amqp:// or amqps:// URI');
    expect(r.output).not.toContain('Very-Secret-Startup-Pw');
  });

  it('a missing module: exit 2, the module and the folder named', async () => {
    const r = await run({ HARE_MODULE: 'no-such-module', HARE_MODULES_DIR: dir, HARE_QUEUE: 'q', HARE_BROKER_URI: SECRET_URI });
    expect(r.code).toBe(2);
    expect(r.fatal).toContain("consumer module 'no-such-module' not found");
    expect(r.fatal).toContain(join(dir, 'no-such-module'));
    expect(r.output).not.toContain('Very-Secret-Startup-Pw');
  });

  it('a fatal exit leaves its message in the termination log, as the kubelet then reports it', async () => {
    const log = join(dir, 'termination-log');
    writeFileSync(log, ''); // the kubelet creates the file; the runtime only writes into it
    const r = await run({ HARE_MODULE: 'ordrs', HARE_MODULES_DIR: dir, HARE_QUEUE: 'q', HARE_BROKER_URI: SECRET_URI, HARE_TERMINATION_LOG: log });
    expect(r.code).toBe(2);
    expect(readFileSync(log, 'utf8')).toBe(r.fatal);
    expect(r.fatal).toContain("consumer module 'ordrs' not found");
    writeFileSync(log, '');
    await run({ HARE_MODULE: 'probe', HARE_BROKER_URI: SECRET_URI, HARE_PREFETCH: '0', HARE_TERMINATION_LOG: log });
    expect(readFileSync(log, 'utf8')).toMatch(/^invalid configuration: .*HARE_PREFETCH/);
    expect(readFileSync(log, 'utf8')).not.toContain('Very-Secret-Startup-Pw');
  });

  it('a module without consume() or consumeBatch(): exit 2 with the reason', async () => {
    writeFileSync(join(dir, 'empty.mjs'), 'export const nothing = 1;\n');
    const r = await run({ HARE_MODULE: 'empty', HARE_MODULES_DIR: dir, HARE_QUEUE: 'q', HARE_BROKER_URI: SECRET_URI });
    expect(r.code).toBe(2);
    expect(r.fatal).toContain("consumer module 'empty' does not export a consume(message, context) or consumeBatch(messages, context) function");
  });
});
