// Runs the real consumer runtime as the examples image's container would, for a stand-in kubelet to report how it ended.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ENV } from '../../../consumer-image/src/contract.ts';

const RUNTIME = fileURLToPath(new URL('../../../consumer-image/src/main.ts', import.meta.url));
/** What localhost/hare/examples:0.1.0 holds in /app/modules (examples/Dockerfile). */
const EXAMPLE_MODULES = fileURLToPath(new URL('../../../examples/modules', import.meta.url));

export interface Exited {
  exitCode: number;
  /** What the runtime left in its termination log (the kubelet's lastState.terminated.message). */
  message: string;
}

/**
 * Starts the runtime with the container's environment and a termination log, as the kubelet would start the
 * container; resolves to its exit, or to 'running' (and stops it) when it still runs after `timeoutMs`.
 */
export async function runContainer(env: Record<string, string>, timeoutMs = 15_000): Promise<Exited | 'running'> {
  const dir = mkdtempSync(join(tmpdir(), 'hare-container-'));
  const log = join(dir, 'termination-log');
  writeFileSync(log, ''); // the kubelet creates the file and mounts it at /dev/termination-log
  try {
    const child = spawn(process.execPath, [RUNTIME], {
      env: { PATH: process.env.PATH ?? '', ...env, [ENV.modulesDir]: EXAMPLE_MODULES, [ENV.httpPort]: '0', [ENV.terminationLog]: log },
      stdio: 'ignore',
    });
    const exitCode = await new Promise<number | 'running'>((resolve) => {
      const timer = setTimeout(() => { child.kill('SIGKILL'); resolve('running'); }, timeoutMs);
      child.once('exit', (code) => { clearTimeout(timer); resolve(code ?? 137); });
    });
    return exitCode === 'running' ? 'running' : { exitCode, message: readFileSync(log, 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
