// Phase 2: the node: pod bridge, loopback forwarders and broker DNAT, containerd, pause image, kubelet and kube-proxy, then Ready.
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import type { ClusterConfig } from './config.ts';
import { statePaths } from './config.ts';
import { assertRunning, runningPid, startDaemon } from './daemons.ts';
import { log, run, since, waitFor } from './exec.ts';
import { ensurePauseImage, importImage } from './images.ts';
import { kubectl, nodeReadyCondition } from './kube.ts';
import { containerdConfig, cniConflist, CNI_BIN_DIR, kubeletArgs, kubeletConfig, kubeProxyConfig, RUNC } from './node-config.ts';
import { addBrokerDnat, createBridge, currentOwnedChains, readSysctls } from './node-net.ts';
import { checkBinaries, checkPortsFree, nodeKernelProblems, PreflightError } from './preflight.ts';
import { httpOk } from './probes.ts';
import { brokerSecret, ensurePodBrokerUser } from './rabbitmq.ts';

/** What the host looked like before the node started, so cluster:down can put it back. */
export interface NodeState {
  sysctls: Record<string, string>;
  chainsBefore: string[];
  dirsBefore: Record<string, boolean>;
}

/**
 * Host directories the runtime may create outside our state dir (children first); removed again if they did not
 * exist and are empty. The kubelet's device-plugin socket dir is hard-coded, whatever --root-dir says.
 */
export const HOST_DIRS = ['/var/lib/kubelet/device-plugins', '/var/lib/kubelet', '/run/containerd/s', '/run/containerd/fifo', '/run/containerd/runc/k8s.io', '/run/containerd/runc', '/run/containerd', '/var/lib/cni/results', '/var/lib/cni', '/var/log/containers', '/run/netns'];

/** Loopback-only services that pods reach at the node address through a socat forwarder. */
export const FORWARDED_PORTS: Array<{ port: number; what: string }> = [
  { port: 6443, what: 'kube-apiserver (the `kubernetes` Service endpoint)' },
];

/**
 * The loopback-only broker, reached by pods at the node address through DNAT rather than a forwarder, so that the
 * broker sees each connection from its pod's IP, as on a real cluster (the operator matches consumers to pods by it).
 */
export const BROKER_PORTS: Array<{ port: number; what: string }> = [
  { port: 5672, what: 'RabbitMQ AMQP' },
  { port: 5671, what: 'RabbitMQ AMQP over TLS (its certificate names the node address)' },
  { port: 15672, what: 'RabbitMQ management API' },
];

export const NODE_DAEMONS = ['containerd', 'kubelet', 'kube-proxy'] as const;

export async function nodeRunning(cfg: ClusterConfig): Promise<boolean> {
  const pids = await Promise.all(NODE_DAEMONS.map((d) => runningPid(cfg, d)));
  return pids.every((p) => p !== undefined);
}

function preflight(cfg: ClusterConfig): void {
  const problems = nodeKernelProblems();
  if (problems.length > 0) throw new PreflightError(`this machine cannot run the node:\n  ${problems.join('\n  ')}`);
  checkBinaries({ kubelet: join(cfg.binDir, 'kubelet'), 'kube-proxy': join(cfg.binDir, 'kube-proxy') });
  const sys = ['/usr/bin/containerd', '/usr/bin/containerd-shim-runc-v2', '/usr/bin/ctr', RUNC, '/usr/bin/socat', '/usr/sbin/iptables', '/usr/bin/buildah', '/usr/bin/gcc'];
  const cni = ['bridge', 'host-local', 'loopback'].map((p) => join(CNI_BIN_DIR, p));
  checkBinaries(Object.fromEntries([...sys, ...cni].map((p) => [p, p])),
    'install the Debian packages: apt-get install -y containerd runc containernetworking-plugins socat iptables buildah gcc libc6-dev');
}

async function recordHostState(cfg: ClusterConfig): Promise<void> {
  const file = statePaths(cfg).nodeState;
  if (existsSync(file)) return; // recorded by an earlier, partial start: keep the original values
  const state: NodeState = {
    sysctls: readSysctls(),
    chainsBefore: await currentOwnedChains(),
    dirsBefore: Object.fromEntries(HOST_DIRS.map((d) => [d, existsSync(d)])),
  };
  await writeFile(file, JSON.stringify(state, null, 2) + '\n');
}

export async function readNodeState(cfg: ClusterConfig): Promise<NodeState | undefined> {
  try {
    return JSON.parse(await readFile(statePaths(cfg).nodeState, 'utf8')) as NodeState;
  } catch {
    return undefined;
  }
}

async function startForwarders(cfg: ClusterConfig): Promise<void> {
  for (const f of FORWARDED_PORTS) {
    const name = `forward-${f.port}`;
    if ((await runningPid(cfg, name)) !== undefined) continue;
    if (!(await reachable('127.0.0.1', f.port))) {
      log(`no forward for ${f.what}: nothing listens on 127.0.0.1:${f.port}`);
      continue;
    }
    await startDaemon(cfg, name, { bin: '/usr/bin/socat', args: [`TCP-LISTEN:${f.port},bind=${cfg.nodeIp},reuseaddr,fork`, `TCP:127.0.0.1:${f.port}`] });
    log(`forward ${cfg.nodeIp}:${f.port} -> 127.0.0.1:${f.port} (${f.what})`);
  }
}

async function routeBrokerPorts(cfg: ClusterConfig): Promise<void> {
  const ports: number[] = [];
  for (const b of BROKER_PORTS) {
    if (await reachable('127.0.0.1', b.port)) ports.push(b.port);
    else log(`no route for ${b.what}: nothing listens on 127.0.0.1:${b.port}`);
  }
  await addBrokerDnat(cfg, ports);
  log(`pods reach 127.0.0.1:{${ports.join(',')}} at ${cfg.nodeIp} (DNAT: the broker sees pod IPs)`);
}

function reachable(host: string, port: number): Promise<boolean> {
  return new Promise((resolveReach) => {
    const s = connect({ host, port, timeout: 1_000 }, () => { s.destroy(); resolveReach(true); });
    s.on('error', () => resolveReach(false));
    s.on('timeout', () => { s.destroy(); resolveReach(false); });
  });
}

async function writeNodeConfigs(cfg: ClusterConfig): Promise<string> {
  const sp = statePaths(cfg);
  const dir = join(cfg.stateDir, 'node');
  await Promise.all([mkdir(dir, { recursive: true }), mkdir(sp.cniConfDir, { recursive: true }), mkdir(sp.cniIpamDir, { recursive: true }),
    mkdir(sp.podLogs, { recursive: true }), mkdir(sp.kubeletRoot, { recursive: true }), mkdir(sp.containerd, { recursive: true })]);
  await writeFile(join(dir, 'containerd.toml'), containerdConfig(cfg));
  await writeFile(join(sp.cniConfDir, `10-${cfg.cniNetwork}.conflist`), cniConflist(cfg));
  await writeFile(join(dir, 'kubelet.json'), kubeletConfig(cfg));
  await writeFile(join(dir, 'kube-proxy.json'), kubeProxyConfig(cfg));
  return dir;
}

async function startContainerd(cfg: ClusterConfig, dir: string): Promise<void> {
  if ((await runningPid(cfg, 'containerd')) !== undefined) return;
  const t0 = performance.now();
  await startDaemon(cfg, 'containerd', { bin: '/usr/bin/containerd', args: ['--config', join(dir, 'containerd.toml')] });
  const sock = statePaths(cfg).containerdSocket;
  await waitFor('containerd to answer', 30_000, async () => {
    await assertRunning(cfg, 'containerd');
    return (await run('ctr', ['--address', sock, 'version'], { timeoutMs: 3_000 })) ? true : undefined;
  });
  log(`containerd: ready (${since(t0)}, socket ${sock})`);
}

/** Starts the node (the control plane must be up). Returns true when it was already running and Ready. */
export async function ensureNode(cfg: ClusterConfig): Promise<boolean> {
  if ((await nodeRunning(cfg)) && (await nodeReadyCondition(cfg))?.status === 'True') return true;
  preflight(cfg);
  const fresh = (await Promise.all(NODE_DAEMONS.map((d) => runningPid(cfg, d)))).every((p) => p === undefined);
  if (fresh) {
    const p = cfg.ports;
    await checkPortsFree([p.kubelet, p.kubeletHealthz, p.proxyMetrics, p.proxyHealthz].map((port) => ({ host: '127.0.0.1', port, who: 'node' })));
  }
  await recordHostState(cfg);
  // rabbitmqctl is slow (an Erlang VM per call): run it while the node starts
  const brokerUser = ensurePodBrokerUser(cfg).then((b) => ({ b }), (e: unknown) => ({ e }));
  await createBridge(cfg);
  log(`network: bridge ${cfg.bridge} ${cfg.nodeIp} for pods ${cfg.podCidr} (no masquerade, no route out)`);
  await startForwarders(cfg);
  await routeBrokerPorts(cfg);
  const dir = await writeNodeConfigs(cfg);
  await startContainerd(cfg, dir);
  const t0 = performance.now();
  await importImage(cfg, await ensurePauseImage(cfg));
  log(`pause image: ${cfg.pauseImage} imported (${since(t0)})`);
  if ((await runningPid(cfg, 'kubelet')) === undefined) {
    await startDaemon(cfg, 'kubelet', { bin: join(cfg.binDir, 'kubelet'), args: kubeletArgs(cfg, join(dir, 'kubelet.json')) });
  }
  if ((await runningPid(cfg, 'kube-proxy')) === undefined) {
    await startDaemon(cfg, 'kube-proxy', { bin: join(cfg.binDir, 'kube-proxy'), args: [`--config=${join(dir, 'kube-proxy.json')}`] });
  }
  await waitNodeReady(cfg);
  const settled = await brokerUser;
  if ('e' in settled) throw settled.e instanceof Error ? settled.e : new Error(String(settled.e));
  const broker = settled.b;
  await kubectl(cfg, ['apply', '-f', '-'], JSON.stringify(brokerSecret(broker, 'default')));
  log(`rabbitmq: user ${broker.username} for pods; Secret default/rabbitmq (keys uri, management-uri); ${statePaths(cfg).brokerFile}`);
  return false;
}

async function waitNodeReady(cfg: ClusterConfig): Promise<void> {
  const t0 = performance.now();
  await waitFor(`node ${cfg.nodeName} Ready`, 120_000, async () => {
    await assertRunning(cfg, 'kubelet');
    await assertRunning(cfg, 'containerd');
    return (await nodeReadyCondition(cfg))?.status === 'True' ? true : undefined;
  }, 500);
  log(`kubelet: node ${cfg.nodeName} Ready (${since(t0)})`);
  await waitFor('kube-proxy to sync its rules', 60_000, async () => {
    await assertRunning(cfg, 'kube-proxy');
    return (await httpOk(cfg.ports.proxyHealthz, '/healthz')) ? true : undefined;
  });
  log(`kube-proxy: rules synced (${since(t0)})`);
}
