// The operator's writes to the API server (pods, pool status, the scale subresource), behind ClusterWriter.
import {
  CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig, type V1Pod,
} from '@kubernetes/client-node';
import type { Pool } from '../api/pool.ts';
import { httpStatus } from '../errors.ts';
import { API_VERSION, FIELD_MANAGERS, GROUP, KIND, PLURAL, VERSION } from '../metadata.ts';
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
  private readonly core: CoreV1Api;
  private readonly custom: CustomObjectsApi;
  private readonly onWrite: WriteHook;

  constructor(kc: KubeConfig, onWrite: WriteHook = () => undefined) {
    this.core = kc.makeApiClient(CoreV1Api);
    this.custom = kc.makeApiClient(CustomObjectsApi);
    this.onWrite = onWrite;
  }

  async createPod(pod: V1Pod): Promise<V1Pod> {
    this.onWrite('create', 'pods'); // a refusal rejects this promise, not the caller's loop
    return this.core.createNamespacedPod({ namespace: pod.metadata?.namespace ?? '', body: pod, fieldManager: FIELD_MANAGERS.operator });
  }

  async deletePod(namespace: string, name: string, uid: string): Promise<void> {
    this.onWrite('delete', 'pods');
    try {
      await this.core.deleteNamespacedPod({ namespace, name, body: { preconditions: { uid } } });
    } catch (err) {
      if (httpStatus(err) !== 404) throw err;
    }
  }

  async applyStatus(pool: Pool, status: OperatorStatus): Promise<void> {
    await this.applyStatusAs(pool, status, FIELD_MANAGERS.operator);
  }

  private async applyStatusAs(pool: Pool, status: object, fieldManager: string): Promise<void> {
    const { name, namespace } = pool.metadata;
    this.onWrite('patch', 'consumerpools/status');
    await this.custom.patchNamespacedCustomObjectStatus(
      {
        group: GROUP, version: VERSION, plural: PLURAL, namespace, name,
        body: { apiVersion: API_VERSION, kind: KIND, metadata: { name, namespace }, status },
        fieldManager, force: true,
      },
      setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply),
    );
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
    const target = { group: GROUP, version: VERSION, plural: PLURAL, namespace, name, body, fieldManager };
    const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
    if (pool.spec.replicas === undefined) {
      this.onWrite('patch', 'consumerpools');
      await this.custom.patchNamespacedCustomObject(target, merge);
    } else {
      this.onWrite('patch', 'consumerpools/scale');
      await this.custom.patchNamespacedCustomObjectScale(target, merge);
    }
  }
}
