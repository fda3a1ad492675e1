// The Helm chart: lint, schema, server-side dry run of what it renders, and RBAC equal to what the operator calls.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { loadAll } from 'js-yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { clusterConfig } from '../../test-e2e/cluster/index.ts';
import { kubeVersion } from '../../test-e2e/monitoring/kit.ts';
import { LEADER_ELECTION_RESOURCES, requiredPermissions } from '../src/kube/permissions.ts';
import { untilCondition } from '../../test-e2e/support/wait.ts';
import { kube, type Kube } from './support/kube.ts';

const run = promisify(execFile);
const HELM = join(clusterConfig().binDir, 'helm');
const CHART = new URL('../../charts/hare-operator', import.meta.url).pathname;

interface Doc { kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> }; rules?: { apiGroups: string[]; resources: string[]; verbs: string[] }[] }

/** ClusterRoles for people (aggregated into view/edit/admin), not for the operator. */
const forPeople = (d: Doc): boolean => Object.keys(d.metadata.labels ?? {}).some((l) => l.startsWith('rbac.authorization.k8s.io/aggregate-to-'));
/** prometheus-operator's CRDs (fixtures), so the dry run checks the monitoring kit against their schemas. */
const MONITORING_CRDS = new URL('fixtures/prometheus-operator/', import.meta.url).pathname;
const SHA = `sha256:${'a'.repeat(64)}`;
/** Value sets rendered and dry-run on the server: the defaults, one namespace, no election, and every ecosystem knob. */
const VALUE_SETS: string[][] = [
  [],
  ['watchNamespace=shop', 'replicaCount=1'],
  ['leaderElection.enabled=false', 'replicaCount=1', 'podDisruptionBudget.enabled=false'],
  ['crds.install=false', 'rbac.aggregateToDefaultRoles=false'],
  ['global.imageRegistry=registry.example', 'nameOverride=hare', 'fullnameOverride=hop', 'commonLabels.team=platform', `image.digest=${SHA}`,
    'extraArgs={--log-level=debug}', 'extraEnv[0].name=NODE_EXTRA_CA_CERTS', 'extraEnv[0].value=/etc/hare/ca/ca.crt',
    'extraVolumes[0].name=ca', 'extraVolumes[0].secret.secretName=private-ca', 'extraVolumeMounts[0].name=ca', 'extraVolumeMounts[0].mountPath=/etc/hare/ca',
    'topologySpreadConstraints[0].maxSkew=1', 'topologySpreadConstraints[0].topologyKey=kubernetes.io/hostname',
    'topologySpreadConstraints[0].whenUnsatisfiable=ScheduleAnyway', 'crds.keep=false',
    'metrics.serviceMonitor.enabled=true', 'metrics.serviceMonitor.relabelings[0].action=labeldrop', 'metrics.serviceMonitor.relabelings[0].regex=pod_template_hash',
    'metrics.podMonitor.enabled=true', 'metrics.prometheusRule.enabled=true', 'metrics.dashboard.enabled=true'],
];

async function template(...set: string[]): Promise<{ text: string; docs: Doc[] }> {
  const { stdout } = await run(HELM, ['template', 'hare', CHART, '--namespace', 'hare-system', '--kube-version', kubeVersion(), ...set.flatMap((s) => ['--set', s])]);
  return { text: stdout, docs: (loadAll(stdout) as (Doc | null)[]).filter((d): d is Doc => d !== null) };
}

function granted(docs: Doc[]): string[] {
  return docs.filter((d) => (d.kind === 'ClusterRole' || d.kind === 'Role') && !forPeople(d))
    .flatMap((d) => (d.rules ?? []).flatMap((r) => r.apiGroups.flatMap((g) => r.resources.flatMap((res) => r.verbs.map((v) => `${g} ${res} ${v}`)))))
    .sort();
}

let k: Kube;
beforeAll(async () => {
  k = kube();
  for (const ns of ['hare-system', 'shop']) {
    await k.kubectl('create', 'namespace', ns, '--dry-run=client', '-o', 'yaml').then((y) => k.kubectlStdin(y, 'apply', '-f', '-'));
  }
  // a group of its own on the shared control plane; left installed, as the CRD of this repository is
  await k.kubectl('apply', '--server-side', '--force-conflicts', '-f', MONITORING_CRDS);
  await untilCondition((args) => k.kubectl(...args), 'Established', ['crd/servicemonitors.monitoring.coreos.com', 'crd/podmonitors.monitoring.coreos.com', 'crd/prometheusrules.monitoring.coreos.com']);
});

describe('charts/hare-operator', () => {
  it('passes helm lint', async () => {
    const { stdout } = await run(HELM, ['lint', CHART, '--strict']);
    expect(stdout).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
  });

  it('renders what the API server accepts (server-side dry run) for each value set', async () => {
    for (const set of VALUE_SETS) {
      const { text } = await template(...set);
      // server-side apply, as helm and GitOps tools write; the CRD on this control plane has other managers
      const r = await k.kubectlStdin(text, 'apply', '--server-side', '--force-conflicts', '--field-manager=chart-itest', '--dry-run=server', '-f', '-');
      expect({ set, code: r.code, stderr: r.stderr }).toEqual({ set, code: 0, stderr: '' });
    }
  });

  it('renders each ecosystem value where it belongs', async () => {
    const { docs } = await template(...VALUE_SETS[4]!);
    type Deploy = { metadata: { name: string; labels: Record<string, string> }; spec: { template: { spec: {
      containers: { image: string; args: string[]; env: { name: string }[]; volumeMounts: { mountPath: string }[] }[];
      volumes: { name: string }[]; topologySpreadConstraints: { labelSelector: { matchLabels: Record<string, string> } }[] } } } };
    const deploy = docs.find((d) => d.kind === 'Deployment') as unknown as Deploy;
    const c = deploy.spec.template.spec.containers[0]!;
    expect(deploy.metadata).toMatchObject({ name: 'hop', labels: { team: 'platform', 'app.kubernetes.io/name': 'hare' } });
    expect(c.image).toBe(`localhost/hare/operator@${SHA}`);
    expect(c.args).toContain('--log-level=debug');
    expect(c.env.map((e) => e.name)).toContain('NODE_EXTRA_CA_CERTS');
    expect(c.volumeMounts).toEqual([{ name: 'ca', mountPath: '/etc/hare/ca' }]);
    expect(deploy.spec.template.spec.topologySpreadConstraints[0]!.labelSelector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'hare', 'app.kubernetes.io/instance': 'hare' });
    const crd = docs.find((d) => d.kind === 'CustomResourceDefinition') as unknown as { metadata: { annotations?: object; labels: Record<string, string> } };
    expect(crd.metadata.annotations).toBeUndefined(); // crds.keep=false
    expect(crd.metadata.labels.team).toBe('platform');
    expect(docs.every((d) => d.metadata.labels?.team === 'platform')).toBe(true);
    const sm = docs.find((d) => d.kind === 'ServiceMonitor') as unknown as { spec: { endpoints: { relabelings: object[]; honorLabels: boolean }[] } };
    expect(sm.spec.endpoints[0]).toMatchObject({ honorLabels: true, relabelings: [{ action: 'labeldrop', regex: 'pod_template_hash' }] });
    expect((await template('crds.install=false')).docs.some((d) => d.kind === 'CustomResourceDefinition')).toBe(false);
    expect((await template()).docs.find((d) => d.kind === 'CustomResourceDefinition')).toMatchObject({ metadata: { annotations: { 'helm.sh/resource-policy': 'keep' } } });
  });

  it('lets namespace users manage pools through the built-in edit and view roles (aggregated ClusterRoles)', async () => {
    const { docs } = await template('fullnameOverride=hare-itest-aggregated');
    const roles = docs.filter(forPeople);
    expect(roles.map((d) => d.metadata.name)).toEqual(['hare-itest-aggregated-view', 'hare-itest-aggregated-edit']);
    await k.kubectlStdin(roles.map((d) => JSON.stringify(d)).join('\n'), 'apply', '-f', '-');
    const bind = (user: string, role: string): object => ({
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: `hare-itest-${user}`, namespace: 'shop' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role }, subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user }],
    });
    try {
      await k.kubectlStdin([bind('hare-editor', 'edit'), bind('hare-viewer', 'view')].map((d) => JSON.stringify(d)).join('\n'), 'apply', '-f', '-');
      const can = async (user: string, ...what: string[]): Promise<string> => (await k.kubectlResult('auth', 'can-i', ...what, '--as', user)).stdout.trim();
      // the controller manager aggregates the rules into edit and view shortly after the ClusterRoles appear
      const inShop = ['-n', 'shop'];
      for (const deadline = Date.now() + 30_000; (await can('hare-editor', 'create', 'consumerpools.hare.dev', ...inShop)) !== 'yes' && Date.now() < deadline;) {
        await new Promise((r) => setTimeout(r, 500));
      }
      expect(await can('hare-editor', 'create', 'consumerpools.hare.dev', ...inShop)).toBe('yes');
      expect(await can('hare-editor', 'patch', 'consumerpools.hare.dev', '--subresource=scale', ...inShop)).toBe('yes');
      expect(await can('hare-viewer', 'list', 'consumerpools.hare.dev', ...inShop)).toBe('yes');
      expect(await can('hare-viewer', 'delete', 'consumerpools.hare.dev', ...inShop)).toBe('no');
      expect(await can('hare-editor', 'create', 'consumerpools.hare.dev', '-n', 'default')).toBe('no');
    } finally {
      await k.kubectlResult('delete', 'rolebinding', '-n', 'shop', 'hare-itest-hare-editor', 'hare-itest-hare-viewer', '--ignore-not-found');
      await k.kubectlResult('delete', 'clusterrole', 'hare-itest-aggregated-view', 'hare-itest-aggregated-edit', '--ignore-not-found');
    }
  });

  it('grants exactly the permissions the operator uses: no more, no fewer', async () => {
    const { docs } = await template();
    const want = requiredPermissions().map((p) => p.join(' ')).sort();
    expect(granted(docs)).toEqual(want);
    const leaderRole = docs.find((d) => d.kind === 'Role');
    expect(leaderRole?.metadata.namespace).toBe('hare-system');
    expect(leaderRole?.rules?.every((r) => r.resources.every((res) => LEADER_ELECTION_RESOURCES.has(res)))).toBe(true);
    const scoped = await template('watchNamespace=shop');
    expect(scoped.docs.some((d) => d.kind === 'ClusterRole' && !forPeople(d))).toBe(false);
    expect(scoped.docs.find((d) => d.kind === 'Role' && d.metadata.namespace === 'shop')).toBeDefined();
    expect(granted(scoped.docs)).toEqual(want);
  });

  it('runs the operator with leader election, restricted security and probes', async () => {
    const { docs } = await template();
    const deploy = docs.find((d) => d.kind === 'Deployment') as unknown as { spec: { replicas: number; template: { spec: { containers: { args: string[]; securityContext: object; livenessProbe: object }[] } } } };
    const c = deploy.spec.template.spec.containers[0]!;
    expect(deploy.spec.replicas).toBe(2);
    expect(c.args).toEqual(expect.arrayContaining(['--leader-elect', '--leader-election-namespace=hare-system']));
    expect(c.securityContext).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    expect(docs.map((d) => d.kind)).toEqual(expect.arrayContaining(['PodDisruptionBudget', 'Service', 'ServiceAccount']));
  });

  it('rejects bad values through values.schema.json', async () => {
    const refusal = (...set: string[]): Promise<string> => template(...set).then(() => '', (e: { stderr: string }) => e.stderr);
    expect(await refusal('logLevel=loud')).toMatch(/logLevel.*must be one of/);
    expect(await refusal('image.digest=latest')).toMatch(/digest/);
    expect(await refusal('extraArgs={debug}')).toMatch(/extraArgs/);
    expect(await refusal('nosuchkey=1')).toMatch(/nosuchkey/);
    expect(await refusal('global.anything.a=1')).toBe(''); // a parent chart's globals are accepted
  });
});
