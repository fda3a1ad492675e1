// The ConsumerPool as the operator reads it: identity guaranteed, plus derived values every module shares.
import type { ConsumerPool } from './consumerpool.ts';
import { API_VERSION, KIND } from '../metadata.ts';

export type * from './consumerpool.ts';

/** A pool read from the API server: it has a name, namespace and uid. */
export type Pool = ConsumerPool & {
  metadata: NonNullable<ConsumerPool['metadata']> & { name: string; namespace: string; uid: string };
};

/** True when an object from a watch or list has the identity the operator relies on. */
export function isPool(obj: unknown): obj is Pool {
  if (typeof obj !== 'object' || obj === null) return false;
  const o = obj as Partial<ConsumerPool>;
  const m = o.metadata;
  return (
    typeof m?.name === 'string' && typeof m.namespace === 'string' && typeof m.uid === 'string' &&
    typeof o.spec === 'object' && o.spec !== null
  );
}

/** True when the autoscaler owns spec.replicas. */
export function autoscalingEnabled(pool: ConsumerPool): boolean {
  return pool.spec.autoscaling?.enabled === true;
}

/** The replica count the operator writes when spec.replicas is absent. */
export function defaultReplicas(pool: ConsumerPool): number {
  const a = pool.spec.autoscaling;
  if (a?.enabled) return Math.min(Math.max(a.minReplicas, 1), a.maxReplicas);
  return 1;
}

/** Owner reference for objects the pool controls (pods): GC deletes them with the pool. */
export function ownerReference(pool: Pool): {
  apiVersion: string; kind: string; name: string; uid: string; controller: true; blockOwnerDeletion: true;
} {
  return { apiVersion: API_VERSION, kind: KIND, name: pool.metadata.name, uid: pool.metadata.uid, controller: true, blockOwnerDeletion: true };
}
