// The depth handle of a pool's current broker and queue: its Secrets, acquire and release, one read (with its pods' signals).
import type { V1Pod } from '@kubernetes/client-node';
import type { BrokerSpec, Pool } from '../api/pool.ts';
import { errorText } from '../log.ts';
import type { DepthHandle } from './depth-sources.ts';
import { completionRate, signalTargets, withPodCompletions, withPodSignals, type AckSample } from './pod-depth.ts';
import type { PodSignal, PodSignals } from './pod-signals.ts';
import type { BrokerTls } from './tls.ts';
import type { QueueRef, ReadFailureKind, Reading } from './types.ts';

type BrokerTlsSpec = NonNullable<BrokerSpec['tls']>;

export interface SourceDeps {
  sources: { acquire(ref: QueueRef): DepthHandle };
  secrets: { value(namespace: string, ref: { name: string; key: string }): Promise<string>; forget(namespace: string, name: string): void };
  /** The pool's pods (the informer cache) and the reader of their in-flight counts; without it, unacked comes from the broker alone. */
  pods?: { of(pool: Pool): readonly V1Pod[]; signals: Pick<PodSignals, 'read'> } | undefined;
  /** Epoch milliseconds (the pods' completion rate). */
  now(): number;
}

/** Where a tracked pool keeps its handle, with the broker and queue it was acquired for. */
export interface SourceSlot {
  source?: { config: string; handle: DepthHandle };
  /** The pods' settled counters at the last read that asked them. */
  acks?: AckSample;
}

/** The broker and queue a pool's depth comes from: a change means another depth handle. */
export function sourceConfig(pool: Pool): string {
  return JSON.stringify([pool.spec.broker, pool.spec.queue.name]);
}

/**
 * One depth read on the handle for the pool's current broker and queue; undefined when the pool changed while
 * its Secrets were read. A Secret that cannot be read is a failed read (never a scale-down).
 */
export async function readDepth(deps: SourceDeps, t: SourceSlot, pool: Pool, fresh: () => Pool | undefined): Promise<Reading | undefined> {
  const config = sourceConfig(pool);
  if (t.source !== undefined && t.source.config !== config) {
    void t.source.handle.release();
    t.source = undefined;
  }
  if (t.source === undefined) {
    let ref: QueueRef;
    try {
      ref = await queueRef(deps, pool);
    } catch (err) {
      return refused(err);
    }
    if (fresh() === undefined) return undefined; // acquire nothing for a broker or queue the pool no longer names
    try {
      t.source = { config, handle: deps.sources.acquire(ref) };
    } catch (err) {
      return refused(err);
    }
  }
  const { handle } = t.source;
  // the pods are asked beside the broker, so a silent pod costs no more than its timeout
  const [reading, signals] = await Promise.all([handle.read(), podSignals(deps, pool)]);
  if (!reading.ok && t.source?.handle === handle && (await secretsChanged(deps, pool, handle.ref, reading.kind))) {
    void handle.release(); // rotated credentials, a corrected CA: the next read connects with them
    t.source = undefined;
  }
  return withPods(reading, signals, t, deps.now());
}

/** A successful read with its unacked part, and where the broker gave none its completion rate, from the pods. */
function withPods(reading: Reading, signals: readonly PodSignal[] | undefined, t: SourceSlot, now: number): Reading {
  if (signals === undefined) return reading;
  const { rate, sample } = completionRate(t.acks, signals, now);
  t.acks = sample;
  if (!reading.ok) return reading;
  return { ...reading, depth: withPodCompletions(withPodSignals(reading.depth, signals), rate) };
}

/** The in-flight counts of the pool's ready pods; undefined when the pool's pods are not asked (see signalTargets). */
async function podSignals(deps: SourceDeps, pool: Pool): Promise<PodSignal[] | undefined> {
  const targets = deps.pods === undefined ? undefined : signalTargets(pool, deps.pods.of(pool));
  return targets === undefined ? undefined : deps.pods?.signals.read(targets);
}

/**
 * After a failed read: whether the pool's Secrets now hold another URI or certificate than the handle's. An access
 * error reads them from the API server at once (credentials may have been rotated); other failures (a wrong CA is
 * one) take them from the reader's cache, which asks again after its TTL, so a broker outage costs no Secret reads.
 */
async function secretsChanged(deps: SourceDeps, pool: Pool, held: QueueRef, kind: ReadFailureKind): Promise<boolean> {
  if (kind === 'accessRefused') forgetSecrets(deps, pool);
  try {
    return JSON.stringify(await queueRef(deps, pool)) !== JSON.stringify(held);
  } catch {
    return true; // unreadable now: the next read says why
  }
}

async function queueRef(deps: SourceDeps, pool: Pool): Promise<QueueRef> {
  const { broker, queue } = pool.spec;
  const ns = pool.metadata.namespace;
  const uri = await deps.secrets.value(ns, broker.uriSecretRef);
  const managementUri = broker.managementUriSecretRef ? await deps.secrets.value(ns, broker.managementUriSecretRef) : undefined;
  const prometheus = broker.prometheusUriSecretRef ? { prometheusUri: await deps.secrets.value(ns, broker.prometheusUriSecretRef) } : {};
  return { uri, managementUri, ...prometheus, queue: queue.name, ...(broker.tls ? { tls: await brokerTls(deps.secrets, ns, broker.tls) } : {}) };
}

/** ca.crt, and tls.crt and tls.key for a client certificate, from the pool's TLS Secret (a missing key fails the read). */
export async function brokerTls(secrets: Pick<SourceDeps['secrets'], 'value'>, ns: string, tls: BrokerTlsSpec): Promise<BrokerTls> {
  const read = (key: string): Promise<string> => secrets.value(ns, { name: tls.secretName, key });
  const ca = await read('ca.crt');
  return tls.clientCertificate ? { ca, cert: await read('tls.crt'), key: await read('tls.key') } : { ca };
}

function forgetSecrets(deps: SourceDeps, pool: Pool): void {
  const { broker } = pool.spec;
  deps.secrets.forget(pool.metadata.namespace, broker.uriSecretRef.name);
  if (broker.managementUriSecretRef) deps.secrets.forget(pool.metadata.namespace, broker.managementUriSecretRef.name);
  if (broker.prometheusUriSecretRef) deps.secrets.forget(pool.metadata.namespace, broker.prometheusUriSecretRef.name);
  if (broker.tls) deps.secrets.forget(pool.metadata.namespace, broker.tls.secretName);
}

function refused(err: unknown): Reading {
  return { ok: false, kind: 'accessRefused', error: errorText(err), latencyMs: 0 };
}
