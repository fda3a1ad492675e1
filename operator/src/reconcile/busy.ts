// Per-pod unacked counts from the broker's view of a pool's consumers: by connection name, else by pod IP. Pure.
import type { V1Pod } from '@kubernetes/client-node';
import { isFinished, podName } from './podstate.ts';
import type { BusyMap } from './ranking.ts';

/** Unacked messages of a pool's consumers: the pods' own counts (by pod name), or what the management API says. */
export interface BrokerBusy {
  /** Unacked messages per pod name (the pods' own signal), or per connection name (the runtime names its connection after its pod). */
  readonly byName: ReadonlyMap<string, number>;
  /** Unacked messages per peer address, all consumer connections from that address together. */
  readonly byAddress: ReadonlyMap<string, number>;
}

/**
 * Unacked messages per pod name. A pod's own connection name wins; otherwise its IP is looked up among the
 * peer addresses, but only when no other running pod of the pool has that IP (hostNetwork pods share their
 * node's, and one count could not be split between them). Pods matched neither way stay unknown.
 */
export function busyByPod(pods: readonly V1Pod[], busy: BrokerBusy | undefined): BusyMap {
  const out = new Map<string, number>();
  if (busy === undefined) return out;
  const holders = new Map<string, number>();
  const running = pods.filter((p) => !isFinished(p));
  for (const pod of running) for (const ip of addressesOf(pod)) holders.set(ip, (holders.get(ip) ?? 0) + 1);
  for (const pod of running) {
    const name = podName(pod);
    const named = busy.byName.get(name);
    if (named !== undefined) {
      out.set(name, named);
      continue;
    }
    const own = addressesOf(pod).filter((ip) => holders.get(ip) === 1 && busy.byAddress.has(ip));
    if (own.length > 0) out.set(name, own.reduce((sum, ip) => sum + (busy.byAddress.get(ip) ?? 0), 0));
  }
  return out;
}

/** The pod's IPs (one per family on a dual-stack cluster); none before the kubelet assigns one. */
function addressesOf(pod: V1Pod): string[] {
  const ips = new Set<string>();
  if (pod.status?.podIP) ips.add(pod.status.podIP);
  for (const { ip } of pod.status?.podIPs ?? []) if (ip) ips.add(ip);
  return [...ips];
}
