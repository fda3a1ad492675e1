// Watches a namespace's pods and records the most live (non-terminating) pods ever seen at once, per pool.
import { KubeConfig, Watch, type V1Pod } from '@kubernetes/client-node';
import { LABELS } from '../../src/metadata.ts';

export interface PodTracker {
  /** Highest number of live pods of the pool seen at any moment since start. */
  maxLive(pool: string): number;
  /** Names of every pod of the pool ever seen. */
  seen(pool: string): Set<string>;
  /** Resolves from the watch event that first shows at least n live pods of the pool; rejects after timeoutMs. */
  whenLive(pool: string, n: number, timeoutMs: number): Promise<void>;
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
  const waiters: { pool: string; n: number; resolve: () => void }[] = [];
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
    for (const w of waiters.filter((w) => w.pool === pool && set.size >= w.n)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
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
    whenLive: (pool, n, timeoutMs) => (live.get(pool)?.size ?? 0) >= n ? Promise.resolve() : new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${n} live pods of pool ${pool} within ${timeoutMs} ms`)), timeoutMs);
      waiters.push({ pool, n, resolve: () => { clearTimeout(timer); resolve(); } });
    }),
    stop: () => { aborted = true; abort?.abort(); },
  };
}
