// Runs the real operator (node operator/src/main.ts) as a child process, with its JSON log kept for assertions.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../../src/main.ts', import.meta.url));

export interface OperatorProcess {
  child: ChildProcess;
  metricsPort: number;
  healthPort: number;
  /** Parsed JSON log lines so far. */
  logs: Record<string, unknown>[];
  /** What the process wrote to stderr so far (a crash's stack). */
  stderr(): string;
  /** The last `n` log lines as JSON text, each cut to 400 characters (printed when a test fails). */
  logTail(n?: number): string;
  /** SIGTERM (graceful) or SIGKILL; resolves when the process has exited. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** Text of /metrics. */
  metrics(): Promise<string>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      s.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** Starts the operator from its TypeScript source, or from `entry` (e.g. the compiled dist/ main.js). */
export async function startOperator(kubeconfig: string, args: string[], env: Record<string, string> = {}, entry = MAIN): Promise<OperatorProcess> {
  const [metricsPort, healthPort] = [await freePort(), await freePort()];
  const child = spawn(process.execPath, [entry, '--kubeconfig', kubeconfig, '--metrics-port', String(metricsPort), '--health-port', String(healthPort), '--log-level', 'debug', ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  let buffer = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    const lines = buffer.split('\n');
    buffer = lines.pop() ?? '';
    for (const line of lines) if (line.trim()) logs.push(JSON.parse(line) as Record<string, unknown>);
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const op: OperatorProcess = {
    child, metricsPort, healthPort, logs,
    stderr: () => stderr,
    logTail: (n = 40) => logs.slice(-n).map((l) => JSON.stringify(l).slice(0, 400)).join('\n'),
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
    metrics: async () => (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text(),
  };
  // ready when the caches have synced
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`operator exited with ${child.exitCode}: ${stderr}`);
    const ok = await fetch(`http://127.0.0.1:${healthPort}/readyz`).then((r) => r.ok, () => false);
    if (ok) return op;
    await new Promise((r) => setTimeout(r, 200));
  }
  await op.stop('SIGKILL');
  throw new Error(`operator did not become ready within 30 s: ${stderr}`);
}
