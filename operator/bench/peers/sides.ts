// The two ways `npm run bench:peers` runs the same consumer on the same kind of queue: a Deployment scaled by KEDA's
// HPA, and a ConsumerPool scaled by hare-operator. Both run the pod the operator builds (image, env, preStop drain,
// grace period), so what differs is only who sets the size and which pod goes.
import { IN_FLIGHT_METRIC, HTTP_PORT, PATHS } from '../../../consumer-image/src/contract.ts';
import { scaledObject } from '../../../test-e2e/cluster/keda-manifests.ts';
import { sumOf } from '../../src/autoscaler/prometheus-text.ts';
import { podsBy, podsOf, type PoolPod } from '../../../test-e2e/support/pods.ts';
import { poolState } from '../../../test-e2e/support/pool-state.ts';
import { waitFor, type Tools } from '../../../test-e2e/support/tools.ts';

export interface SideState { replicas: number; ready: number; live: number; terminating: number }

export interface Side {
  readonly label: string;
  readonly queue: string;
  state(): Promise<SideState>;
  pods(): Promise<PoolPod[]>;
  /** Sets the size through /scale, as the HPA does (kubectl scale). */
  scale(replicas: number): Promise<void>;
  /** Turns the side's scaler on, with its defaults (KEDA: a new ScaledObject; hare-operator: spec.autoscaling.enabled). */
  startScaler(options: { minReplicas: number; maxReplicas: number; messagesPerReplica: number }): Promise<void>;
  stopScaler(): Promise<void>;
}

interface Ctx { t: Tools; namespace: string }

/** Messages each pod holds unsettled, from its own /metrics (undefined for a pod that does not answer). */
export async function inFlight(pods: readonly PoolPod[]): Promise<Map<string, number | undefined>> {
  const read = async (p: PoolPod): Promise<number | undefined> => {
    try {
      const text = await (await fetch(`http://${p.ip}:${HTTP_PORT}${PATHS.metrics}`, { signal: AbortSignal.timeout(2000) })).text();
      return sumOf(text, IN_FLIGHT_METRIC);
    } catch {
      return undefined;
    }
  };
  return new Map(await Promise.all(pods.map(async (p) => [p.name, await read(p)] as const)));
}

/** A ConsumerPool; its autoscaler is off until startScaler. */
export function poolSide(c: Ctx, name: string): Side {
  return {
    label: 'hare-operator (ConsumerPool)',
    queue: name,
    async state() {
      const p = await poolState(c.t, c.namespace, name);
      return { replicas: p.replicas, ready: p.readyReplicas, live: p.liveReplicas, terminating: p.drainingReplicas };
    },
    pods: () => podsOf(c.t, c.namespace, name),
    scale: async (n) => { await c.t.kubectl('scale', '-n', c.namespace, `cpool/${name}`, `--replicas=${n}`); },
    async startScaler(o) {
      const autoscaling = { enabled: true, minReplicas: o.minReplicas, maxReplicas: o.maxReplicas, messagesPerReplica: o.messagesPerReplica };
      await c.t.kubectl('patch', '-n', c.namespace, `cpool/${name}`, '--type=merge', '-p', JSON.stringify({ spec: { autoscaling } }));
    },
    async stopScaler() {
      await c.t.kubectl('patch', '-n', c.namespace, `cpool/${name}`, '--type=merge', '-p', JSON.stringify({ spec: { autoscaling: { enabled: false } } }));
    },
  };
}

/** A Deployment of `template` (a pod spec the operator built), scaled by a ScaledObject while the scaler is on. */
export async function kedaSide(c: Ctx, name: string, template: Record<string, unknown>): Promise<Side> {
  const labels = { app: name };
  await c.t.kubectlStdin(JSON.stringify({
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: c.namespace },
    spec: { replicas: 1, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: template } },
  }), 'apply', '-f', '-');
  const scaledObjectName = `${name}-so`;
  return {
    label: 'KEDA + HPA (Deployment)',
    queue: name,
    async state() {
      const d = JSON.parse(await c.t.kubectl('get', 'deploy', '-n', c.namespace, name, '-o', 'json')) as { spec: { replicas?: number }; status: { readyReplicas?: number } };
      const pods = await podsBy(c.t, c.namespace, `app=${name}`);
      return { replicas: d.spec.replicas ?? 0, ready: d.status.readyReplicas ?? 0, live: pods.filter((p) => !p.terminating).length, terminating: pods.filter((p) => p.terminating).length };
    },
    pods: () => podsBy(c.t, c.namespace, `app=${name}`),
    scale: async (n) => { await c.t.kubectl('scale', '-n', c.namespace, `deploy/${name}`, `--replicas=${n}`); },
    async startScaler(o) {
      // KEDA's defaults: a 30 s polling interval, the HPA's own behaviour (15 s sync, 300 s scale-down window)
      const so = scaledObject({
        name: scaledObjectName, namespace: c.namespace, target: { apiVersion: 'apps/v1', kind: 'Deployment', name },
        queue: name, value: o.messagesPerReplica, minReplicas: o.minReplicas, maxReplicas: o.maxReplicas,
      });
      await c.t.kubectlStdin(JSON.stringify(so), 'apply', '-f', '-');
      await waitFor('the ScaledObject Ready', async () => (await c.t.kubectl('get', 'scaledobject', '-n', c.namespace, scaledObjectName, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}')) === 'True', 120_000);
    },
    async stopScaler() {
      await c.t.kubectl('delete', 'scaledobject', '-n', c.namespace, scaledObjectName, '--ignore-not-found', '--wait=true', '--timeout=120s');
      await waitFor('the HPA gone', async () => (await c.t.kubectl('get', 'hpa', '-n', c.namespace, '-o', 'name')).trim() === '', 120_000);
    },
  };
}

/** The pod spec the operator built for `pod`, without what the API server and the kubelet added to it. */
export function reusableSpec(pod: { spec: Record<string, unknown> }): Record<string, unknown> {
  const spec = structuredClone(pod.spec) as Record<string, unknown> & {
    volumes?: { name: string }[];
    containers?: { volumeMounts?: { name: string }[] }[];
  };
  // admission adds these: the priority of the (default) class, the node it was bound to, the API token volume
  for (const k of ['nodeName', 'priority', 'preemptionPolicy']) delete spec[k];
  const injected = (n: string): boolean => n.startsWith('kube-api-access-');
  spec.volumes = (spec.volumes ?? []).filter((v) => !injected(v.name));
  for (const c of spec.containers ?? []) c.volumeMounts = (c.volumeMounts ?? []).filter((m) => !injected(m.name));
  return spec;
}
