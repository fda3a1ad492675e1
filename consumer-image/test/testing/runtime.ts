// Starts the real entrypoint (consumer-image/src/main.ts) as a child process and watches its JSON logs and http port.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach } from 'vitest';
import { BROKER_URI, uniqueName } from './broker.ts';
import { waitFor } from './wait.ts';

export const MAIN = fileURLToPath(new URL('../../src/main.ts', import.meta.url));
export const TEST_MODULES = fileURLToPath(new URL('./modules', import.meta.url));

export interface LogLine {
  readonly level: string;
  readonly msg: string;
  readonly [key: string]: unknown;
}

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export class RuntimeProcess {
  readonly child: ChildProcess;
  readonly podName: string;
  readonly logs: LogLine[] = [];
  #output = '';
  readonly exited: Promise<Exit>;

  constructor(env: Record<string, string>) {
    this.podName = env.HARE_POD_NAME ?? uniqueName('pod');
    this.child = spawn(process.execPath, [MAIN], {
      env: { PATH: process.env.PATH ?? '', HARE_POD_NAME: this.podName, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let partial = '';
    const onData = (chunk: Buffer): void => {
      this.#output += chunk.toString();
      partial += chunk.toString();
      const lines = partial.split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) this.#parse(line);
    };
    this.child.stdout!.on('data', onData);
    this.child.stderr!.on('data', (c: Buffer) => (this.#output += c.toString()));
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  /** Everything the process wrote to stdout and stderr. */
  get output(): string {
    return this.#output;
  }

  logged(msg: string | RegExp): LogLine[] {
    return this.logs.filter((l) => (typeof msg === 'string' ? l.msg === msg : msg.test(l.msg)));
  }

  async waitForLog(msg: string | RegExp, count = 1, timeoutMs = 60_000): Promise<LogLine> {
    await waitFor(() => this.logged(msg).length >= count || this.child.exitCode !== null, timeoutMs, () => `log ${String(msg)} x${count}\n${this.#output}`);
    const found = this.logged(msg);
    if (found.length < count) throw new Error(`process exited before logging ${String(msg)}:\n${this.#output}`);
    return found[count - 1]!;
  }

  async port(): Promise<number> {
    return (await this.waitForLog('started')).port as number;
  }

  async get(path: string, method = 'GET'): Promise<{ status: number; body: string }> {
    const res = await fetch(`http://127.0.0.1:${await this.port()}${path}`, { method });
    return { status: res.status, body: await res.text() };
  }

  async waitReady(timeoutMs = 60_000): Promise<void> {
    await this.waitForLog('consuming', 1, timeoutMs);
  }

  /** A metric's value summed over its series (label sets). */
  async metric(name: string): Promise<number> {
    const { body } = await this.get('/metrics');
    return body
      .split('\n')
      .filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `))
      .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
  }

  stop(): void {
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }

  #parse(line: string): void {
    if (!line.startsWith('{')) return;
    try {
      this.logs.push(JSON.parse(line) as LogLine);
    } catch {
      // not a log line
    }
  }
}

/** The probe module against the test broker, with an ephemeral http port; `env` overrides. */
export function startRuntime(queue: string, env: Record<string, string> = {}): RuntimeProcess {
  return new RuntimeProcess({
    HARE_MODULE: 'probe',
    HARE_MODULES_DIR: TEST_MODULES,
    HARE_BROKER_URI: BROKER_URI,
    HARE_QUEUE: queue,
    HARE_HTTP_PORT: '0',
    HARE_RETRY_DELAYS_MS: '200',
    HARE_RETRY_LIMIT: '3',
    HARE_DRAIN_TIMEOUT_SECONDS: '30',
    ...env,
  });
}

/** A startRuntime for one test file: every process it starts is stopped after each test. */
export function runtimesStoppedAfterEach(): (...args: Parameters<typeof startRuntime>) => RuntimeProcess {
  const running: RuntimeProcess[] = [];
  afterEach(() => {
    for (const p of running.splice(0)) p.stop();
  });
  return (...args) => {
    const p = startRuntime(...args);
    running.push(p);
    return p;
  };
}
