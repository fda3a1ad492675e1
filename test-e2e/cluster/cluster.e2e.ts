// e2e smoke of the cluster provider: API ready, node Ready, a real pod reaching the API and RabbitMQ, a clean down and up; local: restart.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterConfig } from './config.ts';
import { sleep } from './exec.ts';
import { ensureNetcheckImage, NETCHECK_IMAGE } from './images.ts';
import { restartApiServer } from './index.ts';
import type { ClusterProvider, E2ECluster } from './provider.ts';
import { chooseProvider, selectProvider } from './provider.ts';
import { brokerSecret } from './rabbitmq.ts';

const cfg = clusterConfig();
const NS = `e2e-cluster-${Date.now().toString(36)}`;
let provider: ClusterProvider;
let cluster: E2ECluster;

const PROVIDER = chooseProvider(process.env);
const LOCAL = PROVIDER === 'local';
/** local's down always runs its trace check; kind's keeps the cluster under HARE_E2E_KEEP_CLUSTER; existing's does nothing */
const DOWN_IS_CHECKED = LOCAL || (PROVIDER === 'kind' && !process.env.HARE_E2E_KEEP_CLUSTER);

function kubectlIn(input: string | undefined, ...args: string[]): string {
  const bin = existsSync(join(cfg.binDir, 'kubectl')) ? join(cfg.binDir, 'kubectl') : 'kubectl';
  return execFileSync(bin, ['--kubeconfig', cluster.kubeconfig, ...args], { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'] });
}
const kubectl = (...args: string[]): string => kubectlIn(undefined, ...args);

function netcheckPod(name: string, args: string[]): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NS },
    spec: {
      restartPolicy: 'Never',
      dnsPolicy: 'Default',
      containers: [{
        name: 'netcheck',
        image: NETCHECK_IMAGE,
        imagePullPolicy: 'IfNotPresent',
        args,
        securityContext: { runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } },
      }],
    },
  });
}

async function podPhase(name: string, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const phase = kubectl('get', 'pod', name, '-n', NS, '-o', 'jsonpath={.status.phase}');
    if (phase === 'Succeeded' || phase === 'Failed' || Date.now() > deadline) return phase;
    await sleep(500);
  }
}

describe('cluster provider', () => {
  beforeAll(async () => {
    provider = await selectProvider();
    cluster = await provider.up();
    kubectl('create', 'namespace', NS);
  }, 1_200_000);

  afterAll(async () => {
    if (cluster && !LOCAL) kubectl('delete', 'namespace', NS, '--wait=false', '--ignore-not-found');
    // the last test brings a local cluster back up: take it down again, as the operator suite does
    if (!process.env.HARE_E2E_KEEP_CLUSTER) await cluster?.down();
  }, 600_000);

  it('serves /readyz', () => {
    expect(kubectl('get', '--raw', '/readyz')).toBe('ok');
  });

  it('has a Ready node', () => {
    const ready = kubectl('get', 'nodes', '-o', 'jsonpath={.items[*].status.conditions[?(@.type=="Ready")].status}');
    expect(ready.split(' ')).toContain('True');
  });

  it('runs a pod from a locally built image that reaches the API server (kubernetes Service) and RabbitMQ, with no route out', async () => {
    const names = await cluster.loadImages([await ensureNetcheckImage(cfg)]);
    expect(names).toContain(NETCHECK_IMAGE);
    const broker = await cluster.podBroker();
    kubectlIn(JSON.stringify(brokerSecret(broker, NS)), 'apply', '-f', '-');
    const amqp = new URL(broker.uri);
    const args = ['-api', '-amqp', `${amqp.hostname}:${amqp.port || '5672'}`, '-isolated'];
    if (broker.managementUri) args.push('-http', new URL('api/whoami', broker.managementUri).toString());
    kubectlIn(netcheckPod('netcheck', args), 'apply', '-f', '-');
    const phase = await podPhase('netcheck', 120_000);
    const logs = kubectl('logs', '-n', NS, 'netcheck');
    expect(phase, `pod phase; logs:\n${logs}`).toBe('Succeeded');
    expect(logs).toContain(`authenticated as system:serviceaccount:${NS}:default`);
    expect(logs).toContain('connection.start received');
    expect(logs).toContain('isolated: no default route');
    if (broker.managementUri) expect(logs).toMatch(/http \S+\/api\/whoami: 200/);
  }, 300_000);

  it.runIf(LOCAL)('local: restartApiServer brings the API server back with its state', async () => {
      await restartApiServer({ downMs: 1_000 });
      expect(kubectl('get', '--raw', '/readyz')).toBe('ok');
      expect(kubectl('get', 'namespace', NS, '-o', 'jsonpath={.status.phase}')).toBe('Active');
    }, 180_000);

  // down() throws on any trace: local, cluster:down's check; kind, the cluster's containers, HAREKIND-BROKER, the route
  it.runIf(DOWN_IS_CHECKED)('down leaves no trace, and the cluster comes back up', async () => {
      await expect(cluster.down()).resolves.toBeUndefined();
      cluster = await provider.up();
      expect(kubectl('get', '--raw', '/readyz')).toBe('ok');
    }, 900_000);
});
