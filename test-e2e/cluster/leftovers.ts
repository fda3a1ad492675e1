// Trace check after cluster:down: processes, listening ports, mounts, links, cgroups, iptables chains, state dir.
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import type { ClusterConfig } from './config.ts';
import { tryRun } from './exec.ts';
import { kubepodsCgroups, mountsUnder } from './node-teardown.ts';
import { currentOwnedChains } from './node-net.ts';
import type { NodeState } from './node.ts';
import { HOST_DIRS } from './node.ts';

/** Client tools from the bin dir that anyone may be running; they hold no cluster state. */
const CLIENT_TOOLS = ['kubectl', 'helm', 'etcdctl'];
/** System binaries the cluster runs; ours when their command line names our state dir, socket or node address. */
const SYSTEM_DAEMONS = ['/usr/bin/containerd', '/usr/bin/containerd-shim-runc-v2', '/usr/bin/socat', '/usr/sbin/runc'];

/** Processes we started: a server binary from the bin dir, or a runtime/forwarder bound to our state or address. */
export function ourProcesses(cfg: ClusterConfig): string[] {
  const found: string[] = [];
  for (const p of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const exe = readlinkSync(`/proc/${p}/exe`).replace(/ \(deleted\)$/, '');
      const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0').join(' ').trim();
      const server = exe.startsWith(cfg.binDir + '/') && !CLIENT_TOOLS.some((t) => exe.endsWith('/' + t));
      const runtime = SYSTEM_DAEMONS.includes(exe) && (cmd.includes(cfg.stateDir) || cmd.includes(`bind=${cfg.nodeIp}`));
      if (server || runtime) found.push(`pid ${p}: ${cmd.slice(0, 120)}`);
    } catch {
      /* exited or a kernel thread */
    }
  }
  return found;
}

/** Listening TCP ports (hex-decoded from /proc/net/tcp{,6}) among `ports`. */
export function listeningAmong(ports: readonly number[]): number[] {
  const hits = new Set<number>();
  for (const f of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!existsSync(f)) continue;
    for (const line of readFileSync(f, 'utf8').split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      const port = parseInt(cols[1]?.split(':')[1] ?? '', 16);
      if (cols[3] === '0A' && ports.includes(port)) hits.add(port);
    }
  }
  return [...hits];
}

/** Everything cluster:down should have removed that is still there; empty means clean. */
export async function leftovers(cfg: ClusterConfig, before?: NodeState): Promise<string[]> {
  const chainsBefore = before?.chainsBefore ?? [];
  const out: string[] = [];
  out.push(...ourProcesses(cfg).map((p) => `process ${p}`));
  const p = cfg.ports;
  const ports = [p.etcdClient, p.etcdPeer, p.apiserver, p.controllerManager, p.scheduler, p.kubelet, p.kubeletHealthz, p.proxyMetrics, p.proxyHealthz];
  out.push(...listeningAmong(ports).map((n) => `port ${n} still listening`));
  out.push(...mountsUnder(readFileSync('/proc/self/mountinfo', 'utf8'), [cfg.stateDir]).map((m) => `mount ${m}`));
  if (existsSync(`/sys/class/net/${cfg.bridge}`)) out.push(`link ${cfg.bridge} still exists`);
  const links = (await tryRun('ip', ['-o', 'link', 'show', 'master', cfg.bridge]))?.stdout.trim();
  if (links) out.push(`links on ${cfg.bridge}: ${links}`);
  out.push(...kubepodsCgroups().map((c) => `cgroup ${c}`));
  out.push(...(await currentOwnedChains()).filter((c) => !chainsBefore.includes(c)).map((c) => `iptables chain ${c}`));
  if (existsSync(cfg.stateDir)) out.push(`state dir ${cfg.stateDir} still exists`);
  for (const d of HOST_DIRS) if (before?.dirsBefore[d] === false && existsSync(d)) out.push(`host dir ${d} was created and is still there`);
  return out;
}
