// Wires the operator together: informers, pod index, work queue, reconciler, leader election, HTTP endpoints.
import type { Server } from 'node:http';
import type { V1Pod } from '@kubernetes/client-node';
import type { Pool } from './api/pool.ts';
import type { OperatorConfig } from './config.ts';
import { Autoscaler, DepthSources, PodSignals, ScalerMetrics } from './autoscaler/index.ts';
import { systemClock } from './clock.ts';
import { Controller, POD_SELECTOR } from './controller/controller.ts';
import { PodIndex } from './controller/podindex.ts';
import { WorkQueue } from './controller/workqueue.ts';
import { KubeApi, LEASE_CONNECTIONS, MAX_CONNECTIONS } from './kube/api.ts';
import { KubeClusterWriter, type WriteHook } from './kube/cluster.ts';
import { KubeEventRecorder } from './kube/events.ts';
import type { CredentialSource } from './kube/kubeconfig.ts';
import { LeaderElector } from './kube/leader.ts';
import { KubeLeaseClient } from './kube/lease-client.ts';
import { SecretReader } from './kube/secrets.ts';
import { poolPage } from './kube/pool-page.ts';
import { Reflector, type Page } from './kube/reflector.ts';
import { paths, Resources } from './kube/resources.ts';
import { TransientError } from './errors.ts';
import type { Logger } from './log.ts';
import { keyOf, PLURAL, POOL_RESOURCE, REASONS } from './metadata.ts';
import { OperatorMetrics } from './metrics.ts';
import { Expectations } from './reconcile/expectations.ts';
import { slimPod } from './reconcile/podstate.ts';
import { brokerReplay, ReplayRunner } from './replay/runner.ts';
import { brokerTopology, TopologyKeeper } from './topology/keeper.ts';
import { Reconciler } from './reconcile/reconciler.ts';
import { closeServer, startHealthServer, startMetricsServer } from './server/http.ts';

export class Operator {
  readonly metrics = new OperatorMetrics();
  readonly pools: Reflector<Pool>;
  readonly pods: Reflector<V1Pod>;
  readonly controller: Controller;
  private readonly index = new PodIndex();
  private readonly elector: LeaderElector | undefined;
  private readonly sources: DepthSources;
  private readonly autoscaler: Autoscaler | undefined;
  private readonly topology: TopologyKeeper;
  private readonly replay: ReplayRunner;
  private leading = false;
  private servers: Server[] = [];
  private readonly config: OperatorConfig;
  private readonly log: Logger;
  private readonly onFatal: (reason: string) => void;
  private readonly api: KubeApi;

  constructor(config: OperatorConfig, credentials: CredentialSource, log: Logger, onFatal: (reason: string) => void) {
    this.config = config;
    this.log = log;
    const { metrics } = this;
    const ns = config.namespace;
    const api = new KubeApi(credentials, { connections: MAX_CONNECTIONS });
    this.api = api;
    this.sources = new DepthSources({ connectionName: `hare-operator-autoscaler/${config.identity}`, log: log.child({ component: 'depth' }) });
    const expectations = new Expectations();
    const queue = new WorkQueue(undefined, {
      onAdd: () => metrics.queueAdds.inc({ name: 'consumerpool' }),
      onRetry: () => metrics.queueRetries.inc({ name: 'consumerpool' }),
      onGet: (ms) => metrics.queueWait.observe({ name: 'consumerpool' }, ms / 1000),
    });
    // the write gate: with leader election, nothing is written unless this replica holds the lease right now
    const counted: WriteHook = (verb, resource) => {
      if (this.elector && !this.elector.mayWrite()) throw new TransientError(`${verb} ${resource}: not the leader`);
      metrics.apiWrites.inc({ verb, resource });
    };
    const writer = new KubeClusterWriter(api, counted);
    const events = new KubeEventRecorder(api, log.child({ component: 'events' }), config.identity, counted);
    const poolCache = { get: (namespace: string, name: string): Pool | undefined => this.pools.get(keyOf(namespace, name)) };
    const secrets = new SecretReader(api);
    this.topology = new TopologyKeeper({
      broker: brokerTopology(this.sources), secrets, pools: poolCache, writer, events, log: log.child({ component: 'topology' }), clock: systemClock,
    });
    this.replay = new ReplayRunner({
      broker: brokerReplay(this.sources), secrets, pools: poolCache, writer, events, log: log.child({ component: 'replay' }),
      clock: systemClock, ratePerSecond: config.replayRate,
    });
    if (config.autoscaler) {
      this.autoscaler = new Autoscaler({
        sources: this.sources, secrets, pools: poolCache, writer, events,
        pods: { of: (pool) => this.index.podsOf(pool), signals: new PodSignals() },
        metrics: new ScalerMetrics(metrics.registry), log: log.child({ component: 'autoscaler' }), clock: systemClock, random: Math.random,
      });
    }
    const reconciler = new Reconciler({
      pools: poolCache,
      podsOf: (pool) => this.index.podsOf(pool),
      busyOf: (pool) => this.autoscaler?.busyOf(pool),
      writer, events, expectations, autoscalerDisabled: !config.autoscaler,
      now: () => new Date(),
    });
    this.controller = new Controller({
      queue, reconciler, expectations, metrics, log: log.child({ component: 'controller' }),
      poolKeys: () => [...this.pools.values()].map((p) => keyOf(p.metadata.namespace, p.metadata.name)),
      workers: config.workers, resyncMs: config.resyncMs,
    });
    const enqueue = this.controller.poolHandlers();
    const poolHandlers = {
      add: (p: Pool) => { enqueue.add(p); this.follow(p); },
      update: (p: Pool) => { enqueue.update(p); this.follow(p); },
      delete: (p: Pool) => {
        enqueue.delete(p);
        this.topology.forget(keyOf(p.metadata.namespace, p.metadata.name));
        this.replay.forget(keyOf(p.metadata.namespace, p.metadata.name));
        this.autoscaler?.forget(p);
        if (this.leading) events.emit(p, 'Normal', REASONS.queuesKept, queuesKeptMessage(p));
      },
    };
    const podHandlers = this.controller.podHandlers();
    const calls = new Resources(api);
    this.pools = new Reflector<Pool>({
      name: PLURAL, watch: api, log, path: paths.custom(POOL_RESOURCE, ns),
      list: async (page) => poolPage(ns ? await calls.listNamespacedCustomObject(ns, page) : await calls.listClusterCustomObject(page)),
      handlers: poolHandlers,
      onRelist: () => metrics.relists.inc({ resource: PLURAL }),
    });
    this.pods = new Reflector<V1Pod>({
      name: 'pods', watch: api, log, labelSelector: POD_SELECTOR, transform: slimPod,
      path: ns ? paths.core(ns, 'pods') : paths.coreAll('pods'),
      list: async (page) => (ns ? await calls.listNamespacedPod(ns, page) : await calls.listPodForAllNamespaces(page)) as Page<V1Pod>,
      handlers: {
        // the pool is enqueued even if the index throws (the reflector logs it with the pod's key)
        add: (p) => { try { this.index.add(p); } finally { podHandlers.add(p); } },
        update: (p, old) => { try { this.index.update(p, old); } finally { podHandlers.update(p, old); } },
        delete: (p) => { try { this.index.delete(p); } finally { podHandlers.delete(p); } },
      },
      onRelist: () => metrics.relists.inc({ resource: 'pods' }),
    });
    if (config.leaderElect) {
      this.elector = new LeaderElector({
        client: new KubeLeaseClient(new KubeApi(credentials, { connections: LEASE_CONNECTIONS }), config.lease), identity: config.identity, log: log.child({ component: 'leader' }),
        timing: { leaseDurationMs: config.leaseDurationMs, renewDeadlineMs: config.renewDeadlineMs, retryPeriodMs: config.retryPeriodMs },
      });
    }
    this.onFatal = onFatal;
  }

  async start(): Promise<void> {
    const { config, metrics } = this;
    this.servers = [
      await startMetricsServer(config.metricsPort, metrics.registry),
      await startHealthServer(config.healthPort, { healthy: () => this.healthy(), ready: () => this.pools.synced && this.pods.synced }),
    ];
    await Promise.all([this.pools.start(), this.pods.start()]);
    this.log.info({ pools: this.pools.size, pods: this.pods.size, namespace: config.namespace ?? '(all)' }, 'caches synced');
    setInterval(() => {
      metrics.cached.set({ resource: PLURAL }, this.pools.size);
      metrics.cached.set({ resource: 'pods' }, this.pods.size);
    }, 10_000).unref();
    // without election this replica leads from the start; the gauge says so, for the alerts on it
    metrics.leader.set({ name: config.lease.name }, this.elector ? 0 : 1);
    if (!this.elector) return this.lead();
    void this.elector.run({
      onStartedLeading: () => { metrics.leader.set({ name: config.lease.name }, 1); this.lead(); },
      onStoppedLeading: () => { metrics.leader.set({ name: config.lease.name }, 0); this.onFatal('lost leadership'); },
    });
  }

  async stop(): Promise<void> {
    this.topology.stop();
    this.replay.stop();
    this.autoscaler?.stop();
    await this.controller.stop();
    await this.sources.close();
    await this.elector?.stop();
    this.pools.stop();
    this.pods.stop();
    this.api.close();
    await Promise.all(this.servers.map(closeServer));
  }

  private lead(): void {
    this.log.info({ workers: this.config.workers, autoscaler: this.autoscaler !== undefined }, 'starting workers');
    this.leading = true;
    this.controller.start();
    for (const pool of this.pools.values()) this.follow(pool);
  }

  /** The leader's broker-side loops follow every pool change: its topology, replay requests and autoscaler. */
  private follow(pool: Pool): void {
    if (!this.leading) return;
    this.topology.sync(pool);
    this.replay.sync(pool);
    this.autoscaler?.sync(pool);
  }

  private healthy(): boolean {
    // a cache that no list or watch answer has reached for this long fails liveness (the process is restarted)
    return [this.pools, this.pods].every((r) => r.inContact(this.config.staleWatchMs));
  }
}

/** The Event of a deleted pool: its queues stay on the broker, with their messages. */
function queuesKeptMessage(pool: Pool): string {
  const q = pool.spec.queue.name;
  return `pool deleted; queue '${q}', '${q}.dead' and the delay queues stay on the broker with their messages (delete them there if they are no longer wanted)`;
}
