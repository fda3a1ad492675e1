// Watches a namespace's pods and records the most live (non-terminating) pods ever seen at once, per pool.
import { KubeConfig, Watch, type V1Pod } from '@kubernetes/client-node';
import { LABELS } from '../../src/metadata.ts';

export interface PodTracker {
  /** Highest number of live pods of the pool seen at any moment since start. */
  maxLive(pool: string): number;
  /** Names of every pod of the pool ever seen. */
  seen(pool: string): Set<string>;
  stop(): void;
}

export async function trackPods(kubeconfig: string, namespace: string): Promise<PodTracker> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const live = new Map<string, Set<string>>();
  const max = new Map<string, number>();
  const seen = new Map<string, Set<string>>();
  const of = <T>(m: Map<string, T>, k: string, make: () => T): T => {
    let v = m.get(k);
    if (v === undefined) m.set(k, (v = make()));
    return v;
  };
  let aborted = false;
  let abort: AbortController | undefined;
  const onEvent = (type: string, pod: V1Pod): void => {
    const pool = pod.metadata?.labels?.[LABELS.pool];
    const name = pod.metadata?.name;
    if (!pool || !name) return;
    of(seen, pool, () => new Set()).add(name);
    const set = of(live, pool, () => new Set<string>());
    if (type === 'DELETED' || pod.metadata?.deletionTimestamp) set.delete(name);
    else set.add(name);
    max.set(pool, Math.max(max.get(pool) ?? 0, set.size));
  };
  const start = async (): Promise<void> => {
    abort = await new Watch(kc).watch(`/api/v1/namespaces/${namespace}/pods`, { timeoutSeconds: 25 }, onEvent, () => {
      if (!aborted) void start();
    });
  };
  await start();
  return {
    maxLive: (pool) => max.get(pool) ?? 0,
    seen: (pool) => seen.get(pool) ?? new Set(),
    stop: () => { aborted = true; abort?.abort(); },
  };
}
