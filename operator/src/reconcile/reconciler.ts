// One reconcile of one pool: observe (caches) -> plan (pure) -> apply (writes) -> status (only when changed).
import type { V1Pod } from '@kubernetes/client-node';
import { defaultReplicas, type Pool } from '../api/pool.ts';
import { InvalidSpecError, TransientError } from '../errors.ts';
import { FIELD_MANAGERS, keyOf, REASONS, splitKey } from '../metadata.ts';
import { desiredPod } from '../resources/pod.ts';
import { autoscalerOff, disabledScalerStatus, scalerStatusStale } from '../status/autoscaler-status.ts';
import { computeStatus, statusChanged, statusRecheckMs } from '../status/status.ts';
import { applyPlan } from './apply.ts';
import type { Expectations } from './expectations.ts';
import { plan } from './plan.ts';
import type { ClusterWriter, EventSink } from './ports.ts';
import type { BrokerBusy } from './busy.ts';

export interface ReconcilerDeps {
  pools: { get(namespace: string, name: string): Pool | undefined };
  /** The pool's own pods (controller owner reference = the pool), terminating ones included. */
  podsOf(pool: Pool): V1Pod[];
  /** Unacknowledged messages per connection name and peer address, when the broker's HTTP API is configured for the pool. */
  busyOf?(pool: Pool): BrokerBusy | undefined;
  writer: ClusterWriter;
  events: EventSink;
  expectations: Expectations;
  /** Set when this process runs without its autoscaler (--no-autoscaler): every pool then shows it disabled. */
  autoscalerDisabled?: boolean;
  now(): Date;
}

export interface ReconcileResult {
  /** Reconcile again after this long (invalid specs instead of a hot retry; a drain that will outlast its grace period). */
  requeueAfterMs?: number;
}

/** The status waits at most this long for the cache to show the operator's own creates and deletes. */
export const STATUS_WAIT_MS = 30_000;

/** How soon an unusable spec is tried again (quota or admission policy may change meanwhile). */
export const INVALID_SPEC_RETRY_MS = 5 * 60_000;

export class Reconciler {
  private readonly deps: ReconcilerDeps;
  /**
   * Pools whose current generation the API server refused: no new attempt until the spec changes or the retry
   * time. A memo belongs to one uid: a pool deleted and recreated under the same name is tried at once.
   */
  private readonly invalid = new Map<string, { uid: string | undefined; generation: number | undefined; at: number; message: string }>();

  constructor(deps: ReconcilerDeps) {
    this.deps = deps;
  }

  async reconcile(key: string): Promise<ReconcileResult> {
    const { namespace, name } = splitKey(key);
    const { deps } = this;
    const pool = deps.pools.get(namespace, name);
    if (!pool) {
      deps.expectations.delete(key); // deleted: garbage collection removes the pods
      this.invalid.delete(key);
      return {};
    }
    if (pool.metadata.deletionTimestamp) return {};
    if (pool.spec.replicas === undefined) return this.defaultReplicas(pool);

    const { pod, templateHash } = desiredPod(pool);
    const pods = deps.podsOf(pool);
    const { invalidSpec, failure: applyFailure } = await this.attempt(key, pool, pool.spec.replicas, pod, templateHash, pods);
    const now = deps.now();
    const { failure: statusFailure, waitMs } = await this.writeStatus(key, pool, { pods, templateHash, invalidSpec, applyFailure, now });
    const scalerFailure = await this.showAutoscalerOff(key, pool, now);
    const failure = applyFailure ?? statusFailure ?? scalerFailure;
    if (failure !== undefined) throw failure;
    const requeue = Math.min(invalidSpec !== undefined ? INVALID_SPEC_RETRY_MS : Infinity, statusRecheckMs(pods, now) ?? Infinity, waitMs ?? Infinity);
    return Number.isFinite(requeue) ? { requeueAfterMs: requeue } : {};
  }

  /**
   * Writes the status when it changed. A status computed while the cache lacks this operator's own creates or
   * deletes is stale by construction: the pod events that meet the expectations reconcile again and write it then.
   * A failure or a refusal is written at once, and so is any status once the writes have waited STATUS_WAIT_MS
   * (a lost watch event: `waitMs` brings the reconcile back then).
   */
  private async writeStatus(
    key: string, pool: Pool, o: { pods: V1Pod[]; templateHash: string; invalidSpec?: string; applyFailure?: Error; now: Date },
  ): Promise<{ failure?: Error; waitMs?: number }> {
    const unmetFor = this.deps.expectations.unmetFor(key);
    if (unmetFor !== undefined && unmetFor < STATUS_WAIT_MS && o.invalidSpec === undefined && o.applyFailure === undefined) {
      return { waitMs: STATUS_WAIT_MS - unmetFor };
    }
    const status = computeStatus({ pool, pods: o.pods, templateHash: o.templateHash, invalidSpec: o.invalidSpec, retrying: o.applyFailure?.message, now: o.now });
    if (!statusChanged(pool, status)) return {};
    const failure = await this.write(`status of ${key}`, () => this.deps.writer.applyStatus(pool, status));
    return failure ? { failure } : {};
  }

  /**
   * While the autoscaler does not act on the pool, its part of the status says so (AutoscalingActive=False,
   * Disabled) and nothing else: the queue numbers, status.autoscaler and BrokerReachable it wrote before go.
   */
  private async showAutoscalerOff(key: string, pool: Pool, now: Date): Promise<Error | undefined> {
    const why = autoscalerOff(pool, !this.deps.autoscalerDisabled);
    if (why === undefined) return undefined;
    const status = disabledScalerStatus(pool, why, now);
    return scalerStatusStale(pool, status) ? this.write(`autoscaler status of ${key}`, () => this.deps.writer.applyScalerStatus(pool, status)) : undefined;
  }

  private async write(what: string, call: () => Promise<void>): Promise<Error | undefined> {
    try {
      await call();
      return undefined;
    } catch (err) {
      return new TransientError(`write ${what}`, { cause: err });
    }
  }

  /** Applies the plan unless this generation was refused recently; remembers a refusal. */
  private async attempt(
    key: string, pool: Pool, replicas: number, pod: V1Pod, templateHash: string, pods: V1Pod[],
  ): Promise<{ invalidSpec?: string; failure?: Error }> {
    const now = this.deps.now().getTime();
    const memo = this.invalid.get(key);
    const { uid, generation } = pool.metadata;
    if (memo && memo.uid === uid && memo.generation === generation && now - memo.at < INVALID_SPEC_RETRY_MS) return { invalidSpec: memo.message };
    const outcome = await this.planAndApply(pool, replicas, pod, templateHash, pods);
    if (outcome.invalidSpec !== undefined) this.invalid.set(key, { uid, generation, at: now, message: outcome.invalidSpec });
    else this.invalid.delete(key);
    return outcome;
  }

  /** Plans and applies unless earlier writes are still unobserved; sorts out the two error kinds. */
  private async planAndApply(
    pool: Pool, replicas: number, pod: V1Pod, templateHash: string, pods: V1Pod[],
  ): Promise<{ invalidSpec?: string; failure?: Error }> {
    const { deps } = this;
    if (!deps.expectations.satisfied(keyOf(pool.metadata.namespace, pool.metadata.name))) return {};
    const planned = plan({ replicas, templateHash, pods, busy: deps.busyOf?.(pool) });
    try {
      await applyPlan(pool, pod, planned, deps);
      return {};
    } catch (err) {
      if (err instanceof InvalidSpecError) return { invalidSpec: err.message };
      return { failure: err instanceof Error ? err : new TransientError('apply failed', { cause: err }) };
    }
  }

  /** spec.replicas is absent: write the default through the scale subresource; the update brings us back. */
  private async defaultReplicas(pool: Pool): Promise<ReconcileResult> {
    const replicas = defaultReplicas(pool);
    try {
      await this.deps.writer.setReplicas(pool, replicas, FIELD_MANAGERS.operator);
    } catch (err) {
      throw new TransientError(`default spec.replicas of ${pool.metadata.name}`, { cause: err });
    }
    this.deps.events.emit(pool, 'Normal', REASONS.replicasDefaulted, `spec.replicas was not set; set it to ${replicas}`);
    return {};
  }
}
