// Long-running cluster processes: start detached with a log file and a pid file, find, stop, show log tails.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, readlinkSync, writeSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ClusterConfig } from './config.ts';
import { statePaths } from './config.ts';
import type { Command } from './control-plane-args.ts';
import { sleep } from './exec.ts';

interface PidFile {
  pid: number;
  bin: string;
}

const pidPath = (cfg: ClusterConfig, name: string): string => join(statePaths(cfg).run, `${name}.pid`);
export const logPath = (cfg: ClusterConfig, name: string): string => join(cfg.logDir, `${name}.log`);

/** True when `pid` is a live (non-zombie) process running `bin`, so a recycled pid is never mistaken for ours. */
export function isAlive(pid: number, bin: string): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    if (/\) Z /.test(stat)) return false;
    return readlinkSync(`/proc/${pid}/exe`).replace(/ \(deleted\)$/, '') === bin;
  } catch {
    return false;
  }
}

/** The pid of a running daemon started by us, or undefined. */
export async function runningPid(cfg: ClusterConfig, name: string): Promise<number | undefined> {
  try {
    const p = JSON.parse(await readFile(pidPath(cfg, name), 'utf8')) as PidFile;
    return isAlive(p.pid, p.bin) ? p.pid : undefined;
  } catch {
    return undefined;
  }
}

/** Starts `cmd` in its own session (it outlives the caller), output to logs/<name>.log. */
export async function startDaemon(cfg: ClusterConfig, name: string, cmd: Command, opts: { append?: boolean; env?: NodeJS.ProcessEnv } = {}): Promise<number> {
  if (!existsSync(cmd.bin)) throw new Error(`${name}: binary ${cmd.bin} is missing`);
  await mkdir(cfg.logDir, { recursive: true });
  await mkdir(statePaths(cfg).run, { recursive: true });
  const fd = openSync(logPath(cfg, name), opts.append ? 'a' : 'w');
  writeSync(fd, `=== ${new Date().toISOString()} ${cmd.bin} ${cmd.args.join(' ')}\n`);
  try {
    const child = spawn(cmd.bin, cmd.args, { detached: true, stdio: ['ignore', fd, fd], env: opts.env ?? process.env });
    const pid = await new Promise<number>((resolvePid, reject) => {
      child.once('error', (e) => reject(new Error(`${name}: cannot start ${cmd.bin}: ${e.message}`, { cause: e })));
      child.once('spawn', () => resolvePid(child.pid ?? -1));
    });
    child.unref();
    const real = readlinkSync(`/proc/${pid}/exe`).replace(/ \(deleted\)$/, '');
    await writeFile(pidPath(cfg, name), JSON.stringify({ pid, bin: real } satisfies PidFile));
    return pid;
  } finally {
    closeSync(fd);
  }
}

/** The last `lines` lines of a daemon's log, for error messages. */
export function logTail(cfg: ClusterConfig, name: string, lines = 15): string {
  try {
    const text = readFileSync(logPath(cfg, name), 'utf8').trimEnd().split('\n');
    return text.slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Throws with the log tail when the daemon is no longer running; used inside readiness polls. */
export async function assertRunning(cfg: ClusterConfig, name: string): Promise<void> {
  if ((await runningPid(cfg, name)) === undefined) {
    throw new Error(`${name} exited; last lines of ${logPath(cfg, name)}:\n${logTail(cfg, name)}`);
  }
}

/** Sends SIGTERM, waits up to `graceMs`, then SIGKILL; waits until the process is gone. */
export async function stopPid(pid: number, bin: string, graceMs = 15_000): Promise<void> {
  const signal = (s: NodeJS.Signals): void => {
    try {
      process.kill(pid, s);
    } catch {
      /* already gone */
    }
  };
  signal('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isAlive(pid, bin) && Date.now() < deadline) await sleep(100);
  if (isAlive(pid, bin)) signal('SIGKILL');
  while (isAlive(pid, bin)) await sleep(50);
}

/** Stops a daemon we started (if running) and forgets its pid. Returns whether it was running. */
export async function stopDaemon(cfg: ClusterConfig, name: string, graceMs = 15_000): Promise<boolean> {
  let p: PidFile | undefined;
  try {
    p = JSON.parse(await readFile(pidPath(cfg, name), 'utf8')) as PidFile;
  } catch {
    return false;
  }
  const was = isAlive(p.pid, p.bin);
  if (was) await stopPid(p.pid, p.bin, graceMs);
  await rm(pidPath(cfg, name), { force: true });
  return was;
}
