// Child-process helpers: run a command to completion with readable errors, and a progress logger.
import { execFile, spawn } from 'node:child_process';

export interface RunResult {
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  input?: string;
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** Runs a command; rejects with the command line, exit code and stderr when it fails. */
export function run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = execFile(
      cmd,
      args,
      { maxBuffer: 64 * 1024 * 1024, timeout: opts.timeoutMs ?? 120_000, env: opts.env ?? process.env, cwd: opts.cwd },
      (err, stdout, stderr) => {
        if (err) {
          const detail = String(stderr).trim() || String(stdout).trim() || err.message;
          reject(new Error(`${cmd} ${args.join(' ')} failed: ${detail}`, { cause: err }));
          return;
        }
        resolvePromise({ stdout: String(stdout), stderr: String(stderr) });
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

/** Runs a long step whose progress (stderr) goes straight to ours; resolves to its stdout, rejects with the exit code. */
export function runWithProgress(cmd: string, args: readonly string[], opts: Omit<RunOptions, 'input'> = {}): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { env: opts.env ?? process.env, cwd: opts.cwd, stdio: ['ignore', 'pipe', 'inherit'], timeout: opts.timeoutMs ?? 3_600_000 });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.once('error', reject);
    child.once('close', (code, signal) => {
      if (code === 0) resolvePromise(stdout);
      else reject(new Error(`${cmd} ${args.join(' ')} failed (${signal ?? `exit ${code}`})`));
    });
  });
}

/** Like run, but resolves to undefined instead of rejecting (for cleanup paths that must go on). */
export async function tryRun(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult | undefined> {
  try {
    return await run(cmd, args, opts);
  } catch {
    return undefined;
  }
}

let quiet = false;
/** Silences progress output (tests). */
export function setQuiet(value: boolean): void {
  quiet = value;
}

/** Progress output on stderr with a timestamp, e.g. "[cluster 14:02:11] apiserver: ready (4.1s)". */
export function log(message: string): void {
  if (quiet) return;
  const t = new Date().toISOString().slice(11, 19);
  process.stderr.write(`[cluster ${t}] ${message}\n`);
}

/** Seconds since `t0` (a performance.now() value), one decimal. */
export function since(t0: number): string {
  return `${((performance.now() - t0) / 1000).toFixed(1)}s`;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `check` until it returns a value other than undefined, or throws after `timeoutMs` with `what`. */
export async function waitFor<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      const why = last instanceof Error ? `: ${last.message}` : '';
      throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}${why}`);
    }
    await sleep(everyMs);
  }
}
