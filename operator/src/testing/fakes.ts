// In-memory fakes of the reconcile's ports, for unit tests of the glue (never for integration tests).
import type { V1Pod } from '@kubernetes/client-node';
import type { Pool } from '../api/pool.ts';
import type { CredentialSource, Credentials } from '../kube/kubeconfig.ts';
import type { Reason } from '../metadata.ts';
import type { ClusterWriter, EventSink, EventType } from '../reconcile/ports.ts';
import type { ScalerStatus } from '../status/autoscaler-status.ts';
import type { OperatorStatus } from '../status/status.ts';

export class FakeWriter implements ClusterWriter {
  created: V1Pod[] = [];
  deleted: string[] = [];
  statuses: OperatorStatus[] = [];
  scalerStatuses: ScalerStatus[] = [];
  replicas: { replicas: number; manager: string }[] = [];
  /** When set, createPod rejects with this error. */
  createError: Error | undefined;
  /** When set, deletePod rejects with this error. */
  deleteError: Error | undefined;
  private serial = 0;

  createPod(pod: V1Pod): Promise<V1Pod> {
    if (this.createError !== undefined) return Promise.reject(this.createError);
    const made = { ...pod, metadata: { ...pod.metadata, name: `${pod.metadata?.generateName ?? ''}${this.serial++}` } };
    this.created.push(made);
    return Promise.resolve(made);
  }

  deletePod(_namespace: string, name: string): Promise<void> {
    if (this.deleteError !== undefined) return Promise.reject(this.deleteError);
    this.deleted.push(name);
    return Promise.resolve();
  }

  applyStatus(_pool: Pool, status: OperatorStatus): Promise<void> {
    this.statuses.push(status);
    return Promise.resolve();
  }

  applyScalerStatus(_pool: Pool, status: ScalerStatus): Promise<void> {
    this.scalerStatuses.push(status);
    return Promise.resolve();
  }

  setReplicas(_pool: Pool, replicas: number, manager: string): Promise<void> {
    this.replicas.push({ replicas, manager });
    return Promise.resolve();
  }
}

export class FakeEvents implements EventSink {
  events: { type: EventType; reason: Reason; message: string }[] = [];
  emit(_pool: Pool, type: EventType, reason: Reason, message: string): void {
    this.events.push({ type, reason, message });
  }
}

/** Credentials that never change, for a KubeApi in tests. */
export function fixedCredentials(creds: Credentials): CredentialSource {
  return { current: () => creds, renew: () => Promise.resolve(false) };
}
