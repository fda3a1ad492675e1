// Generated from crds/consumerpools.hare.dev.yaml by hack/gen-types.ts; do not edit.
// Required and defaulted fields are non-optional: the API server fills defaults on every read.
import type { V1Container, V1HostAlias, V1ObjectMeta, V1PodDNSConfig, V1TopologySpreadConstraint, V1Volume } from '@kubernetes/client-node';

/** ConsumerPool runs a pool of RabbitMQ consumer pods for one consumer module. The operator creates, drains and deletes the pods; the optional autoscaler sizes the pool from queue depth by editing spec.replicas. */
export interface ConsumerPool {
  /** APIVersion defines the versioned schema of this representation of an object. */
  apiVersion?: string;
  /** Kind is a string value representing the REST resource this object represents. */
  kind?: string;
  metadata?: V1ObjectMeta;
  /** The desired pool. */
  spec: ConsumerPoolSpec;
  /** The observed pool, written by the operator. */
  status?: ConsumerPoolStatus;
}

export interface ConsumerPoolStatus {
  /** The metadata.generation this status describes. */
  observedGeneration?: number;
  /** Pods that are not being removed (scale subresource status). */
  replicas?: number;
  /** Pods that are ready, i.e. consuming. */
  readyReplicas?: number;
  /** Pods running the current template. */
  updatedReplicas?: number;
  /** Pods being removed that are still finishing their in-flight messages. */
  drainingReplicas?: number;
  /** Label selector of the pool's pods, as a string (scale subresource). */
  selector?: string;
  /** Queue depth at the last autoscaler poll. */
  queue?: QueueStatus;
  /** What the operator last declared on the broker (condition TopologyReady says whether it is in place). */
  topology?: {
    /** Delay queues the operator declared and has not removed (a removed delay is deleted once empty). */
    delayQueues?: string[];
  };
  /** The last dead-letter replay, asked for with the annotation hare.dev/replay-dead (a request id) and optionally hare.dev/replay-dead-count. Each request id is carried out once. */
  replay?: {
    /** The hare.dev/replay-dead value this describes. */
    requestId?: string;
    /** Running, Succeeded (the count moved, or the dead queue ran dry) or Failed (a malformed request). */
    state?: "Running" | "Succeeded" | "Failed";
    /** Messages to move (the count asked for, at most the dead queue's depth when the request started). */
    requested?: number;
    /** Messages moved from <queue>.dead back to <queue> so far. */
    moved?: number;
    /** Messages in <queue>.dead after the last step. */
    left?: number;
    /** What happened, in words. */
    message?: string;
    /** When the request started. */
    startedAt?: string;
    /** When it succeeded or failed. */
    completedAt?: string;
  };
  /** The autoscaler's last decision. */
  autoscaler?: AutoscalerStatus;
  /** Ready, Progressing, BrokerReachable, AutoscalingActive and TopologyReady (with Reconciling and Stalled for kstatus). */
  conditions?: Condition[];
}

export interface Condition {
  /** Condition type. */
  type: string;
  /** True, False or Unknown. */
  status: "True" | "False" | "Unknown";
  /** The metadata.generation the condition was set for. */
  observedGeneration?: number;
  /** When the status last changed. */
  lastTransitionTime: string;
  /** A CamelCase reason. */
  reason: string;
  /** A human-readable explanation. */
  message: string;
}

export interface AutoscalerStatus {
  /** Size the autoscaler wants after stabilisation. */
  desiredReplicas?: number;
  /** When the autoscaler last changed spec.replicas. */
  lastScaleTime?: string;
  /** Why, in words. */
  reason?: string;
}

export interface QueueStatus {
  /** Messages ready for delivery. */
  ready?: number;
  /** Messages delivered and not yet acknowledged (management API only). */
  unacked?: number;
  /** Consumers on the queue. */
  consumers?: number;
  /** When the depth was read. */
  observedAt?: string;
}

export interface ConsumerPoolSpec {
  /** What runs in the image. hare: the project's consumer runtime, which loads spec.module and serves /healthz, /readyz and /drain on port 8080; the operator adds the probes and a preStop drain on them. generic: any image that honours the pod contract (docs/pod-contract.md): it gets the same HARE_* env, drains on SIGTERM, and takes its probes, lifecycle hooks and ports from the template only. */
  runtime: "hare" | "generic";
  /** Name of the consumer module the runtime loads from the image: a folder under the modules directory or an installed package, e.g. "orders" or "@shop/orders". Required with runtime hare; with runtime generic it is optional and passed on as HARE_MODULE. */
  module?: string;
  /** Container image with the consumer runtime and the module, e.g. registry.example/shop/consumers:1.4.2. */
  image: string;
  /** Desired number of consumer pods: the target of the scale subresource (kubectl scale, HPA, KEDA). When absent the operator sets it (autoscaling.minReplicas when autoscaling is enabled, at least 1; otherwise 1). With autoscaling enabled the autoscaler edits it. */
  replicas?: number;
  /** How to reach RabbitMQ. Credentials stay in Secrets in the pool's namespace. */
  broker: BrokerSpec;
  /** The queue the pool consumes and its HareMq-compatible retry topology. */
  queue: QueueSpec;
  /** Queue-depth autoscaler. Absent, or enabled false, means manual scaling only. */
  autoscaling?: AutoscalingSpec;
  /** Graceful removal of pods. */
  drain: DrainSpec;
  /** Optional customisation of the consumer pods. */
  template?: PodTemplateOverrides;
}

export interface PodTemplateOverrides {
  /** Labels and annotations added to every pod. */
  metadata?: PodTemplateMetadata;
  /** Pod settings merged into the pods the operator builds. */
  spec?: PodSpecOverrides;
}

export interface PodSpecOverrides {
  /** Compute resources of the consumer container. */
  resources?: {
    /** Maximum compute resources, e.g. {cpu: 500m, memory: 256Mi}. */
    limits?: Record<string, number | string>;
    /** Minimum compute resources the scheduler reserves. */
    requests?: Record<string, number | string>;
  };
  /** Extra environment variables for the consumer container (names starting HARE_ are reserved). */
  env?: {
    /** Variable name. */
    name: string;
    /** Literal value. */
    value?: string;
    /** A source for the value (secretKeyRef, configMapKeyRef, fieldRef, resourceFieldRef), as in a Pod. */
    valueFrom?: Record<string, unknown>;
  }[];
  /** Node labels the pods must match. */
  nodeSelector?: Record<string, string>;
  /** Tolerations, as in a Pod. */
  tolerations?: ({
    /** Taint key. */
    key?: string;
    /** Exists or Equal. */
    operator?: "Exists" | "Equal";
    /** Taint value for Equal. */
    value?: string;
    /** NoSchedule, PreferNoSchedule or NoExecute. */
    effect?: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
    /** How long a NoExecute taint is tolerated. */
    tolerationSeconds?: number;
  })[];
  /** Scheduling affinity, as in a Pod (nodeAffinity, podAffinity, podAntiAffinity). */
  affinity?: Record<string, unknown>;
  /** Service account the pods run as. */
  serviceAccountName?: string;
  /** Priority class of the pods. */
  priorityClassName?: string;
  /** Secrets used to pull the image. */
  imagePullSecrets?: {
    /** Name of a Secret of type kubernetes.io/dockerconfigjson. */
    name: string;
  }[];
  /** Volumes of the pod, as in a Pod, of the kinds the restricted pod security profile allows; the operator adds tmp (the consumer's /tmp). */
  volumes?: V1Volume[];
  /** Init containers, as in a Pod; with restartPolicy Always a native sidecar that runs beside the consumer. Each runs restricted, as the consumer does. */
  initContainers?: V1Container[];
  /** The consumer container's settings in the entry named consumer (merged into the operator's container: command, args, env, envFrom, volumeMounts, resources, ports, probes, lifecycle, imagePullPolicy, securityContext), and any extra containers. Each runs restricted. */
  containers?: V1Container[];
  /** TopologySpreadConstraints describes how a group of pods ought to spread across topology domains. */
  topologySpreadConstraints?: V1TopologySpreadConstraint[];
  /** RuntimeClassName refers to a RuntimeClass object in the node.k8s.io group, which should be used to run this pod. */
  runtimeClassName?: string;
  /** Specifies the DNS parameters of a pod. */
  dnsConfig?: V1PodDNSConfig;
  /** HostAliases is an optional list of hosts and IPs that will be injected into the pod's hosts file if specified. */
  hostAliases?: V1HostAlias[];
}

export interface PodTemplateMetadata {
  /** Extra pod labels. Keys under hare.dev/ are reserved. */
  labels?: Record<string, string>;
  /** Extra pod annotations. Keys under hare.dev/ are reserved. */
  annotations?: Record<string, string>;
}

export interface DrainSpec {
  /** Time a removed pod has to finish its in-flight messages after it stops consuming. terminationGracePeriodSeconds is this plus a margin. */
  timeoutSeconds: number;
}

export interface AutoscalingSpec {
  /** Turns the autoscaler on. */
  enabled: boolean;
  /** Lower bound. 0 allows scale to zero; activationMessages then controls scale-up from zero. */
  minReplicas: number;
  /** Upper bound. */
  maxReplicas: number;
  /** Target messages per pod; desired = ceil(depth / messagesPerReplica), clamped to [min, max]. */
  messagesPerReplica: number;
  /** Wait-time target: size the pool so that the backlog drains within this many seconds and the pool keeps up with the arrival rate, from the measured arrival and per-pod service rates (smoothed). When set it takes precedence over messagesPerReplica, which then only sizes the pool until a service rate has been measured. The rates come from the management API (managementUriSecretRef) or, for runtime hare, from the pods' own acked counters. */
  targetWaitSeconds?: number;
  /** From zero pods, scale up only when depth is greater than this. */
  activationMessages: number;
  /** Seconds between queue depth reads (jittered). */
  pollIntervalSeconds: number;
  /** Scale-up behaviour. */
  scaleUp: ScaleUpRules;
  /** Scale-down behaviour. */
  scaleDown: ScaleDownRules;
  /** What to do while queue depth cannot be read. Never scales down on missing data. */
  fallback: FallbackSpec;
  /** Freezes the autoscaler at the current size; manual scaling still works. */
  paused: boolean;
}

export interface FallbackSpec {
  /** Consecutive failed reads before the fallback applies and BrokerReachable turns False. */
  failureThreshold: number;
  /** Size to hold during the fallback. Default is to keep the current size. */
  replicas?: number;
}

export interface ScaleDownRules {
  /** Scale down only to the highest recommendation seen within this window. */
  stabilizationWindowSeconds: number;
}

export interface ScaleUpRules {
  /** Scale up only to the lowest recommendation seen within this window. */
  stabilizationWindowSeconds: number;
}

export interface QueueSpec {
  /** Who declares the topology (exchange, queue, <queue>.delay.<ms> queues, <queue>.dead, bindings). operator: the operator declares it when the pool is created or its queue settings change, before any pod exists, and pods declare it again as a check. none: it is managed elsewhere (for example by RabbitMQ's messaging-topology-operator); the operator and the pods only check that the queues exist and use whatever arguments they have. */
  declare: "operator" | "none";
  /** Queue name. The runtime also declares <name>.delay.<ms> per retry step and <name>.dead. */
  name: string;
  /** Optional topic exchange the queue is bound to (declared durable if missing). */
  exchange?: string;
  /** Binding and retry routing key. Defaults to the queue name. */
  routingKey?: string;
  /** Messages a consumer may hold unacknowledged; also its concurrency. */
  prefetch: number;
  /** Longest a handler may run for one message. At the limit the runtime aborts the handler's context.signal and retries the message through the delay cascade (it counts as a retry); whatever the handler returns later is ignored. Absent: no limit (RabbitMQ's consumer_timeout, 30 minutes by default, still closes the channel under a longer handler). */
  handlerTimeoutSeconds?: number;
  /** For a module that exports consumeBatch(messages, context) instead of consume: the runtime hands it up to size messages at once, when size have arrived or maxWaitMs after the first one. Each message still ends in ack, retry or <queue>.dead on its own. Needs prefetch >= size. */
  batch?: {
    /** Most messages in one batch. */
    size: number;
    /** Longest a batch waits for more messages after its first one, in milliseconds. */
    maxWaitMs: number;
  };
  /** Queue type used when the topology is declared. Cannot change for the same queue name. */
  type: "classic" | "quorum";
  /** Retry cascade. A failed message is republished (with publisher confirms) to the delay queue for its attempt, then acknowledged; after limit retries it goes to <queue>.dead. */
  retry: RetrySpec;
}

export interface RetrySpec {
  /** Retries before a message is dead-lettered (a message is delivered at most limit+1 times). */
  limit: number;
  /** Delays in milliseconds, one delay queue each. Sorted ascending as HareMq sorts them (retry n waits the n-th smallest); the largest repeats once the list runs out. */
  delaysMs: number[];
}

export interface BrokerSpec {
  /** Secret key holding the AMQP URI (amqp:// or amqps://, credentials and vhost included). */
  uriSecretRef: SecretKeySelector;
  /** Optional Secret key holding the RabbitMQ management HTTP API base URI (http(s)://user:password@host:15672). Enables unacknowledged counts in the depth signal and busy-aware scale-down for pools whose pods do not report them (runtime generic), and the message rates of targetWaitSeconds. With runtime hare the pods' own in-flight counts are used instead of its unacknowledged counts. */
  managementUriSecretRef?: SecretKeySelector;
  /** Optional Secret key holding the base URI of RabbitMQ's Prometheus plugin (rabbitmq_prometheus, http(s)://[user:password@]host:15692), for the unacknowledged count of the queue without the management plugin, for images that report none themselves (runtime generic). Unused when managementUriSecretRef is set. The node must host the queue (per-queue metrics are node-local). */
  prometheusUriSecretRef?: {
    /** Name of a Secret in the pool's namespace. */
    name: string;
    /** Key within the Secret. */
    key: string;
  };
  /** TLS to the broker with a private CA, for amqps:// and https:// URIs. The Secret holds ca.crt (the CA that signed the broker's certificate) and, with clientCertificate, tls.crt and tls.key (a kubernetes.io/tls Secret with ca.crt added). The operator verifies the broker with it; pods get it mounted at /etc/hare/tls and its paths in HARE_TLS_CA_FILE, HARE_TLS_CERT_FILE and HARE_TLS_KEY_FILE. Verification is never turned off. */
  tls?: {
    /** Name of a Secret in the pool's namespace. */
    secretName: string;
    /** Present tls.crt and tls.key as a client certificate and log in with SASL EXTERNAL (the broker takes the user from the certificate). */
    clientCertificate: boolean;
  };
}

export interface SecretKeySelector {
  /** Name of a Secret in the pool's namespace. */
  name: string;
  /** Key within the Secret. */
  key: string;
}
