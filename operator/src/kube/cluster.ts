// The operator's writes to the API server (pods, pool status, the scale subresource), behind ClusterWriter.
import type { V1Pod } from '@kubernetes/client-node';
import type { Pool } from '../api/pool.ts';
import { httpStatus } from '../errors.ts';
import type { KubeApi } from './api.ts';
import type { Lane } from './lanes.ts';
import { Resources } from './resources.ts';
import { API_VERSION, FIELD_MANAGERS, KIND } from '../metadata.ts';
import type { ClusterWriter } from '../reconcile/ports.ts';
import type { ScalerStatus } from '../status/autoscaler-status.ts';
import type { OperatorStatus } from '../status/status.ts';
import type { TopologyStatus } from '../status/topology-status.ts';
import type { ReplayStatus } from '../replay/runner.ts';

/**
 * Called right before every write is issued: it counts it (hare_api_writes_total), or throws to refuse it
 * (the leader's write gate; nothing is sent).
 */
export type WriteHook = (verb: 'create' | 'delete' | 'patch', resource: string) => void;

export class KubeClusterWriter implements ClusterWriter {
  private readonly api: Resources;
  private readonly onWrite: WriteHook;

  constructor(api: KubeApi, onWrite: WriteHook = () => undefined) {
    this.api = new Resources(api);
    this.onWrite = onWrite;
  }

  async createPod(pod: V1Pod): Promise<V1Pod> {
    this.onWrite('create', 'pods'); // a refusal rejects this promise, not the caller's loop
    return this.api.createNamespacedPod(pod.metadata?.namespace ?? '', pod, FIELD_MANAGERS.operator);
  }

  async deletePod(namespace: string, name: string, uid: string): Promise<void> {
    this.onWrite('delete', 'pods');
    try {
      await this.api.deleteNamespacedPod(namespace, name, uid);
    } catch (err) {
      if (httpStatus(err) !== 404) throw err;
    }
  }

  async applyStatus(pool: Pool, status: OperatorStatus): Promise<void> {
    await this.applyStatusAs(pool, status, FIELD_MANAGERS.operator, 'first');
  }

  /** The operator's own status goes in the first lane with the pods; the broker loops' parts wait behind them. */
  private async applyStatusAs(pool: Pool, status: object, fieldManager: string, lane: Lane = 'later'): Promise<void> {
    const { name, namespace } = pool.metadata;
    this.onWrite('patch', 'consumerpools/status');
    const body = { apiVersion: API_VERSION, kind: KIND, metadata: { name, namespace }, status };
    await this.api.patchNamespacedCustomObjectStatus(namespace, name, body, fieldManager, lane);
  }

  /** Server-side applies the autoscaler's status fields with the autoscaler's field manager. */
  async applyScalerStatus(pool: Pool, status: ScalerStatus): Promise<void> {
    await this.applyStatusAs(pool, status, FIELD_MANAGERS.autoscaler);
  }

  /** Server-side applies TopologyReady and status.topology with the topology's field manager. */
  async applyTopologyStatus(pool: Pool, status: TopologyStatus): Promise<void> {
    await this.applyStatusAs(pool, status, FIELD_MANAGERS.topology);
  }

  /** Server-side applies status.replay with the replay's field manager. */
  async applyReplayStatus(pool: Pool, status: { replay: ReplayStatus }): Promise<void> {
    await this.applyStatusAs(pool, status, FIELD_MANAGERS.replay);
  }

  /**
   * Through the scale subresource, as kubectl scale, the HPA and KEDA do. When spec.replicas is absent the
   * API server accepts a scale patch but records no field owner, so the first value goes on the pool itself.
   * The pool's resourceVersion is a precondition: a pool changed since it was read gets a 409, not this value.
   */
  async setReplicas(pool: Pool, replicas: number, fieldManager: string): Promise<void> {
    const { name, namespace, resourceVersion } = pool.metadata;
    const body = { metadata: resourceVersion === undefined ? {} : { resourceVersion }, spec: { replicas } };
    if (pool.spec.replicas === undefined) {
      this.onWrite('patch', 'consumerpools');
      await this.api.patchNamespacedCustomObject(namespace, name, body, fieldManager);
    } else {
      this.onWrite('patch', 'consumerpools/scale');
      await this.api.patchNamespacedCustomObjectScale(namespace, name, body, fieldManager);
    }
  }
}
