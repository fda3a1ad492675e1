// Removes every trace of the node: processes, containers, netns, mounts, cgroups, iptables chains, bridge, sysctls, files.
import { existsSync, readdirSync, readFileSync, readlinkSync, rmdirSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ClusterConfig } from './config.ts';
import { statePaths } from './config.ts';
import { stopDaemon, stopPid } from './daemons.ts';
import { log, sleep, tryRun } from './exec.ts';
import { FORWARDED_PORTS, HOST_DIRS, readNodeState } from './node.ts';
import { deleteBridge, removeOwnedChains, writeSysctls } from './node-net.ts';
import { deletePodBrokerUser } from './rabbitmq.ts';

/** Mount points at or under any of `prefixes`, deepest first (from /proc/self/mountinfo). */
export function mountsUnder(mountinfo: string, prefixes: readonly string[]): string[] {
  const unescape = (s: string): string => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
  const points = mountinfo.split('\n').map((l) => l.split(' ')[4]).filter((p): p is string => p !== undefined).map(unescape);
  const hit = points.filter((p) => prefixes.some((pre) => p === pre || p.startsWith(pre.endsWith('/') ? pre : pre + '/')));
  return [...new Set(hit)].sort((a, b) => b.split('/').length - a.split('/').length || b.length - a.length);
}

export async function unmountUnder(prefixes: readonly string[]): Promise<void> {
  for (const m of mountsUnder(readFileSync('/proc/self/mountinfo', 'utf8'), prefixes)) {
    if (!(await tryRun('umount', [m]))) await tryRun('umount', ['-l', m]);
  }
}

/** kubepods cgroup directories (any controller), deepest first. */
export function kubepodsCgroups(root = '/sys/fs/cgroup'): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) walk(join(dir, e.name));
    out.push(dir);
  };
  for (const ctrl of existsSync(root) ? readdirSync(root) : []) {
    const top = join(root, ctrl, 'kubepods');
    if (existsSync(top) && statSync(top).isDirectory()) walk(top);
  }
  return out;
}

/** Kills whatever still runs in kubepods cgroups (containers whose shim died), then removes the cgroups. */
function killAndRemoveCgroups(): void {
  const dirs = kubepodsCgroups();
  for (const d of dirs) {
    const procs = existsSync(join(d, 'cgroup.procs')) ? readFileSync(join(d, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean) : [];
    for (const pid of procs) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  }
  for (const d of dirs) {
    try {
      rmdirSync(d);
    } catch {
      /* reported by the trace check */
    }
  }
}

/** containerd shims serving our socket (matched on our unique -address, never on the name alone). */
function ourShims(sock: string): number[] {
  return pidsWhere((argv) => (argv[0] ?? '').includes('containerd-shim') && argv.includes(sock));
}

/** Processes by /proc argv match: the forwarders' forked children (one per connection) outlive their parent. */
function pidsWhere(match: (argv: string[]) => boolean): number[] {
  return readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
    try {
      return match(readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0'));
    } catch {
      return false;
    }
  }).map(Number);
}

/** Network namespace of a sandbox container, from its OCI spec. */
export function netnsFromInfo(infoJson: string): string | undefined {
  const info = JSON.parse(infoJson) as { Spec?: { linux?: { namespaces?: Array<{ type: string; path?: string }> } } };
  return info.Spec?.linux?.namespaces?.find((n) => n.type === 'network')?.path || undefined;
}

/** Kills and deletes every container in k8s.io; returns the pods' network namespaces (to remove after the kill). */
async function removeContainers(sock: string): Promise<string[]> {
  const ctr = (...a: string[]): Promise<{ stdout: string } | undefined> => tryRun('ctr', ['--address', sock, '-n', 'k8s.io', ...a], { timeoutMs: 30_000 });
  const ids = ((await ctr('containers', 'ls', '-q'))?.stdout ?? '').split('\n').filter(Boolean);
  const netns = new Set<string>();
  for (const id of ids) {
    const info = await ctr('containers', 'info', id);
    const ns = info ? netnsFromInfo(info.stdout) : undefined;
    if (ns?.startsWith('/var/run/netns/') || ns?.startsWith('/run/netns/')) netns.add(ns.replace(/^\/var\/run\//, '/run/'));
  }
  await Promise.all(ids.map((id) => ctr('tasks', 'kill', '-a', '-s', 'SIGKILL', id)));
  for (const id of ids) {
    await ctr('tasks', 'delete', '-f', id);
    await ctr('containers', 'delete', id);
  }
  if (ids.length > 0) log(`containerd: removed ${ids.length} containers`);
  return [...netns];
}

/** Removes entries of `dir` for which `ours(name)` holds; errors (vanished, not a link) are ignored. */
function removeEntries(dir: string, ours: (name: string) => boolean): void {
  for (const f of existsSync(dir) ? readdirSync(dir) : []) {
    try {
      if (ours(f)) unlinkSync(join(dir, f));
    } catch {
      /* gone or not ours */
    }
  }
}

/**
 * Files the runtime leaves outside the state dir, then host dirs that we created and that are now empty. A sandbox
 * torn down a moment ago may still write its last CNI result: up to 15 tries, a second apart (5 were once too few
 * after a suite of many pods).
 */
async function removeHostFiles(cfg: ClusterConfig, dirsBefore: Record<string, boolean>): Promise<void> {
  const devicePlugins = '/var/lib/kubelet/device-plugins';
  if (dirsBefore[devicePlugins] === false) rmSync(join(devicePlugins, 'kubelet.sock'), { force: true });
  // containerd's CRI also caches the result of the loopback network it adds to every sandbox ("cni-loopback-<id>-lo");
  // a sandbox killed with containerd leaves it behind. Those are ours when the node made the directory.
  const results = '/var/lib/cni/results';
  const ourResult = (f: string): boolean => f.startsWith(`${cfg.cniNetwork}-`) || (dirsBefore[results] === false && f.startsWith('cni-loopback-'));
  for (let attempt = 0; attempt < 15; attempt++) {
    removeEntries(results, ourResult);
    removeEntries('/var/log/containers', (f) => readlinkSync(join('/var/log/containers', f)).startsWith(cfg.stateDir));
    const ours = HOST_DIRS.filter((h) => dirsBefore[h] === false && existsSync(h));
    for (const d of ours) {
      try {
        rmdirSync(d);
      } catch {
        /* not empty: someone else uses it too, or a last write is on its way */
      }
    }
    if (ours.every((d) => !existsSync(d))) return;
    await sleep(1000);
  }
}

/** Stops kubelet and kube-proxy, kills every container and its shim, then the leftovers in kubepods cgroups. */
async function stopNodeProcesses(cfg: ClusterConfig): Promise<string[]> {
  const sock = statePaths(cfg).containerdSocket;
  for (const d of ['kube-proxy', 'kubelet']) if (await stopDaemon(cfg, d)) log(`${d}: stopped`);
  const netns = existsSync(sock) ? await removeContainers(sock) : [];
  if (await stopDaemon(cfg, 'containerd')) log('containerd: stopped');
  for (const pid of ourShims(sock)) await stopPid(pid, readlinkSync(`/proc/${pid}/exe`), 2_000);
  killAndRemoveCgroups();
  return netns;
}

/** Removes chains made by kube-proxy, the kubelet and us (kube-proxy --cleanup first, then anything left). */
async function cleanIptables(cfg: ClusterConfig, keep: readonly string[]): Promise<void> {
  const proxy = join(cfg.binDir, 'kube-proxy');
  if (existsSync(proxy)) await tryRun(proxy, ['--cleanup'], { timeoutMs: 60_000 });
  const removed = await removeOwnedChains(keep);
  if (removed.length > 0) log(`iptables: removed chains ${[...new Set(removed)].join(' ')}`);
}

/** Idempotent: safe on a half-started or crashed node, and when nothing runs at all. */
export async function teardownNode(cfg: ClusterConfig): Promise<void> {
  const state = await readNodeState(cfg);
  const netns = await stopNodeProcesses(cfg);
  await unmountUnder([cfg.stateDir, ...netns]);
  for (const n of netns) await rm(n, { force: true });
  await cleanIptables(cfg, state?.chainsBefore ?? []);
  await deleteBridge(cfg);
  for (const f of FORWARDED_PORTS) await stopDaemon(cfg, `forward-${f.port}`);
  // a child still holding a pod's connection would wait for the broker's heartbeat timeout to notice the pod is gone
  for (const pid of pidsWhere((argv) => argv[0] === '/usr/bin/socat' && argv.some((a) => a.includes(`bind=${cfg.nodeIp}`)))) {
    await stopPid(pid, '/usr/bin/socat', 2_000);
  }
  if (state) {
    writeSysctls(state.sysctls);
    await removeHostFiles(cfg, state.dirsBefore);
  }
  if (await deletePodBrokerUser().catch(() => false)) log('rabbitmq: pod user deleted');
  await rm(statePaths(cfg).nodeState, { force: true });
}
