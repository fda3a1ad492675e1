// The module API outside this repository: `npm pack` of the runtime, installed into a copy of examples/module-repo,
// which then type-checks and runs its tests with the kit (npm's cache first; node --test, no broker needed).
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const RUNTIME = fileURLToPath(new URL('..', import.meta.url));
const EXAMPLE = fileURLToPath(new URL('../../examples/module-repo', import.meta.url));

/** Exit code and output of a command in the example's copy; never throws. */
async function sh(cwd: string, file: string, args: string[]): Promise<{ code: number; out: string; stdout: string }> {
  try {
    const { stdout, stderr } = await run(file, args, { cwd, maxBuffer: 16 << 20 });
    return { code: 0, out: stdout + stderr, stdout };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, out: `${e.stdout ?? ''}${e.stderr ?? ''}`, stdout: e.stdout ?? '' };
  }
}

describe('the packed module API', () => {
  let dir: string;
  let files: string[];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hare-module-repo-'));
    cpSync(EXAMPLE, dir, { recursive: true, filter: (src) => !/node_modules|vendor/.test(src) });
    mkdirSync(join(dir, 'vendor'));
    const packed = await sh(RUNTIME, 'npm', ['pack', '--json', '--pack-destination', join(dir, 'vendor')]);
    expect(packed.code, packed.out).toBe(0);
    files = (JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path);
    const installed = await sh(dir, 'npm', ['install', '--prefer-offline', '--no-audit', '--no-fund']);
    expect(installed.code, installed.out).toBe(0);
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('ships compiled JS and declarations for the API and the kit, not the TypeScript sources or tests', () => {
    expect(files).toEqual(expect.arrayContaining(['dist/api.js', 'dist/api.d.ts', 'dist/testing.js', 'dist/testing.d.ts', 'dist/main.js']));
    expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual(['src/api.ts']);
    expect(files.filter((f) => f.includes('.test.'))).toEqual([]);
    expect(readdirSync(join(dir, 'node_modules/@hare-operator/consumer-runtime/dist'))).toContain('testing.d.ts');
  });

  it("type-checks the example's module and test against the installed declarations, and catches a wrong type", async () => {
    const ok = await sh(dir, 'npx', ['tsc', '--noEmit']);
    expect(ok.code, ok.out).toBe(0);
    writeFileSync(join(dir, 'test/wrong-type.test.ts'), "import { runConsume } from '@hare-operator/consumer-runtime/testing';\nawait runConsume(() => undefined, {}, { retryLimit: 'two' });\n");
    const bad = await sh(dir, 'npx', ['tsc', '--noEmit']);
    expect(bad.out).toMatch(/wrong-type\.test\.ts.*'string' is not assignable to type 'number'/);
    rmSync(join(dir, 'test/wrong-type.test.ts'));
  });

  it("runs the example's tests with the installed kit, and a wrong expectation fails", async () => {
    const ok = await sh(dir, 'npm', ['test']);
    expect(ok.code, ok.out).toBe(0);
    expect(ok.out).toMatch(/ℹ pass 3\nℹ fail 0/);
    writeFileSync(join(dir, 'test/wrong.test.ts'), [
      "import assert from 'node:assert/strict';",
      "import { it } from 'node:test';",
      "import { runConsume } from '@hare-operator/consumer-runtime/testing';",
      "import { consume } from '../src/orders.ts';",
      "it('acks a negative total', async () => assert.equal((await runConsume(consume, { body: { id: 'x', total: -1 } })).outcome, 'ack'));",
    ].join('\n'));
    const bad = await sh(dir, 'node', ['--test', 'test/wrong.test.ts']);
    expect(bad.code).not.toBe(0);
    expect(bad.out).toMatch(/'reject' !== 'ack'|actual: 'reject'/);
  });
});
