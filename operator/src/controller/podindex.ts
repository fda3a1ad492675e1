// Index of cached pods by owning pool, so a reconcile reads its pods without scanning every pod.
import type { V1Pod } from '@kubernetes/client-node';
import type { Pool } from '../api/pool.ts';
import { keyOf } from '../metadata.ts';
import { ownerKey } from './controller.ts';

export class PodIndex {
  private readonly byPool = new Map<string, Map<string, V1Pod>>();

  add(pod: V1Pod): void {
    const owner = ownerKey(pod);
    if (!owner) return;
    let pods = this.byPool.get(owner);
    if (!pods) this.byPool.set(owner, (pods = new Map<string, V1Pod>()));
    pods.set(podKey(pod), pod);
  }

  update(pod: V1Pod, old: V1Pod): void {
    this.delete(old);
    this.add(pod);
  }

  delete(pod: V1Pod): void {
    const owner = ownerKey(pod);
    const pods = owner ? this.byPool.get(owner) : undefined;
    if (!owner || !pods) return;
    pods.delete(podKey(pod));
    if (pods.size === 0) this.byPool.delete(owner);
  }

  /** Pods controlled by this pool (same uid: a recreated pool with the same name does not inherit pods). */
  podsOf(pool: Pool): V1Pod[] {
    const pods = this.byPool.get(keyOf(pool.metadata.namespace, pool.metadata.name));
    if (!pods) return [];
    return [...pods.values()].filter((p) => p.metadata?.ownerReferences?.some((r) => r.controller && r.uid === pool.metadata.uid));
  }
}

function podKey(pod: V1Pod): string {
  return pod.metadata?.name ?? '';
}
