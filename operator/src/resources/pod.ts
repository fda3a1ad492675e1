// Builder for the consumer pod of a pool: desired(pool) -> the complete pod, deterministic, with its template hash.
import type { V1Container, V1EnvVar, V1Pod, V1PodSpec, V1Volume } from '@kubernetes/client-node';
import { ENV, GRACE_MARGIN_SECONDS, HTTP_PORT, HTTP_PORT_NAME, PATHS, TERMINATION_LOG } from '../../../consumer-image/src/contract.ts';
import { ownerReference, type Pool } from '../api/pool.ts';
import { CONTAINER_NAME, LABELS, podLabels } from '../metadata.ts';
import { shortHash } from './hash.ts';
import { RESTRICTED, withTemplate } from './template.ts';

export interface DesiredPod {
  pod: V1Pod;
  /** Hash of everything in the pod that comes from the pool; a change means the pods must roll. */
  templateHash: string;
}

/** The pod the pool wants. Same pool in, byte-identical pod out. */
export function desiredPod(pool: Pool): DesiredPod {
  const { name, namespace } = pool.metadata;
  const meta = pool.spec.template?.metadata;
  const spec = podSpec(pool);
  const userLabels = sorted(meta?.labels);
  const annotations = sorted(meta?.annotations);
  const templateHash = shortHash({ spec, labels: userLabels, annotations });
  const pod: V1Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: `${name}-`,
      namespace,
      labels: { ...userLabels, ...podLabels(name, templateHash) },
      ...(annotations ? { annotations } : {}),
      ownerReferences: [ownerReference(pool)],
    },
    spec,
  };
  return { pod, templateHash };
}

/** The template hash a pod was built from, if it carries one. */
export function templateHashOf(pod: V1Pod): string | undefined {
  return pod.metadata?.labels?.[LABELS.templateHash];
}

function podSpec(pool: Pool): V1PodSpec {
  const overrides = pool.spec.template?.spec ?? {};
  const spec: V1PodSpec = {
    restartPolicy: 'Always',
    terminationGracePeriodSeconds: pool.spec.drain.timeoutSeconds + GRACE_MARGIN_SECONDS,
    enableServiceLinks: false,
    automountServiceAccountToken: overrides.serviceAccountName !== undefined,
    // the image's numeric non-root USER applies (1000 in the runtime image); root images are refused
    securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
    containers: [container(pool)],
    volumes: [{ name: 'tmp', emptyDir: { sizeLimit: '64Mi' } }, ...brokerTlsVolumes(pool)],
  };
  if (overrides.serviceAccountName) spec.serviceAccountName = overrides.serviceAccountName;
  if (overrides.priorityClassName) spec.priorityClassName = overrides.priorityClassName;
  if (overrides.nodeSelector) spec.nodeSelector = sorted(overrides.nodeSelector);
  if (overrides.tolerations) spec.tolerations = overrides.tolerations;
  if (overrides.affinity) spec.affinity = overrides.affinity;
  if (overrides.imagePullSecrets) spec.imagePullSecrets = overrides.imagePullSecrets;
  return withTemplate(spec, overrides);
}

function container(pool: Pool): V1Container {
  const c: V1Container = {
    name: CONTAINER_NAME,
    image: pool.spec.image,
    imagePullPolicy: 'IfNotPresent',
    env: [...contractEnv(pool), ...((pool.spec.template?.spec?.env ?? []) as V1EnvVar[])],
    ...(pool.spec.runtime === 'hare' ? runtimeEndpoints() : {}),
    // the runtime's fatal message, or the log tail when it could not write one, becomes lastState.terminated.message
    terminationMessagePath: TERMINATION_LOG,
    terminationMessagePolicy: 'FallbackToLogsOnError',
    securityContext: RESTRICTED,
    volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }, ...(pool.spec.broker.tls ? [{ name: TLS_VOLUME, mountPath: TLS_DIR, readOnly: true }] : [])],
  };
  const resources = pool.spec.template?.spec?.resources;
  if (resources) c.resources = resources as V1Container['resources'];
  return c;
}

/**
 * The hare runtime's port, probes and preStop drain. A generic image may serve none of them: it drains on
 * SIGTERM alone, and its probes and hooks come from the template.
 */
function runtimeEndpoints(): Pick<V1Container, 'ports' | 'livenessProbe' | 'readinessProbe' | 'lifecycle'> {
  const httpGet = (path: string): { path: string; port: string } => ({ path, port: HTTP_PORT_NAME });
  return {
    ports: [{ name: HTTP_PORT_NAME, containerPort: HTTP_PORT, protocol: 'TCP' }],
    livenessProbe: { httpGet: httpGet(PATHS.healthz), periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 3 },
    readinessProbe: { httpGet: httpGet(PATHS.readyz), periodSeconds: 2, timeoutSeconds: 2, failureThreshold: 1 },
    lifecycle: { preStop: { httpGet: httpGet(PATHS.drain) } },
  };
}

/** The pod contract's env, sorted by name; the broker URI stays a secret reference. */
function contractEnv(pool: Pool): V1EnvVar[] {
  const { spec, metadata } = pool;
  const q = spec.queue;
  const literal: [string, string | undefined][] = [
    [ENV.module, spec.module],
    [ENV.queue, q.name],
    [ENV.exchange, q.exchange],
    [ENV.routingKey, q.routingKey ?? q.name],
    [ENV.prefetch, String(q.prefetch)],
    [ENV.queueType, q.type],
    [ENV.declare, q.declare],
    [ENV.retryLimit, String(q.retry.limit)],
    [ENV.retryDelaysMs, q.retry.delaysMs.join(',')],
    [ENV.drainTimeoutSeconds, String(spec.drain.timeoutSeconds)],
    [ENV.handlerTimeoutSeconds, q.handlerTimeoutSeconds === undefined ? undefined : String(q.handlerTimeoutSeconds)],
    [ENV.batchSize, q.batch === undefined ? undefined : String(q.batch.size)],
    [ENV.batchMaxWaitMs, q.batch === undefined ? undefined : String(q.batch.maxWaitMs)],
    [ENV.pool, metadata.name],
    [ENV.httpPort, String(HTTP_PORT)],
    ...tlsEnv(pool),
  ];
  const env: V1EnvVar[] = literal.filter((e): e is [string, string] => e[1] !== undefined).map(([name, value]) => ({ name, value }));
  env.push(
    { name: ENV.brokerUri, valueFrom: { secretKeyRef: { name: spec.broker.uriSecretRef.name, key: spec.broker.uriSecretRef.key } } },
    { name: ENV.podName, valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } },
    { name: ENV.podNamespace, valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } } },
  );
  return env.sort((a, b) => byString(a.name, b.name));
}

const TLS_VOLUME = 'broker-tls';
const TLS_DIR = '/etc/hare/tls';

/** spec.broker.tls's Secret, read-only, for the consumer to verify the broker (and present its certificate). */
function brokerTlsVolumes(pool: Pool): V1Volume[] {
  const tls = pool.spec.broker.tls;
  return tls ? [{ name: TLS_VOLUME, secret: { secretName: tls.secretName, defaultMode: 0o444 } }] : [];
}

function tlsEnv(pool: Pool): [string, string][] {
  const tls = pool.spec.broker.tls;
  if (!tls) return [];
  const files: [string, string][] = [[ENV.tlsCaFile, `${TLS_DIR}/ca.crt`]];
  if (tls.clientCertificate) files.push([ENV.tlsCertFile, `${TLS_DIR}/tls.crt`], [ENV.tlsKeyFile, `${TLS_DIR}/tls.key`]);
  return files;
}

function sorted<T>(map: Record<string, T> | undefined): Record<string, T> | undefined {
  if (!map || Object.keys(map).length === 0) return undefined;
  return Object.fromEntries(Object.entries(map).sort(([a], [b]) => byString(a, b)));
}

/** Code-unit order: independent of the process locale. */
function byString(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
