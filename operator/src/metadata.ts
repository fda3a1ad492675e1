// Every name the operator writes or matches: API coordinates, labels, annotations, field managers,
// condition types, reasons and event reasons. No other module spells these strings.

export const GROUP = 'hare.dev';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;
export const KIND = 'ConsumerPool';
export const PLURAL = 'consumerpools';
/** The ConsumerPool resource, as API paths name it. */
export const POOL_RESOURCE = { group: GROUP, version: VERSION, plural: PLURAL };

export const LABELS = {
  pool: 'hare.dev/pool',
  templateHash: 'hare.dev/template-hash',
  name: 'app.kubernetes.io/name',
  instance: 'app.kubernetes.io/instance',
  component: 'app.kubernetes.io/component',
  managedBy: 'app.kubernetes.io/managed-by',
  partOf: 'app.kubernetes.io/part-of',
} as const;

export const ANNOTATIONS = {
  /** Standard pod deletion cost; lower values are removed first (honoured by victim ranking). */
  deletionCost: 'controller.kubernetes.io/pod-deletion-cost',
  /** On a pool: a request id; the operator moves dead messages back to the queue once per id. */
  replay: 'hare.dev/replay-dead',
  /** On a pool, with replay: how many (default: all that are dead when the request starts). */
  replayCount: 'hare.dev/replay-dead-count',
} as const;

export const APP_NAME = 'hare-consumer';
export const MANAGER_NAME = 'hare-operator';
export const CONTAINER_NAME = 'consumer';

/** Field managers: one per writer, so server-side apply and managedFields show who changed what. */
export const FIELD_MANAGERS = {
  operator: 'hare-operator',
  autoscaler: 'hare-autoscaler',
  topology: 'hare-topology',
  replay: 'hare-replay',
} as const;

/** Identity used in Events. */
export const EVENT_SOURCE = 'hare-operator';

export const CONDITION_TYPES = {
  ready: 'Ready',
  progressing: 'Progressing',
  brokerReachable: 'BrokerReachable',
  autoscalingActive: 'AutoscalingActive',
  topologyReady: 'TopologyReady',
  // kstatus (Flux, kpt, Helm 4's --wait): present only while True ("abnormal-true")
  reconciling: 'Reconciling',
  stalled: 'Stalled',
} as const;
export type ConditionType = (typeof CONDITION_TYPES)[keyof typeof CONDITION_TYPES];

/** Reasons for conditions and Events, CamelCase as Kubernetes expects. */
export const REASONS = {
  allReplicasReady: 'AllReplicasReady',
  replicasNotReady: 'ReplicasNotReady',
  invalidSpec: 'InvalidSpec',
  scalingUp: 'ScalingUp',
  scalingDown: 'ScalingDown',
  rollingUpdate: 'RollingUpdate',
  draining: 'Draining',
  stable: 'Stable',
  terminationStuck: 'TerminationStuck',
  // why pods are not ready (Ready=False), summarised from the kubelet's and the scheduler's pod status
  imagePullError: 'ImagePullError',
  crashLoop: 'CrashLoopBackOff',
  configError: 'CreateContainerConfigError',
  containerError: 'ContainerError',
  unschedulable: 'Unschedulable',
  // Events, named as the ReplicaSet controller names them
  created: 'SuccessfulCreate',
  deleted: 'SuccessfulDelete',
  createFailed: 'FailedCreate',
  deleteFailed: 'FailedDelete',
  replicasDefaulted: 'ReplicasDefaulted',
  // autoscaler
  brokerReachable: 'DepthRead',
  brokerUnreachable: 'DepthReadFailed',
  autoscaled: 'Autoscaled',
  autoscalingDisabled: 'Disabled',
  autoscalingPaused: 'Paused',
  autoscalingActive: 'Active',
  fallback: 'Fallback',
  // topology (TopologyReady and its Events)
  topologyDeclared: 'TopologyDeclared',
  topologyFound: 'TopologyFound',
  topologyConflict: 'TopologyConflict',
  queueMissing: 'QueueMissing',
  topologyRefused: 'TopologyRefused',
  brokerUnavailable: 'BrokerUnavailable',
  queuesKept: 'QueuesKept',
  // dead-letter replay (Events)
  replayStarted: 'ReplayStarted',
  replayed: 'Replayed',
  replayFailed: 'ReplayFailed',
} as const;
export type Reason = (typeof REASONS)[keyof typeof REASONS];

/** Selector labels of a pool's pods: a strict subset of podLabels, stable across template changes. */
export function selectorLabels(pool: string): Record<string, string> {
  return { [LABELS.pool]: pool };
}

/** The selector string published in status.selector for the scale subresource. */
export function selectorString(pool: string): string {
  return Object.entries(selectorLabels(pool))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

/** The labels the operator sets on every pod of a pool (user labels are merged beneath these). */
export function podLabels(pool: string, templateHash: string): Record<string, string> {
  return {
    [LABELS.name]: APP_NAME,
    [LABELS.instance]: pool,
    [LABELS.component]: 'consumer',
    [LABELS.managedBy]: MANAGER_NAME,
    [LABELS.partOf]: 'hare-operator',
    ...selectorLabels(pool),
    [LABELS.templateHash]: templateHash,
  };
}

/** Work-queue key of a namespaced object. */
export function keyOf(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

/** Splits a work-queue key; throws on a malformed key (a programming error). */
export function splitKey(key: string): { namespace: string; name: string } {
  const slash = key.indexOf('/');
  if (slash <= 0 || slash === key.length - 1) throw new Error(`malformed key ${JSON.stringify(key)}`);
  return { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}
