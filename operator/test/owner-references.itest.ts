// The operator with the chart's RBAC (not admin) on a control plane that enforces owner-reference permissions
// (OwnerReferencesPermissionEnforcement, as OpenShift does by default): its pods block their pool's deletion.
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownerReference } from '../src/api/pool.ts';
import { chartIdentity, tokenKubeconfig, type ChartIdentity } from './support/chart-identity.ts';
import { createPool, freshNamespace, getPool, kube, poolPods, waitFor, type Kube } from './support/kube.ts';
import { startOperator, type OperatorProcess } from './support/operator-process.ts';
import { NO_NODE, poolManifest } from './support/pools.ts';

let k: Kube;
let ns: string;
let identity: ChartIdentity;
let op: OperatorProcess | undefined;

beforeAll(async () => {
  k = kube();
  ns = await freshNamespace(k, 'it-ownerrefs');
  identity = await chartIdentity(k, ns);
});
afterAll(async () => {
  await op?.stop('SIGTERM');
  await k.core.deleteNamespace({ name: ns }).catch(() => undefined);
});

describe('owner references under OwnerReferencesPermissionEnforcement', () => {
  it('refuses a blocking owner reference to a creator that may create pods but not update consumerpools/finalizers', async () => {
    const pool = await createPool(k, ns, poolManifest('probe', { replicas: 0 }));
    const role = {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'pods-only' },
      rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['create'] }],
    };
    const binding = {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'pods-only' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pods-only' },
      subjects: [{ kind: 'ServiceAccount', name: 'pods-only', namespace: ns }],
    };
    await k.kubectl('create', 'serviceaccount', 'pods-only', '-n', ns);
    const r = await k.kubectlStdin(JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [role, binding] }), 'apply', '-n', ns, '-f', '-');
    expect(r.stderr).toBe('');
    const kc = new KubeConfig();
    kc.loadFromFile(await tokenKubeconfig(k, ns, 'pods-only'));
    const pod = {
      metadata: { generateName: 'probe-', namespace: ns, ownerReferences: [ownerReference(pool)] },
      spec: { ...NO_NODE.template.spec, containers: [{ name: 'c', image: 'localhost/hare/examples:0.1.0' }] },
    };
    const refusal = await kc.makeApiClient(CoreV1Api).createNamespacedPod({ namespace: ns, body: pod }).then(() => 'created', (e: { code?: number; body?: string }) => `${e.code}: ${e.body}`);
    const hint = 'the API server must enforce owner-reference permissions; a control plane started before this flag was added lacks it ' +
      '(npm run cluster:down && npm run cluster:up -- --control-plane-only)';
    expect(refusal, hint).toMatch(/^403: .*cannot set blockOwnerDeletion if an ownerReference refers to a resource you can't set finalizers on/);
  });

  it("creates a pool's pods with exactly the chart's RBAC", async () => {
    op = await startOperator(identity.kubeconfig, [...identity.args, '--resync', '20']);
    await createPool(k, ns, poolManifest('orders', { replicas: 3 }));
    const pods = await waitFor('3 pods of pool orders', async () => {
      const live = (await poolPods(k, ns, 'orders')).filter((p) => !p.metadata?.deletionTimestamp);
      return live.length === 3 ? live : undefined;
    }, 30_000).catch(async (err: Error) => {
      throw new Error(`${err.message}; the pool's conditions: ${JSON.stringify((await getPool(k, ns, 'orders')).status?.conditions)}`);
    });
    expect(pods.map((p) => p.metadata?.ownerReferences?.[0]?.blockOwnerDeletion)).toEqual([true, true, true]);
    const stalled = (await getPool(k, ns, 'orders')).status?.conditions?.find((c) => c.type === 'Stalled');
    expect(stalled?.status ?? 'False').toBe('False');
  });
});
