// Test fixtures: complete, server-defaulted pools and pods in any state, for the unit tier.
import type { V1Pod } from '@kubernetes/client-node';
import type { Pool } from '../api/pool.ts';
import { LABELS } from '../metadata.ts';

type DeepPartial<T> = {
  [K in keyof T]?: NonNullable<T[K]> extends unknown[] ? T[K] : NonNullable<T[K]> extends object ? DeepPartial<NonNullable<T[K]>> : T[K];
};

/** The autoscaling block as the API server defaults it. */
export const AUTOSCALING_DEFAULTS: NonNullable<Pool['spec']['autoscaling']> = {
  enabled: true, minReplicas: 1, maxReplicas: 20, messagesPerReplica: 10, activationMessages: 0, pollIntervalSeconds: 5,
  scaleUp: { stabilizationWindowSeconds: 0 }, scaleDown: { stabilizationWindowSeconds: 60 }, fallback: { failureThreshold: 3 }, paused: false,
};

/** A pool as the API server returns it after defaulting. */
export function makePool(spec: DeepPartial<Pool['spec']> = {}, name = 'orders'): Pool {
  const base: Pool = {
    apiVersion: 'hare.dev/v1alpha1',
    kind: 'ConsumerPool',
    metadata: { name, namespace: 'shop', uid: `uid-${name}`, generation: 1 },
    spec: {
      runtime: 'hare',
      module: 'orders',
      image: 'registry.example/shop/consumers:1.4.2',
      replicas: 2,
      broker: { uriSecretRef: { name: 'rabbitmq', key: 'uri' } },
      queue: { name: 'orders', declare: 'operator', prefetch: 10, type: 'classic', retry: { limit: 15, delaysMs: [1000, 5000, 30000] } },
      drain: { timeoutSeconds: 30 },
      ...(spec.autoscaling ? { autoscaling: AUTOSCALING_DEFAULTS } : {}),
    },
  };
  return { ...base, spec: merge(base.spec, spec) };
}

function merge<T>(base: T, patch: unknown): T {
  if (patch === undefined) return base;
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch) || typeof base !== 'object' || base === null) {
    return patch as T;
  }
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [k, v] of Object.entries(patch)) out[k] = merge(out[k], v);
  return out as T;
}

export interface PodState {
  name: string;
  hash?: string;
  ready?: boolean;
  phase?: 'Pending' | 'Running' | 'Failed' | 'Succeeded' | 'Unknown';
  scheduled?: boolean;
  terminating?: boolean;
  /** end of the grace period of a terminating pod, seconds since the epoch (default 5000) */
  deletionDue?: number;
  /** seconds since the epoch */
  created?: number;
  restarts?: number;
  deletionCost?: number;
  /** the pod IP (none by default) */
  ip?: string;
}

/** A pod of pool `orders` in the given state (defaults: running, ready, scheduled, hash h1). */
export function makePod(s: PodState): V1Pod {
  const phase = s.phase ?? 'Running';
  const ready = s.ready ?? phase === 'Running';
  return {
    metadata: {
      name: s.name,
      namespace: 'shop',
      uid: `uid-${s.name}`,
      labels: { [LABELS.pool]: 'orders', [LABELS.templateHash]: s.hash ?? 'h1' },
      creationTimestamp: new Date((s.created ?? 1000) * 1000),
      ...(s.terminating ? { deletionTimestamp: new Date((s.deletionDue ?? 5000) * 1000) } : {}),
      ...(s.deletionCost !== undefined ? { annotations: { 'controller.kubernetes.io/pod-deletion-cost': String(s.deletionCost) } } : {}),
    },
    spec: { containers: [], ...(s.scheduled ?? phase !== 'Pending' ? { nodeName: 'node-1' } : {}) },
    status: {
      phase,
      ...(s.ip !== undefined ? { podIP: s.ip, podIPs: [{ ip: s.ip }] } : {}),
      conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
      containerStatuses: [{ name: 'consumer', image: 'x', imageID: '', ready, restartCount: s.restarts ?? 0 }],
    },
  };
}
