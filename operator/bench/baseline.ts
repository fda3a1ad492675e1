// RSS of the processes bench:scale compares the operator with: a bare Node process, and one that only imports
// @kubernetes/client-node (what the operator pays before it does anything).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** VmRSS of a process in MB (0 once it is gone). */
export function rssMb(pid: number | undefined): number {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}

/** Runs `code` as an ES module in the repository, waits `settleMs` and returns its RSS in MB. */
async function rssOf(code: string, cwd: string, settleMs = 2000): Promise<number> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', `${code}; setInterval(() => {}, 1 << 30);`], { cwd, stdio: 'ignore' });
  try {
    await sleep(settleMs);
    return rssMb(child.pid);
  } finally {
    child.kill('SIGKILL');
  }
}

export interface Baseline {
  bare: number;
  clientNode: number;
}

export async function baselines(repo: string): Promise<Baseline> {
  return {
    bare: await rssOf('', repo),
    clientNode: await rssOf("await import('@kubernetes/client-node')", repo),
  };
}
