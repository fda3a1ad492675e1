// Fakes for unit tests of the autoscaler loop: a manual clock, depth sources, the pool cache, a scale writer, Secrets.
import { Registry } from 'prom-client';
import { pino } from 'pino';
import type { Pool } from '../../api/pool.ts';
import { keyOf } from '../../metadata.ts';
import type { ScalerStatus } from '../../status/autoscaler-status.ts';
import { FakeEvents } from '../../testing/fakes.ts';
import type { DepthHandle } from '../depth-sources.ts';
import { FakeClock } from '../../testing/clock.ts';
import type { AutoscalerDeps } from '../loop.ts';
import { ScalerMetrics } from '../scaler-metrics.ts';
import type { QueueRef, Reading } from '../types.ts';

export class FakeHandle implements DepthHandle {
  released = false;
  reads = 0;
  readonly ref: QueueRef;
  private readonly sources: FakeSources;

  constructor(ref: QueueRef, sources: FakeSources) {
    this.ref = ref;
    this.sources = sources;
  }

  async read(): Promise<Reading> {
    this.reads++;
    await this.sources.duringRead?.(this.ref);
    return this.sources.depth.get(this.ref.queue) ?? { ok: false, kind: 'notFound', error: `no queue ${this.ref.queue}`, latencyMs: 1 };
  }

  release(): Promise<void> {
    this.released = true;
    return Promise.resolve();
  }
}

/** Readings by queue name; `duringRead` runs inside every read (the test changes the world there). */
export class FakeSources {
  readonly handles: FakeHandle[] = [];
  readonly depth = new Map<string, Reading>();
  duringRead: ((ref: QueueRef) => void | Promise<void>) | undefined;

  acquire(ref: QueueRef): DepthHandle {
    const handle = new FakeHandle(ref, this);
    this.handles.push(handle);
    return handle;
  }

  /** Handles not released yet, by queue. */
  open(): string[] {
    return this.handles.filter((h) => !h.released).map((h) => h.ref.queue);
  }
}

export class FakeSecrets {
  reads = 0;
  forgotten: string[] = [];
  duringRead: (() => void) | undefined;
  /** Values that replace the default one, by `namespace/name/key` (a rotated password, a corrected CA). */
  readonly values = new Map<string, string>();

  async value(namespace: string, ref: { name: string; key: string }): Promise<string> {
    this.reads++;
    await Promise.resolve();
    this.duringRead?.();
    return this.values.get(`${namespace}/${ref.name}/${ref.key}`) ?? `amqp://${namespace}.${ref.name}.${ref.key}/`;
  }

  forget(namespace: string, name: string): void {
    this.forgotten.push(`${namespace}/${name}`);
  }
}

/** The informer cache. `set` stores a copy, so later edits by the test are a new version, as on the server. */
export class FakePools {
  private readonly store = new Map<string, Pool>();
  private version = 100;

  get(namespace: string, name: string): Pool | undefined {
    return this.store.get(keyOf(namespace, name));
  }

  set(pool: Pool): Pool {
    const copy = structuredClone(pool);
    copy.metadata.resourceVersion = String(++this.version);
    this.store.set(keyOf(copy.metadata.namespace, copy.metadata.name), copy);
    return copy;
  }

  /** A spec change as the API server makes it: generation + 1, a new resourceVersion. */
  edit(namespace: string, name: string, change: (pool: Pool) => void): Pool {
    const pool = structuredClone(this.get(namespace, name)!);
    change(pool);
    pool.metadata.generation = (pool.metadata.generation ?? 0) + 1;
    return this.set(pool);
  }

  delete(namespace: string, name: string): void {
    this.store.delete(keyOf(namespace, name));
  }
}

/** /scale and status writes; a successful scale comes back through the cache at once (an instant watch). */
export class FakeScaleWriter {
  readonly scales: { replicas: number; manager: string; resourceVersion: string | undefined; uid: string | undefined }[] = [];
  readonly statuses: ScalerStatus[] = [];
  /** The next this many scale writes are refused with 409 Conflict. */
  conflicts = 0;
  private readonly pools: FakePools;

  constructor(pools: FakePools) {
    this.pools = pools;
  }

  setReplicas(pool: Pool, replicas: number, manager: string): Promise<void> {
    if (this.conflicts > 0) {
      this.conflicts--;
      return Promise.reject(Object.assign(new Error('HTTP-Code: 409 Conflict'), { code: 409 }));
    }
    this.scales.push({ replicas, manager, resourceVersion: pool.metadata.resourceVersion, uid: pool.metadata.uid });
    this.pools.edit(pool.metadata.namespace, pool.metadata.name, (p) => { p.spec.replicas = replicas; });
    return Promise.resolve();
  }

  applyScalerStatus(pool: Pool, status: ScalerStatus): Promise<void> {
    this.statuses.push(status);
    const current = this.pools.get(pool.metadata.namespace, pool.metadata.name);
    if (current) this.pools.set({ ...current, status: { ...current.status, ...status } });
    return Promise.resolve();
  }
}

/** Every fake wired into AutoscalerDeps, plus the log lines and the metrics registry. */
export function fakeLoopDeps(random = (): number => 0.5): {
  deps: AutoscalerDeps; clock: FakeClock; sources: FakeSources; secrets: FakeSecrets; pools: FakePools;
  writer: FakeScaleWriter; events: FakeEvents; logs: { level: number; msg: string }[]; registry: Registry;
} {
  const clock = new FakeClock();
  const sources = new FakeSources();
  const secrets = new FakeSecrets();
  const pools = new FakePools();
  const writer = new FakeScaleWriter(pools);
  const events = new FakeEvents();
  const registry = new Registry();
  const logs: { level: number; msg: string }[] = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => void logs.push(JSON.parse(line) as { level: number; msg: string }) });
  const deps: AutoscalerDeps = { sources, secrets, pools, writer, events, metrics: new ScalerMetrics(registry), log, clock, random };
  return { deps, clock, sources, secrets, pools, writer, events, logs, registry };
}
