// The conformance kit end to end against the real broker: the project's runtime, the Go and Python reference
// images conform; a consumer that exits at once on SIGTERM does not, and the report says why.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);

/** Runs `npm run conformance -- <args>` (its script, without npm) and returns the exit code and the report. */
async function kit(...args: string[]): Promise<{ code: number; report: string }> {
  try {
    const { stdout } = await run(process.execPath, ['hack/conformance/main.ts', ...args], { cwd: REPO, timeout: 240_000 });
    return { code: 0, report: stdout };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, report: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

async function build(target: string): Promise<string> {
  const { stdout } = await run('bash', ['hack/images/build.sh', target], { cwd: REPO, timeout: 600_000 });
  return stdout.trim().split('\n').at(-1)!;
}

const POINTS = ['consumes from HARE_QUEUE', 'acks what it handled', 'retries through the delay cascade',
  'dead-letters past HARE_RETRY_LIMIT', 'connection named after HARE_POD_NAME', 'http endpoints', 'drains on SIGTERM'];

/** Every point reported, and passed. */
function expectConforms(result: { code: number; report: string }): void {
  expect(result.report.split('\n').filter((l) => l.includes('  FAIL  ')), result.report).toEqual([]);
  for (const point of POINTS) expect(result.report).toMatch(new RegExp(`  PASS  (required|optional)  ${point}`));
  expect(result.report).toMatch(/result: CONFORMS$/m);
  expect(result.code).toBe(0);
}

describe('conformance kit', () => {
  it("passes the project's Node runtime (the entrypoint run directly, module conformance)", async () => {
    expectConforms(await kit('--command', 'node consumer-image/src/main.ts', '--module', 'conformance', '--env', 'HARE_MODULES_DIR=examples/modules', '--strict'));
  });

  it('passes the Go reference image', async () => {
    const result = await kit('--image', await build('go-consumer'), '--strict');
    expectConforms(result);
    expect(result.report).toContain('PASS  required  runs as a numeric non-root user: USER 65532:65532');
  });

  it('passes the Go reference image on quorum queues (its quorum arguments equal the operator\'s)', async () => {
    expectConforms(await kit('--image', await build('go-consumer'), '--queue-type', 'quorum', '--strict'));
  });

  it('fails an image that declares the queue with other arguments, with the broker\'s refusal in the report', async () => {
    const result = await kit('--image', await build('go-consumer'), '--queue-type', 'quorum', '--env', 'HARE_QUEUE_TYPE=classic');
    expect(result.report).toMatch(/FAIL {2}required {2}consumes from HARE_QUEUE: the process exited with code 1 before consuming/);
    // The image declares the delay queues before the main one, so the broker names the first argument it finds unequal
    // (x-dead-letter-strategy of a quorum delay queue, or x-queue-type).
    expect(result.report).toMatch(/\| .*PRECONDITION_FAILED - inequivalent arg '(x-queue-type|x-dead-letter-strategy)'/);
    expect(result.code).toBe(1);
  });

  it('passes the Python reference image', async () => {
    const result = await kit('--image', await build('python-consumer'), '--strict');
    expectConforms(result);
    expect(result.report).toContain('PASS  required  runs as a numeric non-root user: USER 65532:65532');
  });

  it('fails a consumer that exits at once on SIGTERM, and says why', async () => {
    const result = await kit('--command', 'node hack/conformance/testing/bad-consumer.ts');
    expect(result.report).toMatch(/PASS {2}required {2}consumes from HARE_QUEUE/);
    expect(result.report).toMatch(/FAIL {2}required {2}drains on SIGTERM: \d+ message\(s\) came back redelivered after the exit: they were delivered to it \(in flight\) at SIGTERM and not acked/);
    expect(result.report).toMatch(/FAIL {2}optional {2}retries through the delay cascade: a message failing twice should come back from .*\.delay\.300 with retry_count=1, .*; seen: nothing/);
    expect(result.report).toMatch(/^result: DOES NOT CONFORM \(failed: 1 required, \d+ optional\)$/m);
    expect(result.code).toBe(1);
  });
});
