// The API calls the operator makes, one method each, named as client-node names them (permissions.ts maps each to RBAC).
import type { CoreV1Event, V1Lease, V1Pod, V1Secret } from '@kubernetes/client-node';
import { POOL_RESOURCE as POOLS } from '../metadata.ts';
import { PATCH, type KubeApi, type Query } from './api.ts';
import type { Lane } from './lanes.ts';
import type { Page, PageQuery } from './reflector.ts';

export class Resources {
  private readonly api: KubeApi;

  constructor(api: KubeApi) {
    this.api = api;
  }

  listNamespacedCustomObject(namespace: string, q: PageQuery): Promise<Page<unknown>> {
    return this.api.get(paths.custom(POOLS, namespace), { query: list(q) });
  }

  listClusterCustomObject(q: PageQuery): Promise<Page<unknown>> {
    return this.api.get(paths.custom(POOLS), { query: list(q) });
  }

  /** A merge patch of the pool itself (`spec.replicas` when it has none yet). */
  patchNamespacedCustomObject(namespace: string, name: string, body: object, fieldManager: string): Promise<unknown> {
    return this.api.patch(paths.custom(POOLS, namespace, name), body, PATCH.merge, { query: { fieldManager } });
  }

  /** Server-side apply of the pool's status, forced, as `fieldManager`. */
  patchNamespacedCustomObjectStatus(namespace: string, name: string, body: object, fieldManager: string, lane: Lane): Promise<unknown> {
    return this.api.patch(paths.custom(POOLS, namespace, name, 'status'), body, PATCH.apply, { query: { fieldManager, force: true }, lane });
  }

  /** A merge patch through the scale subresource, as kubectl scale and the HPA write. */
  patchNamespacedCustomObjectScale(namespace: string, name: string, body: object, fieldManager: string): Promise<unknown> {
    return this.api.patch(paths.custom(POOLS, namespace, name, 'scale'), body, PATCH.merge, { query: { fieldManager } });
  }

  listNamespacedPod(namespace: string, q: PageQuery): Promise<Page<unknown>> {
    return this.api.get(paths.core(namespace, 'pods'), { query: list(q) });
  }

  listPodForAllNamespaces(q: PageQuery): Promise<Page<unknown>> {
    return this.api.get(paths.coreAll('pods'), { query: list(q) });
  }

  createNamespacedPod(namespace: string, pod: V1Pod, fieldManager: string): Promise<V1Pod> {
    return this.api.post(paths.core(namespace, 'pods'), pod, { query: { fieldManager } });
  }

  /** Deletes the pod only while it is still the one with `uid`. */
  deleteNamespacedPod(namespace: string, name: string, uid: string): Promise<unknown> {
    return this.api.delete(paths.core(namespace, 'pods', name), { preconditions: { uid } });
  }

  createNamespacedEvent(namespace: string, event: CoreV1Event): Promise<CoreV1Event> {
    return this.api.post(paths.core(namespace, 'events'), event, { lane: 'later' });
  }

  patchNamespacedEvent(namespace: string, name: string, body: object): Promise<unknown> {
    return this.api.patch(paths.core(namespace, 'events', name), body, PATCH.merge, { lane: 'later' });
  }

  readNamespacedSecret(namespace: string, name: string): Promise<V1Secret> {
    return this.api.get(paths.core(namespace, 'secrets', name));
  }

  readNamespacedLease(namespace: string, name: string, signal: AbortSignal): Promise<V1Lease> {
    return this.api.get(paths.lease(namespace, name), { signal });
  }

  createNamespacedLease(namespace: string, lease: V1Lease, signal: AbortSignal): Promise<unknown> {
    return this.api.post(paths.lease(namespace), lease, { signal });
  }

  replaceNamespacedLease(namespace: string, name: string, lease: V1Lease, signal: AbortSignal): Promise<unknown> {
    return this.api.put(paths.lease(namespace, name), lease, { signal });
  }
}

function list(q: PageQuery): Query {
  return { limit: q.limit, continue: q.continue, labelSelector: q.labelSelector };
}

const seg = encodeURIComponent;

/** The API paths the operator calls. */
export const paths = {
  /** A core/v1 resource of a namespace, e.g. pods, events, secrets. */
  core: (namespace: string, resource: string, name?: string): string =>
    `/api/v1/namespaces/${seg(namespace)}/${resource}${name === undefined ? '' : `/${seg(name)}`}`,
  /** Every namespace's, for a list or watch across the cluster. */
  coreAll: (resource: string): string => `/api/v1/${resource}`,
  lease: (namespace: string, name?: string): string =>
    `/apis/coordination.k8s.io/v1/namespaces/${seg(namespace)}/leases${name === undefined ? '' : `/${seg(name)}`}`,
  /** A custom resource (all namespaces without one), or one object of it, or its status or scale subresource. */
  custom: (r: { group: string; version: string; plural: string }, namespace?: string, name?: string, sub?: 'status' | 'scale'): string =>
    `/apis/${r.group}/${r.version}${namespace === undefined ? '' : `/namespaces/${seg(namespace)}`}/${r.plural}` +
    `${name === undefined ? '' : `/${seg(name)}`}${sub === undefined ? '' : `/${sub}`}`,
};
