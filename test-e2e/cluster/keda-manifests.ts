// Objects KEDA needs on the cluster when its operator and metrics adapter run beside it as host processes, and the
// ScaledObjects the tests and `npm run bench:peers` make (pure, unit-tested).

export const KEDA_NAMESPACE = 'keda';
/** The Service the external metrics APIService names; the aggregator checks the adapter's certificate for <svc>.<ns>.svc. */
export const KEDA_METRICS_SERVICE = 'keda-metrics-apiserver';
export const EXTERNAL_METRICS_API = 'v1beta1.external.metrics.k8s.io';
/** Loopback ports of the two processes (none of the cluster's own); the kind provider forwards the adapter's to loopback. */
export const KEDA_PORTS = { grpc: 19666, operatorMetrics: 18080, operatorProbes: 18081, adapter: 16443, adapterMetrics: 18082 } as const;

type Manifest = Record<string, unknown>;

/**
 * The external metrics API, served by the adapter on the host at `host`:`port` (the name or address at which the API
 * server reaches the host's loopback): an ExternalName Service, so the aggregator dials it, and the APIService with
 * the CA that signed the adapter's certificate.
 */
export function metricsApiObjects(options: { host: string; port: number; caBundle: string }): Manifest[] {
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: KEDA_NAMESPACE } },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: KEDA_METRICS_SERVICE, namespace: KEDA_NAMESPACE },
      spec: { type: 'ExternalName', externalName: options.host, ports: [{ name: 'https', port: options.port }] },
    },
    {
      apiVersion: 'apiregistration.k8s.io/v1',
      kind: 'APIService',
      metadata: { name: EXTERNAL_METRICS_API },
      spec: {
        service: { name: KEDA_METRICS_SERVICE, namespace: KEDA_NAMESPACE, port: options.port },
        group: 'external.metrics.k8s.io',
        version: 'v1beta1',
        caBundle: options.caBundle,
        groupPriorityMinimum: 100,
        versionPriority: 100,
      },
    },
    // what KEDA's chart grants: the HPA controller reads external metrics (its own bootstrap role may not)
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'keda-external-metrics-reader' },
      rules: [{ apiGroups: ['external.metrics.k8s.io'], resources: ['*'], verbs: ['get', 'list', 'watch'] }],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'keda-hpa-controller-external-metrics' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'keda-external-metrics-reader' },
      subjects: [{ kind: 'ServiceAccount', name: 'horizontal-pod-autoscaler', namespace: 'kube-system' }],
    },
  ];
}

export interface ScaleTarget {
  apiVersion: string;
  kind: string;
  name: string;
}

export interface ScaledObjectOptions {
  name: string;
  namespace: string;
  target: ScaleTarget;
  queue: string;
  /** QueueLength: messages per replica */
  value: number;
  minReplicas: number;
  maxReplicas: number;
  /** KEDA's default is 30 s */
  pollingIntervalSeconds?: number;
  /** the HPA's scale-down stabilization window; left out, the HPA's default (300 s) applies */
  scaleDownWindowSeconds?: number;
  /** the TriggerAuthentication (rabbitmqAuth's name) */
  auth?: string;
}

/** A Secret with the AMQP URI and the TriggerAuthentication (same name) that hands it to the rabbitmq trigger as `host`. */
export function rabbitmqAuth(namespace: string, amqpUri: string, name = 'keda-rabbitmq'): Manifest[] {
  return [
    { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace }, stringData: { host: amqpUri } },
    {
      apiVersion: 'keda.sh/v1alpha1',
      kind: 'TriggerAuthentication',
      metadata: { name, namespace },
      spec: { secretTargetRef: [{ parameter: 'host', name, key: 'host' }] },
    },
  ];
}

/** A ScaledObject with one rabbitmq trigger (AMQP, QueueLength) on `queue`, authenticated by rabbitmqAuth(). */
export function scaledObject(o: ScaledObjectOptions): Manifest {
  const spec: Manifest = {
    scaleTargetRef: { apiVersion: o.target.apiVersion, kind: o.target.kind, name: o.target.name },
    minReplicaCount: o.minReplicas,
    maxReplicaCount: o.maxReplicas,
    triggers: [{
      type: 'rabbitmq',
      metadata: { protocol: 'amqp', queueName: o.queue, mode: 'QueueLength', value: String(o.value) },
      authenticationRef: { name: o.auth ?? 'keda-rabbitmq' },
    }],
  };
  if (o.pollingIntervalSeconds !== undefined) spec.pollingInterval = o.pollingIntervalSeconds;
  if (o.scaleDownWindowSeconds !== undefined) {
    spec.advanced = { horizontalPodAutoscalerConfig: { behavior: { scaleDown: { stabilizationWindowSeconds: o.scaleDownWindowSeconds } } } };
  }
  return { apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', metadata: { name: o.name, namespace: o.namespace }, spec };
}
