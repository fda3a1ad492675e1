// The side-effecting capabilities the reconcile needs, as interfaces: kube/ implements them, tests fake them.
import type { V1Pod } from '@kubernetes/client-node';
import type { Pool } from '../api/pool.ts';
import type { Reason } from '../metadata.ts';
import type { ScalerStatus } from '../status/autoscaler-status.ts';
import type { OperatorStatus } from '../status/status.ts';

export interface ClusterWriter {
  /** Creates a pod; resolves to the created pod (with its generated name). */
  createPod(pod: V1Pod): Promise<V1Pod>;
  /** Deletes a pod (its grace period drains it); a pod that is already gone is not an error. */
  deletePod(namespace: string, name: string, uid: string): Promise<void>;
  /** Server-side applies the operator's status fields with the operator's field manager. */
  applyStatus(pool: Pool, status: OperatorStatus): Promise<void>;
  /** Server-side applies the autoscaler's status fields with the autoscaler's field manager. */
  applyScalerStatus(pool: Pool, status: ScalerStatus): Promise<void>;
  /**
   * Sets spec.replicas (through the scale subresource once it exists) with the given field manager, on the
   * condition that the pool's resourceVersion is still the one given (else the API server answers 409).
   */
  setReplicas(pool: Pool, replicas: number, fieldManager: string): Promise<void>;
}

export type EventType = 'Normal' | 'Warning';

export interface EventSink {
  /** Records a Kubernetes Event on the pool; never throws, never blocks the reconcile. */
  emit(pool: Pool, type: EventType, reason: Reason, message: string): void;
}
