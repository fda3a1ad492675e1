// Watches one ConsumerPool's spec.replicas and resolves when it reaches a value, with the watch event's arrival time.
import { Watch } from '@kubernetes/client-node';
import type { KubeConfig } from '@kubernetes/client-node';

export interface ReplicaWatch {
  /** Resolves with performance.now() of the first event showing `replicas` (at once if the last one did). */
  until(replicas: number, timeoutMs: number): Promise<number>;
  stop(): void;
}

interface Waiter {
  readonly replicas: number;
  readonly resolve: (at: number) => void;
}

export async function watchReplicas(kc: KubeConfig, path: string, name: string): Promise<ReplicaWatch> {
  let last: { replicas: number | undefined; at: number } = { replicas: undefined, at: 0 };
  let waiters: Waiter[] = [];
  let stopped = false;
  let abort: AbortController | undefined;
  const onEvent = (_type: string, obj: { metadata?: { name?: string }; spec?: { replicas?: number } }): void => {
    if (obj.metadata?.name !== name) return;
    last = { replicas: obj.spec?.replicas, at: performance.now() };
    const done = waiters.filter((w) => w.replicas === last.replicas);
    waiters = waiters.filter((w) => w.replicas !== last.replicas);
    for (const w of done) w.resolve(last.at);
  };
  const restart = (): void => {
    if (!stopped) setTimeout(() => void start().catch(restart), 200);
  };
  const start = async (): Promise<void> => {
    if (stopped) return;
    // a closed watch restarts; the fresh watch's initial ADDED event carries the current count
    abort = await new Watch(kc).watch(path, {}, onEvent, restart);
  };
  await start();
  return {
    until: (replicas, timeoutMs) => {
      if (last.replicas === replicas) return Promise.resolve(last.at);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`spec.replicas did not reach ${replicas} within ${timeoutMs} ms (at ${last.replicas})`)), timeoutMs);
        waiters.push({ replicas, resolve: (at) => (clearTimeout(timer), resolve(at)) });
      });
    },
    stop: () => {
      stopped = true;
      abort?.abort();
    },
  };
}
