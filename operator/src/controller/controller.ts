// The controller: informers feed a work queue keyed by pool; workers reconcile; a resync re-enqueues all pools.
import type { V1Pod } from '@kubernetes/client-node';
import type { Pool } from '../api/pool.ts';
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
  reconciler: Pick<Reconciler, 'reconcile'>;
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

  /**
   * Informer handlers for pods: observe expectations, enqueue the owner. The owner is enqueued even when the
   * bookkeeping throws (the reflector logs the throw with the pod's key), so the event still leads to a reconcile.
   */
  podHandlers(): { add(p: V1Pod): void; update(p: V1Pod, old: V1Pod): void; delete(p: V1Pod): void } {
    const { queue, expectations } = this.deps;
    const name = (p: V1Pod): string => p.metadata?.name ?? '';
    const observe = (key: string | undefined, note: (key: string) => void): void => {
      if (!key) return;
      try {
        note(key);
      } finally {
        queue.add(key);
      }
    };
    return {
      add: (pod) => observe(ownerKey(pod), (key) => {
        if (isTerminating(pod)) expectations.deletionObserved(key, name(pod));
        else expectations.creationObserved(key);
      }),
      update: (pod, old) => observe(ownerKey(pod) ?? ownerKey(old), (key) => {
        if (isTerminating(pod)) expectations.deletionObserved(key, name(pod));
      }),
      delete: (pod) => observe(ownerKey(pod), (key) => expectations.deletionObserved(key, name(pod))),
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
        // the reconciler turns a refused spec into requeueAfterMs; whatever it throws is worth a retry
        metrics.reconcileErrors.inc({ controller: NAME });
        metrics.reconcileTotal.inc({ controller: NAME, result: 'error' });
        log.warn({ pool: key, err: errorText(err), retries: queue.retries(key) }, 'reconcile failed');
        queue.addRateLimited(key);
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
