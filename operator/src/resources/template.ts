// The pool's pod template merged into the operator's pod: the consumer container by name, extra and init containers,
// volumes and scheduling fields; every container keeps the restricted security profile.
import type { V1Container, V1PodSpec, V1SecurityContext, V1VolumeMount } from '@kubernetes/client-node';
import type { PodSpecOverrides } from '../api/pool.ts';
import { CONTAINER_NAME } from '../metadata.ts';

/** What every container runs with unless the template tightens it (the CRD's rules refuse loosening it). */
export const RESTRICTED: V1SecurityContext = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};

/** The restricted profile with the template's settings on top; ALL stays dropped whatever the template drops. */
export function restricted(user: V1SecurityContext | undefined): V1SecurityContext {
  if (user === undefined) return RESTRICTED;
  const drop = [...new Set(['ALL', ...(user.capabilities?.drop ?? [])])];
  const add = user.capabilities?.add;
  return { ...RESTRICTED, ...user, capabilities: { ...(add ? { add } : {}), drop } };
}

/**
 * The operator's consumer container with the template's entry named `consumer` merged in: its fields replace
 * the operator's (probes, lifecycle, command, ...), except name and image; env, volume mounts and ports are
 * appended (a mount at /tmp replaces the operator's tmp mount).
 */
export function mergeConsumer(base: V1Container, user: V1Container | undefined): V1Container {
  if (user === undefined) return base;
  const { name: _name, image: _image, env, volumeMounts, ports, securityContext, ...rest } = user;
  const merged: V1Container = { ...base, ...rest, securityContext: restricted(securityContext) };
  if (env) merged.env = [...(base.env ?? []), ...env];
  if (volumeMounts) merged.volumeMounts = mounts(base.volumeMounts ?? [], volumeMounts);
  if (ports) merged.ports = [...(base.ports ?? []), ...ports];
  return merged;
}

/** The pod's spec with the template's volumes, containers and scheduling fields added. */
export function withTemplate(spec: V1PodSpec, overrides: PodSpecOverrides): V1PodSpec {
  const [consumer, ...others] = spec.containers;
  if (consumer === undefined) throw new Error('the pod has no consumer container');
  const user = overrides.containers ?? [];
  const out: V1PodSpec = {
    ...spec,
    containers: [mergeConsumer(consumer, user.find((c) => c.name === CONTAINER_NAME)), ...others, ...user.filter((c) => c.name !== CONTAINER_NAME).map(confined)],
  };
  if (overrides.initContainers) out.initContainers = overrides.initContainers.map(confined);
  if (overrides.volumes) out.volumes = [...(spec.volumes ?? []), ...overrides.volumes];
  if (overrides.topologySpreadConstraints) out.topologySpreadConstraints = overrides.topologySpreadConstraints;
  if (overrides.runtimeClassName) out.runtimeClassName = overrides.runtimeClassName;
  if (overrides.dnsConfig) out.dnsConfig = overrides.dnsConfig;
  if (overrides.hostAliases) out.hostAliases = overrides.hostAliases;
  return out;
}

function confined(c: V1Container): V1Container {
  return { ...c, securityContext: restricted(c.securityContext) };
}

function mounts(base: V1VolumeMount[], user: V1VolumeMount[]): V1VolumeMount[] {
  const taken = new Set(user.map((m) => m.mountPath));
  return [...base.filter((m) => !taken.has(m.mountPath)), ...user];
}
