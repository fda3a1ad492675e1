// What an e2e test needs to know about a pool at a glance: sizes, images, draining pods, who scaled it last.
import type { Tools } from './tools.ts';

export interface PoolState {
  replicas: number;
  readyReplicas: number;
  drainingReplicas: number;
  /** pods without a deletion timestamp */
  liveReplicas: number;
  images: string[];
  /** field manager of the last spec.replicas change through the scale subresource */
  lastScaledBy: string | undefined;
  /** highest live pod count this process has seen for the pool */
  maxLiveSeen: number;
}

const maxLive = new Map<string, number>();

export async function poolState(t: Tools, namespace: string, name: string): Promise<PoolState> {
  const pool = JSON.parse(await t.kubectl('get', 'cpool', '-n', namespace, name, '-o', 'json', '--show-managed-fields')) as {
    spec: { replicas?: number };
    status?: { readyReplicas?: number; drainingReplicas?: number };
    metadata: { managedFields?: { manager: string; subresource?: string; time?: string }[] };
  };
  const pods = JSON.parse(await t.kubectl('get', 'pods', '-n', namespace, '-l', `hare.dev/pool=${name}`, '-o', 'json')) as {
    items: { metadata: { deletionTimestamp?: string }; spec: { containers: { image: string }[] } }[];
  };
  const live = pods.items.filter((p) => !p.metadata.deletionTimestamp);
  const key = `${namespace}/${name}`;
  maxLive.set(key, Math.max(maxLive.get(key) ?? 0, live.length));
  const scale = (pool.metadata.managedFields ?? []).filter((f) => f.subresource === 'scale').sort((a, b) => (a.time ?? '').localeCompare(b.time ?? ''));
  return {
    replicas: pool.spec.replicas ?? 0,
    readyReplicas: pool.status?.readyReplicas ?? 0,
    drainingReplicas: pods.items.length - live.length,
    liveReplicas: live.length,
    images: live.map((p) => p.spec.containers[0]?.image ?? ''),
    lastScaledBy: scale.at(-1)?.manager,
    maxLiveSeen: maxLive.get(key) ?? 0,
  };
}

/** Starts counting maxLiveSeen afresh. */
export function resetMaxLive(namespace: string, name: string): void {
  maxLive.delete(`${namespace}/${name}`);
}

/**
 * Pods the operator deleted to scale the pool down, from its SuccessfulDelete Events ("Deleted pod x (scale down)…"
 * or "Deleted 3 pods (scale down): …"), repeats counted.
 */
export async function scaleDownEvents(t: Tools, namespace: string, pool: string): Promise<number> {
  const list = JSON.parse(await t.kubectl('get', 'events', '-n', namespace, '--field-selector', `involvedObject.name=${pool},reason=SuccessfulDelete`, '-o', 'json')) as {
    items: { message?: string; count?: number }[];
  };
  return list.items.reduce((n, e) => {
    const m = /^Deleted (?:pod \S+|(\d+) pods) \(scale down\)/.exec(e.message ?? '');
    return m ? n + Number(m[1] ?? 1) * (e.count ?? 1) : n;
  }, 0);
}
