// KEDA v2.21 on the e2e cluster: its operator and metrics adapter, built from the Go module proxy by
// hack/build-binaries.sh keda, run as host processes (on loopback) beside the cluster, with the external metrics API
// registered through the aggregation layer. Used by the KEDA e2e test and `npm run bench:peers`.
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { selfSigned, signLeaf } from './certs.ts';
import type { ClusterConfig } from './config.ts';
import { assertRunning, logPath, runningPid, startDaemon, stopDaemon } from './daemons.ts';
import { log, run, since, tryRun } from './exec.ts';
import { untilCondition } from '../support/wait.ts';
import { EXTERNAL_METRICS_API, KEDA_METRICS_SERVICE, KEDA_NAMESPACE, KEDA_PORTS, metricsApiObjects } from './keda-manifests.ts';
import type { E2ECluster } from './provider.ts';

export const KEDA_DAEMONS = ['keda-adapter', 'keda-operator'] as const;

export interface Keda {
  /** Throws, with the log's last lines, when the operator or the adapter has exited. */
  assertRunning(): Promise<void>;
  /** pids of the operator and the adapter (undefined: not running), for RSS samples */
  pids(): Promise<Record<(typeof KEDA_DAEMONS)[number], number | undefined>>;
  /** Deletes every ScaledObject (KEDA's finalizer needs the operator), stops both processes, removes KEDA's objects. */
  stop(): Promise<void>;
}

const binaries = (cfg: ClusterConfig): { operator: string; adapter: string; crds: string } => ({
  operator: join(cfg.binDir, 'keda-operator'),
  adapter: join(cfg.binDir, 'keda-adapter'),
  crds: join(cfg.binDir, 'keda-crds.yaml'),
});

/** Command lines of the two processes (pure, unit-tested). */
export function kedaCommands(cfg: ClusterConfig, kubeconfig: string, certDir: string): Record<(typeof KEDA_DAEMONS)[number], { bin: string; args: string[] }> {
  const b = binaries(cfg);
  const loop = (port: number): string => `127.0.0.1:${port}`;
  return {
    'keda-operator': {
      bin: b.operator,
      args: [
        `--kubeconfig=${kubeconfig}`, `--cert-dir=${certDir}`, '--enable-cert-rotation=false', '--leader-elect=false',
        `--metrics-bind-address=${loop(KEDA_PORTS.operatorMetrics)}`, `--health-probe-bind-address=${loop(KEDA_PORTS.operatorProbes)}`,
        `--metrics-service-bind-address=${loop(KEDA_PORTS.grpc)}`, '--zap-log-level=info', '--zap-encoder=console',
      ],
    },
    'keda-adapter': {
      bin: b.adapter,
      args: [
        `--secure-port=${KEDA_PORTS.adapter}`, '--bind-address=127.0.0.1', `--cert-dir=${certDir}`,
        `--tls-cert-file=${join(certDir, 'tls.crt')}`, `--tls-private-key-file=${join(certDir, 'tls.key')}`,
        `--lister-kubeconfig=${kubeconfig}`, `--authentication-kubeconfig=${kubeconfig}`, `--authorization-kubeconfig=${kubeconfig}`,
        `--metrics-service-address=${loop(KEDA_PORTS.grpc)}`, `--port=${KEDA_PORTS.adapterMetrics}`, '--zap-log-level=info', '--zap-encoder=console',
      ],
    },
  };
}

/** The environment KEDA reads where a pod would have its namespace and service account. */
const kedaEnv = (kubeconfig: string): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', KUBECONFIG: kubeconfig,
  WATCH_NAMESPACE: '', POD_NAMESPACE: KEDA_NAMESPACE, KEDA_CLUSTER_OBJECT_NAMESPACE: KEDA_NAMESPACE,
});

/** One CA and one certificate (server and client) for the adapter's serving port and the gRPC link between the two. */
async function kedaCerts(dir: string): Promise<void> {
  if (existsSync(join(dir, 'tls.crt'))) return;
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await selfSigned(dir, 'ca', 'hare-keda-ca');
  const names = [KEDA_METRICS_SERVICE, 'keda-operator'].flatMap((s) => [`DNS:${s}.${KEDA_NAMESPACE}.svc`, `DNS:${s}.${KEDA_NAMESPACE}.svc.cluster.local`]);
  await signLeaf(dir, { name: 'tls', cn: 'keda', usage: 'both', sans: ['DNS:localhost', 'IP:127.0.0.1', ...names] });
}

/** Starts KEDA (or finds it running) on `cluster`; resolves once the external metrics API is Available. */
export async function startKeda(cfg: ClusterConfig, cluster: Pick<E2ECluster, 'provider' | 'kubeconfig' | 'apiServerToHost'>): Promise<Keda> {
  const { kubeconfig, apiServerToHost } = cluster;
  if (apiServerToHost === undefined) {
    throw new Error(`KEDA runs on this host, and provider ${cluster.provider} gives its API server no way to reach the metrics adapter here`);
  }
  const b = binaries(cfg);
  const absent = Object.values(b).filter((f) => !existsSync(f));
  if (absent.length > 0) throw new Error(`KEDA is not built (${absent.join(', ')} missing): run \`bash hack/build-binaries.sh keda\` (about 6 min cold)`);
  const t0 = performance.now();
  const kubectl = (args: string[], input?: string): Promise<unknown> =>
    run(join(cfg.binDir, 'kubectl'), args, { env: { ...process.env, KUBECONFIG: kubeconfig }, input, timeoutMs: 180_000 });
  const certDir = join(cfg.stateDir, 'keda');
  await kedaCerts(certDir);
  await kubectl(['apply', '--server-side', '--force-conflicts', '-f', b.crds]);
  await untilCondition(kubectl, 'Established', ['crd/scaledobjects.keda.sh', 'crd/triggerauthentications.keda.sh']);
  const caBundle = (await readFile(join(certDir, 'ca.crt'))).toString('base64');
  const objects = metricsApiObjects({ host: apiServerToHost, port: KEDA_PORTS.adapter, caBundle });
  await kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }));
  const commands = kedaCommands(cfg, kubeconfig, certDir);
  for (const name of [...KEDA_DAEMONS].reverse()) {
    if ((await runningPid(cfg, name)) === undefined) await startDaemon(cfg, name, commands[name], { env: kedaEnv(kubeconfig) });
  }
  try {
    await untilCondition(kubectl, 'Available', [`apiservice/${EXTERNAL_METRICS_API}`], 120_000);
  } catch (err) {
    throw new Error(`KEDA's external metrics API did not become Available; logs: ${KEDA_DAEMONS.map((d) => logPath(cfg, d)).join(', ')}`, { cause: err });
  }
  log(`keda: operator and metrics adapter up, ${EXTERNAL_METRICS_API} Available (${since(t0)})`);
  return {
    assertRunning: async () => { for (const d of KEDA_DAEMONS) await assertRunning(cfg, d); },
    pids: async () => ({ 'keda-adapter': await runningPid(cfg, 'keda-adapter'), 'keda-operator': await runningPid(cfg, 'keda-operator') }),
    stop: async () => {
      const env = { ...process.env, KUBECONFIG: kubeconfig };
      const kubectlBin = join(cfg.binDir, 'kubectl');
      const kinds = 'scaledobjects.keda.sh,scaledjobs.keda.sh,triggerauthentications.keda.sh';
      await tryRun(kubectlBin, ['delete', kinds, '--all', '--all-namespaces', '--wait=true', '--timeout=120s'], { env, timeoutMs: 150_000 });
      // an operator that died cannot remove its finalizers, and the namespace would stay Terminating: let them go
      const left = (await tryRun(kubectlBin, ['get', kinds, '--all-namespaces', '-o', 'jsonpath={range .items[*]}{.kind}/{.metadata.namespace}/{.metadata.name}{"\\n"}{end}'], { env }))?.stdout.split('\n').filter(Boolean) ?? [];
      for (const o of left) {
        const [kind = '', ns = '', name = ''] = o.split('/');
        await tryRun(kubectlBin, ['patch', `${kind.toLowerCase()}.keda.sh`, '-n', ns, name, '--type=merge', '-p', '{"metadata":{"finalizers":null}}'], { env });
      }
      await stopKeda(cfg);
      // the APIService first: an unavailable aggregated API breaks discovery, and with it namespace deletion
      for (const o of [`apiservice/${EXTERNAL_METRICS_API}`, 'clusterrolebinding/keda-hpa-controller-external-metrics', 'clusterrole/keda-external-metrics-reader', `namespace/${KEDA_NAMESPACE}`]) {
        await tryRun(kubectlBin, ['delete', o, '--ignore-not-found', '--wait=false'], { env });
      }
      await tryRun(kubectlBin, ['delete', '--ignore-not-found', '-f', b.crds], { env, timeoutMs: 120_000 });
    },
  };
}

/** Stops the two processes if they run (cluster:down and the kind provider's down call it too, so none outlives the cluster). */
export async function stopKeda(cfg: ClusterConfig): Promise<void> {
  for (const d of KEDA_DAEMONS) if (await stopDaemon(cfg, d)) log(`${d}: stopped`);
}
