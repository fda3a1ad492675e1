// Node networking on the host: the pod bridge, a forward guard, the broker's DNAT, sysctls saved and restored, iptables cleanup.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { ClusterConfig } from './config.ts';
import { run, tryRun } from './exec.ts';

/** Sysctls the node changes (us: ip_forward; kubelet: kernel defaults), restored by cluster:down. */
export const TOUCHED_SYSCTLS = [
  'net/ipv4/ip_forward',
  'net/ipv4/conf/all/route_localnet',
  'net/bridge/bridge-nf-call-iptables',
  'vm/overcommit_memory',
  'vm/panic_on_oom',
  'kernel/panic',
  'kernel/panic_on_oops',
  'kernel/keys/root_maxkeys',
  'kernel/keys/root_maxbytes',
];

/** Chains we own or that kube-proxy and the kubelet create. */
export const CHAIN_PREFIXES = ['KUBE-', 'HARE-'];

export function readSysctls(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of TOUCHED_SYSCTLS) {
    const p = `/proc/sys/${k}`;
    if (existsSync(p)) out[k] = readFileSync(p, 'utf8').trim();
  }
  return out;
}

export function writeSysctls(values: Record<string, string>): void {
  for (const [k, v] of Object.entries(values)) {
    try {
      if (readFileSync(`/proc/sys/${k}`, 'utf8').trim() !== v) writeFileSync(`/proc/sys/${k}`, v);
    } catch {
      /* best effort: a read-only or vanished sysctl is reported by the trace check, not fatal here */
    }
  }
}

/** The rules that keep forwarded pod traffic on the bridge: nothing is routed between pods and other interfaces. */
export function forwardGuardRules(cfg: ClusterConfig): string[][] {
  const b = cfg.bridge;
  return [
    ['-A', 'HARE-FORWARD', '-i', b, '-o', b, '-j', 'ACCEPT'],
    ['-A', 'HARE-FORWARD', '-i', b, '-j', 'DROP'],
    ['-A', 'HARE-FORWARD', '-o', b, '-j', 'DROP'],
  ];
}

/** nat rules of the chain HARE-BROKER (jumped to from PREROUTING on the bridge): the node address's `ports` to loopback. */
export function brokerDnatRules(cfg: ClusterConfig, ports: readonly number[]): string[][] {
  return ports.map((port) => ['-t', 'nat', '-A', 'HARE-BROKER', '-d', cfg.nodeIp, '-p', 'tcp', '--dport', String(port), '-j', 'DNAT', '--to-destination', `127.0.0.1:${port}`]);
}

/**
 * Pod traffic to the node address's `ports` goes to the loopback-only broker, its source (the pod IP) kept. Loopback
 * as a destination from the bridge needs route_localnet there (the bridge and its setting go with cluster:down, the
 * chain with the owned-chain cleanup).
 */
export async function addBrokerDnat(cfg: ClusterConfig, ports: readonly number[]): Promise<void> {
  writeFileSync(`/proc/sys/net/ipv4/conf/${cfg.bridge}/route_localnet`, '1');
  if (await tryRun('iptables', ['-w', '-t', 'nat', '-n', '-L', 'HARE-BROKER'])) await run('iptables', ['-w', '-t', 'nat', '-F', 'HARE-BROKER']);
  else {
    await run('iptables', ['-w', '-t', 'nat', '-N', 'HARE-BROKER']);
    await run('iptables', ['-w', '-t', 'nat', '-I', 'PREROUTING', '1', '-i', cfg.bridge, '-j', 'HARE-BROKER']);
  }
  for (const r of brokerDnatRules(cfg, ports)) await run('iptables', ['-w', ...r]);
}

export async function createBridge(cfg: ClusterConfig): Promise<void> {
  const prefix = cfg.podCidr.split('/')[1] ?? '24';
  if (!existsSync(`/sys/class/net/${cfg.bridge}`)) await run('ip', ['link', 'add', cfg.bridge, 'type', 'bridge']);
  const addrs = (await run('ip', ['-o', '-4', 'addr', 'show', 'dev', cfg.bridge])).stdout;
  if (!addrs.includes(` ${cfg.nodeIp}/`)) await run('ip', ['addr', 'add', `${cfg.nodeIp}/${prefix}`, 'dev', cfg.bridge]);
  await run('ip', ['link', 'set', cfg.bridge, 'up']);
  writeFileSync('/proc/sys/net/ipv4/ip_forward', '1');
  writeFileSync('/proc/sys/net/bridge/bridge-nf-call-iptables', '1');
  if (!(await tryRun('iptables', ['-w', '-n', '-L', 'HARE-FORWARD']))) {
    await run('iptables', ['-w', '-N', 'HARE-FORWARD']);
    for (const r of forwardGuardRules(cfg)) await run('iptables', ['-w', ...r]);
    await run('iptables', ['-w', '-I', 'FORWARD', '1', '-j', 'HARE-FORWARD']);
  }
}

export async function deleteBridge(cfg: ClusterConfig): Promise<void> {
  if (existsSync(`/sys/class/net/${cfg.bridge}`)) await run('ip', ['link', 'delete', cfg.bridge]);
}

/** Chain names (per table) matching our prefixes in an iptables-save dump. */
export function ownedChains(dump: string): Map<string, string[]> {
  const chains = new Map<string, string[]>();
  let table = '';
  for (const line of dump.split('\n')) {
    if (line.startsWith('*')) table = line.slice(1).trim();
    const m = /^:(\S+)/.exec(line);
    if (m?.[1] && CHAIN_PREFIXES.some((p) => m[1]?.startsWith(p))) chains.set(table, [...(chains.get(table) ?? []), m[1]]);
  }
  return chains;
}

interface TableEdit {
  table: string;
  dels: string[];
  chains: string[];
}

const isOwned = (c: string, keep: readonly string[]): boolean => CHAIN_PREFIXES.some((p) => c.startsWith(p)) && !keep.includes(c);

/** Per table: the jumps into our chains from other chains (as -D lines) and our chain names. */
function tableEdits(dump: string, keep: readonly string[]): TableEdit[] {
  const edits: TableEdit[] = [];
  for (const line of dump.split('\n')) {
    if (line.startsWith('*')) edits.push({ table: line.slice(1).trim(), dels: [], chains: [] });
    const cur = edits[edits.length - 1];
    if (!cur) continue;
    const decl = /^:(\S+)/.exec(line)?.[1];
    if (decl && isOwned(decl, keep)) cur.chains.push(decl);
    const rule = /^-A (\S+) .*-j (\S+)/.exec(line);
    if (rule?.[1] && rule[2] && !isOwned(rule[1], keep) && isOwned(rule[2], keep)) cur.dels.push('-D' + line.slice(2));
  }
  return edits;
}

/**
 * An iptables-restore --noflush script that deletes every jump into our chains from other chains,
 * then flushes and deletes our chains, leaving every other rule exactly as it was. `keep` are pre-existing chains.
 */
export function chainRemovalScript(dump: string, keep: readonly string[] = []): string {
  const out = tableEdits(dump, keep)
    .filter((e) => e.dels.length > 0 || e.chains.length > 0)
    .flatMap((e) => [`*${e.table}`, ...e.dels, ...e.chains.map((c) => `-F ${c}`), ...e.chains.map((c) => `-X ${c}`), 'COMMIT']);
  return out.length > 0 ? out.join('\n') + '\n' : '';
}

/** Removes our chains from iptables and ip6tables; returns the chain names that were removed. */
export async function removeOwnedChains(keep: readonly string[] = []): Promise<string[]> {
  const removed: string[] = [];
  for (const [save, restore] of [['iptables-save', 'iptables-restore'], ['ip6tables-save', 'ip6tables-restore']] as const) {
    const dump = (await tryRun(save, []))?.stdout ?? '';
    const script = chainRemovalScript(dump, keep);
    if (script === '') continue;
    await run(restore, ['-w', '--noflush'], { input: script });
    for (const names of ownedChains(dump).values()) removed.push(...names.filter((n) => !keep.includes(n)));
  }
  return removed;
}

/** All chain names matching our prefixes right now (for the pre-existing list and the trace check). */
export async function currentOwnedChains(): Promise<string[]> {
  const names: string[] = [];
  for (const save of ['iptables-save', 'ip6tables-save']) {
    const dump = (await tryRun(save, []))?.stdout ?? '';
    for (const list of ownedChains(dump).values()) names.push(...list);
  }
  return names;
}
