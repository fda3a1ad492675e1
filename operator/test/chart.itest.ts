// The Helm chart: lint, schema, server-side dry run of what it renders, and RBAC equal to what the operator calls.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { loadAll } from 'js-yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { clusterConfig } from '../../test-e2e/cluster/index.ts';
import { LEADER_ELECTION_RESOURCES, requiredPermissions } from '../src/kube/permissions.ts';
import { kube, type Kube } from './support/kube.ts';

const run = promisify(execFile);
const HELM = join(clusterConfig().binDir, 'helm');
const CHART = new URL('../../charts/hare-operator', import.meta.url).pathname;

interface Doc { kind: string; metadata: { name: string; namespace?: string }; rules?: { apiGroups: string[]; resources: string[]; verbs: string[] }[] }

async function template(...set: string[]): Promise<{ text: string; docs: Doc[] }> {
  const { stdout } = await run(HELM, ['template', 'hare', CHART, '--namespace', 'hare-system', ...set.flatMap((s) => ['--set', s])]);
  return { text: stdout, docs: (loadAll(stdout) as (Doc | null)[]).filter((d): d is Doc => d !== null) };
}

function granted(docs: Doc[]): string[] {
  return docs.filter((d) => d.kind === 'ClusterRole' || d.kind === 'Role')
    .flatMap((d) => (d.rules ?? []).flatMap((r) => r.apiGroups.flatMap((g) => r.resources.flatMap((res) => r.verbs.map((v) => `${g} ${res} ${v}`)))))
    .sort();
}

let k: Kube;
beforeAll(async () => {
  k = kube();
  for (const ns of ['hare-system', 'shop']) {
    await k.kubectl('create', 'namespace', ns, '--dry-run=client', '-o', 'yaml').then((y) => k.kubectlStdin(y, 'apply', '-f', '-'));
  }
});

describe('charts/hare-operator', () => {
  it('passes helm lint', async () => {
    const { stdout } = await run(HELM, ['lint', CHART, '--strict']);
    expect(stdout).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
  });

  it('renders what the API server accepts (server-side dry run), cluster-wide and for one namespace', async () => {
    for (const set of [[], ['watchNamespace=shop', 'replicaCount=1'], ['leaderElection.enabled=false', 'replicaCount=1', 'podDisruptionBudget.enabled=false']]) {
      const { text } = await template(...set);
      const r = await k.kubectlStdin(text, 'apply', '--dry-run=server', '-f', '-');
      expect({ set, code: r.code, stderr: r.stderr }).toEqual({ set, code: 0, stderr: '' });
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
    expect(scoped.docs.some((d) => d.kind === 'ClusterRole')).toBe(false);
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
    const bad = await run(HELM, ['template', 'hare', CHART, '--set', 'logLevel=loud']).then(() => '', (e: { stderr: string }) => e.stderr);
    expect(bad).toMatch(/logLevel.*must be one of/);
  });
});
