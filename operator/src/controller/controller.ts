// The controller: informers feed a work queue keyed by pool; workers reconcile; a resync re-enqueues all pools.
import type { V1Pod } from '@kubernetes/client-node';
import type { Pool } from '../api/pool.ts';
import { InvalidSpecError } from '../errors.ts';
import { errorText, type Logger } from '../log.ts';
import { keyOf, LABELS } from '../metadata.ts';
import type { OperatorMetrics } from '../metrics.ts';
import type { Expectations } from '../reconcile/expectations.ts';
import { isTerminating } from '../reconcile/podstate.ts';
import type { Reconciler } from '../reconcile/reconciler.ts';
import type { WorkQueue } from './workqueue.ts';

const NAME = 'consumerpool';

/** The pool key a pod belongs to: its controller owner reference naming a ConsumerPool. */
export function ownerKey(pod: V1Pod): string | undefined {
  const owner = pod.metadata?.ownerReferences?.find((r) => r.controller && r.kind === 'ConsumerPool');
  const ns = pod.metadata?.namespace;
  return owner && ns ? keyOf(ns, owner.name) : undefined;
}

export interface ControllerDeps {
  queue: WorkQueue;
  reconciler: Reconciler;
  expectations: Expectations;
  metrics: OperatorMetrics;
  log: Logger;
  /** All pool keys in the cache, for the periodic resync. */
  poolKeys(): Iterable<string>;
  workers: number;
  resyncMs: number;
}

export class Controller {
  private readonly deps: ControllerDeps;
  private resync: NodeJS.Timeout | undefined;
  private running: Promise<void>[] = [];

  constructor(deps: ControllerDeps) {
    this.deps = deps;
  }

  /** Informer handlers for pools: every change enqueues the pool. */
  poolHandlers(): { add(p: Pool): void; update(p: Pool): void; delete(p: Pool): void } {
    const enqueue = (p: Pool): void => this.deps.queue.add(keyOf(p.metadata.namespace, p.metadata.name));
    return { add: enqueue, update: enqueue, delete: enqueue };
  }

  /** Informer handlers for pods: observe expectations, enqueue the owner. */
  podHandlers(): { add(p: V1Pod): void; update(p: V1Pod, old: V1Pod): void; delete(p: V1Pod): void } {
    const { queue, expectations } = this.deps;
    const name = (p: V1Pod): string => p.metadata?.name ?? '';
    return {
      add: (pod) => {
        const key = ownerKey(pod);
        if (!key) return;
        if (isTerminating(pod)) expectations.deletionObserved(key, name(pod));
        else expectations.creationObserved(key);
        queue.add(key);
      },
      update: (pod, old) => {
        const key = ownerKey(pod) ?? ownerKey(old);
        if (!key) return;
        if (isTerminating(pod)) expectations.deletionObserved(key, name(pod));
        queue.add(key);
      },
      delete: (pod) => {
        const key = ownerKey(pod);
        if (!key) return;
        expectations.deletionObserved(key, name(pod));
        queue.add(key);
      },
    };
  }

  /** Starts the workers and the resync; resolves when stop() has drained them. */
  start(): void {
    const { deps } = this;
    const enqueueAll = (): void => { for (const key of deps.poolKeys()) deps.queue.add(key); };
    this.running = Array.from({ length: deps.workers }, () => this.worker());
    this.resync = setInterval(enqueueAll, deps.resyncMs);
    this.resync.unref();
    enqueueAll();
  }

  async stop(): Promise<void> {
    if (this.resync) clearInterval(this.resync);
    this.deps.queue.shutDown();
    await Promise.all(this.running);
  }

  private async worker(): Promise<void> {
    const { queue, reconciler, metrics, log } = this.deps;
    for (let key = await queue.get(); key !== undefined; key = await queue.get()) {
      const end = metrics.reconcileTime.startTimer({ controller: NAME });
      try {
        const result = await reconciler.reconcile(key);
        queue.forget(key);
        if (result.requeueAfterMs !== undefined) {
          queue.addAfter(key, result.requeueAfterMs);
          metrics.reconcileTotal.inc({ controller: NAME, result: 'requeue_after' });
        } else {
          metrics.reconcileTotal.inc({ controller: NAME, result: 'success' });
        }
      } catch (err) {
        metrics.reconcileErrors.inc({ controller: NAME });
        metrics.reconcileTotal.inc({ controller: NAME, result: 'error' });
        const invalid = err instanceof InvalidSpecError;
        log.warn({ pool: key, err: errorText(err), retries: queue.retries(key) }, invalid ? 'invalid spec' : 'reconcile failed');
        if (invalid) queue.forget(key);
        else queue.addRateLimited(key);
      } finally {
        end();
        queue.done(key);
        metrics.queueDepth.set({ name: NAME }, queue.length);
      }
    }
  }
}

/** Selector for the pod informer: only pods that carry the pool label. */
export const POD_SELECTOR = LABELS.pool;
