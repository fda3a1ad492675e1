// The operator's identity as the chart makes it (ServiceAccount, Roles, bindings, Lease) in one namespace, with a
// token kubeconfig and the operator arguments from the chart's Deployment: the operator without admin rights.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { dump, loadAll } from 'js-yaml';
import { clusterConfig } from '../../../test-e2e/cluster/index.ts';
import type { Kube } from './kube.ts';

const run = promisify(execFile);
const HELM = join(clusterConfig().binDir, 'helm');
const CHART = new URL('../../../charts/hare-operator', import.meta.url).pathname;
/** What the chart renders that a test runs the operator process with; the Deployment itself is not applied. */
const IDENTITY_KINDS = new Set(['ServiceAccount', 'Role', 'RoleBinding', 'Lease']);

interface Doc { kind: string; metadata: { name: string }; spec?: { template: { spec: { containers: { args: string[] }[] } } } }

export interface ChartIdentity {
  /** A kubeconfig that authenticates as the chart's ServiceAccount (bearer token). */
  kubeconfig: string;
  serviceAccount: string;
  /** The operator's arguments from the chart's Deployment, without the ports and log level the test sets. */
  args: string[];
}

/** Renders the chart for `namespace` only (release and watch namespace), applies its identity, mints a token. */
export async function chartIdentity(k: Kube, namespace: string, opts: { server?: string } = {}): Promise<ChartIdentity> {
  const version = (JSON.parse(await k.kubectl('version', '-o', 'json')) as { serverVersion: { gitVersion: string } }).serverVersion.gitVersion;
  const { stdout } = await run(HELM, [
    'template', 'hare', CHART, '--namespace', namespace, '--kube-version', version, '--set', `watchNamespace=${namespace}`, '--set', 'replicaCount=1',
  ]);
  const docs = (loadAll(stdout) as (Doc | null)[]).filter((d): d is Doc => d !== null);
  const identity = docs.filter((d) => IDENTITY_KINDS.has(d.kind)).map((d) => dump(d)).join('---\n');
  const applied = await k.kubectlStdin(identity, 'apply', '-n', namespace, '-f', '-');
  if (applied.code !== 0) throw new Error(`applying the chart's identity failed: ${applied.stderr}`);
  const serviceAccount = docs.find((d) => d.kind === 'ServiceAccount')?.metadata.name ?? '';
  const args = docs.find((d) => d.kind === 'Deployment')?.spec?.template.spec.containers[0]?.args ?? [];
  return {
    kubeconfig: await tokenKubeconfig(k, namespace, serviceAccount, opts.server),
    serviceAccount,
    args: args.filter((a) => !/^--(metrics-port|health-port|log-level)=/.test(a)),
  };
}

/** A kubeconfig file for a ServiceAccount's token, at the admin kubeconfig's server (or `server`, e.g. a proxy). */
export async function tokenKubeconfig(k: Kube, namespace: string, serviceAccount: string, server?: string): Promise<string> {
  const token = (await k.kubectl('create', 'token', serviceAccount, '-n', namespace, '--duration=2h')).trim();
  const admin = new KubeConfig();
  admin.loadFromFile(k.kubeconfig);
  const cluster = admin.getCurrentCluster();
  if (!cluster) throw new Error(`no current cluster in ${k.kubeconfig}`);
  const caData = admin.clusters.find((c) => c.name === cluster.name)?.caData;
  // client-node speaks plain HTTP (to a loopback test proxy) only with TLS verification off: there is no TLS to verify
  const plain = server?.startsWith('http:') ?? false;
  const config = {
    apiVersion: 'v1', kind: 'Config', 'current-context': 'sa',
    clusters: [{ name: 'c', cluster: { server: server ?? cluster.server, ...(plain ? { 'insecure-skip-tls-verify': true } : { 'certificate-authority-data': caData }) } }],
    users: [{ name: serviceAccount, user: { token } }],
    contexts: [{ name: 'sa', context: { cluster: 'c', user: serviceAccount, namespace } }],
  };
  const path = join(mkdtempSync(join(tmpdir(), 'hare-sa-')), 'kubeconfig');
  writeFileSync(path, dump(config), { mode: 0o600 });
  return path;
}
