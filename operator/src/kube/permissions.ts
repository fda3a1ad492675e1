// The API permissions the operator needs, derived from the client calls it makes; the chart's RBAC must equal this.

/** [apiGroup, resource, verb] */
export type Permission = readonly [string, string, string];

/** Every Kubernetes client method the operator calls, and the permission it needs. */
export const CLIENT_CALLS: Record<string, Permission> = {
  listNamespacedCustomObject: ['hare.dev', 'consumerpools', 'list'],
  listClusterCustomObject: ['hare.dev', 'consumerpools', 'list'],
  patchNamespacedCustomObject: ['hare.dev', 'consumerpools', 'patch'],
  patchNamespacedCustomObjectStatus: ['hare.dev', 'consumerpools/status', 'patch'],
  patchNamespacedCustomObjectScale: ['hare.dev', 'consumerpools/scale', 'patch'],
  listNamespacedPod: ['', 'pods', 'list'],
  listPodForAllNamespaces: ['', 'pods', 'list'],
  createNamespacedPod: ['', 'pods', 'create'],
  deleteNamespacedPod: ['', 'pods', 'delete'],
  createNamespacedEvent: ['', 'events', 'create'],
  patchNamespacedEvent: ['', 'events', 'patch'],
  readNamespacedSecret: ['', 'secrets', 'get'],
  readNamespacedLease: ['coordination.k8s.io', 'leases', 'get'],
  createNamespacedLease: ['coordination.k8s.io', 'leases', 'create'],
  replaceNamespacedLease: ['coordination.k8s.io', 'leases', 'update'],
};

/** Resources the reflectors watch (operator.ts). */
export const WATCHED: readonly Permission[] = [
  ['hare.dev', 'consumerpools', 'watch'],
  ['', 'pods', 'watch'],
];

/**
 * Permissions no client call names: pods carry an owner reference with blockOwnerDeletion: true, and the
 * OwnerReferencesPermissionEnforcement admission plugin (on by default in OpenShift) refuses such a create
 * unless the creator may update the owner's finalizers.
 */
export const IMPLIED: readonly Permission[] = [
  ['hare.dev', 'consumerpools/finalizers', 'update'],
];

/** Leases live in the operator's own namespace (a Role); everything else is cluster- or watch-namespace wide. */
export const LEADER_ELECTION_RESOURCES = new Set(['leases']);

/** All permissions, sorted: what the chart's ClusterRole (or Role) and leader-election Role together grant. */
export function requiredPermissions(): Permission[] {
  const all = new Map<string, Permission>();
  for (const p of [...Object.values(CLIENT_CALLS), ...WATCHED, ...IMPLIED]) all.set(p.join('|'), p);
  return [...all.values()].sort((a, b) => (a.join('|') < b.join('|') ? -1 : 1));
}
