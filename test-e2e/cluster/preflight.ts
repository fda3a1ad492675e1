// Checks before starting anything: binaries present and executable, ports free, kernel parts present.
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { ClusterConfig } from './config.ts';

export class PreflightError extends Error {
  override name = 'PreflightError';
}

const BUILD_HINT = 'run `npm run cluster:up` (it calls hack/build-binaries.sh) or `bash hack/build-binaries.sh`';

/** Throws one error listing every missing or non-executable binary, with how to get it. */
export function checkBinaries(paths: Record<string, string>, hint = BUILD_HINT): void {
  const missing = Object.entries(paths).filter(([, p]) => {
    try {
      accessSync(p, constants.X_OK);
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length > 0) {
    const list = missing.map(([n, p]) => `  ${n}: ${p}`).join('\n');
    throw new PreflightError(`missing binaries:\n${list}\n${hint}`);
  }
}

export function controlPlaneBinaries(cfg: ClusterConfig): Record<string, string> {
  const names = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubectl'];
  return Object.fromEntries(names.map((n) => [n, join(cfg.binDir, n)]));
}

export interface PortClaim {
  host: string;
  port: number;
  who: string;
}

function portFree(host: string, port: number): Promise<NodeJS.ErrnoException | undefined> {
  return new Promise((resolveFree) => {
    const srv = createServer();
    srv.once('error', (e: NodeJS.ErrnoException) => resolveFree(e));
    srv.listen({ host, port, exclusive: true }, () => srv.close(() => resolveFree(undefined)));
  });
}

/** Throws one error naming every port that is taken (and by whom we wanted it) before anything starts. */
export async function checkPortsFree(claims: readonly PortClaim[]): Promise<void> {
  const results = await Promise.all(claims.map(async (c) => ({ c, err: await portFree(c.host, c.port) })));
  const taken = results.filter((r) => r.err !== undefined);
  if (taken.length > 0) {
    const list = taken.map(({ c, err }) => `  ${c.host}:${c.port} (for ${c.who}): ${err?.code ?? err?.message}`).join('\n');
    throw new PreflightError(`ports not available:\n${list}\nfind the holder with: ss -ltnp | grep -E ':(${taken.map((t) => t.c.port).join('|')})\\b'`);
  }
}

export function controlPlanePorts(cfg: ClusterConfig): PortClaim[] {
  const p = cfg.ports;
  return [
    { host: '127.0.0.1', port: p.etcdClient, who: 'etcd client' },
    { host: '127.0.0.1', port: p.etcdPeer, who: 'etcd peer' },
    { host: '127.0.0.1', port: p.apiserver, who: 'kube-apiserver' },
    { host: '127.0.0.1', port: p.controllerManager, who: 'kube-controller-manager' },
    { host: '127.0.0.1', port: p.scheduler, who: 'kube-scheduler' },
  ];
}

/** Kernel features the node needs; returns human-readable problems (empty = fine). */
export function nodeKernelProblems(): string[] {
  const problems: string[] = [];
  const cgroups = readFileSync('/proc/cgroups', 'utf8');
  for (const c of ['cpu', 'cpuacct', 'cpuset', 'memory', 'pids']) {
    if (!new RegExp(`^${c}\\s+\\d+\\s+\\d+\\s+1$`, 'm').test(cgroups)) problems.push(`cgroup controller ${c} is not enabled`);
  }
  if (!existsSync('/dev/kmsg')) problems.push('/dev/kmsg is missing (kubelet needs it)');
  if (!existsSync('/proc/sys/net/bridge')) problems.push('br_netfilter is not loaded (/proc/sys/net/bridge missing)');
  return problems;
}
