// Phase 1: etcd, kube-apiserver, kube-controller-manager and kube-scheduler on loopback, started and stopped.
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { ClusterConfig } from './config.ts';
import { statePaths } from './config.ts';
import { generatePki } from './certs.ts';
import { stopKeda } from './keda.ts';
import type { ControlPlaneComponent } from './control-plane-args.ts';
import { controlPlaneCommand } from './control-plane-args.ts';
import { assertRunning, runningPid, startDaemon, stopDaemon } from './daemons.ts';
import { log, since, sleep, waitFor } from './exec.ts';
import { apiGet, apiserverReady } from './kube.ts';
import { writeKubeconfigs } from './kubeconfig.ts';
import { checkBinaries, checkPortsFree, controlPlaneBinaries, controlPlanePorts } from './preflight.ts';
import { etcdHealthy, httpsOk } from './probes.ts';

export const CONTROL_PLANE: readonly ControlPlaneComponent[] = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler'];

export type ControlPlaneStatus = Record<ControlPlaneComponent, number | undefined> & { ready: boolean };

export async function controlPlaneStatus(cfg: ClusterConfig): Promise<ControlPlaneStatus> {
  const pids = await Promise.all(CONTROL_PLANE.map((c) => runningPid(cfg, c)));
  const entries = Object.fromEntries(CONTROL_PLANE.map((c, i) => [c, pids[i]])) as Record<ControlPlaneComponent, number | undefined>;
  const ready = pids.every((p) => p !== undefined) && (await apiserverReady(cfg));
  return { ...entries, ready };
}

/** Waits until a component answers its health endpoint; fails at once (with its log) if it exits. */
async function waitHealthy(cfg: ClusterConfig, c: ControlPlaneComponent, timeoutMs = 90_000): Promise<void> {
  const t0 = performance.now();
  const probe: Record<ControlPlaneComponent, () => Promise<boolean>> = {
    etcd: () => etcdHealthy(cfg.ports.etcdClient),
    'kube-apiserver': () => apiserverReady(cfg),
    'kube-controller-manager': () => httpsOk(cfg.ports.controllerManager, '/healthz'),
    'kube-scheduler': () => httpsOk(cfg.ports.scheduler, '/healthz'),
  };
  await waitFor(`${c} to become healthy`, timeoutMs, async () => {
    await assertRunning(cfg, c);
    return (await probe[c]()) ? true : undefined;
  });
  log(`${c}: healthy (${since(t0)})`);
}

async function startComponent(cfg: ClusterConfig, c: ControlPlaneComponent, append = false): Promise<void> {
  const pid = await startDaemon(cfg, c, controlPlaneCommand(cfg, c), { append });
  log(`${c}: started (pid ${pid}, log ${cfg.logDir}/${c}.log)`);
}

/** The controller-manager is working once it has made the default ServiceAccount and published kube-root-ca.crt. */
async function waitControllersWorking(cfg: ClusterConfig): Promise<void> {
  const t0 = performance.now();
  await waitFor('the default ServiceAccount and kube-root-ca.crt ConfigMap', 90_000, async () => {
    await assertRunning(cfg, 'kube-controller-manager');
    const sa = await apiGet(cfg, '/api/v1/namespaces/default/serviceaccounts/default');
    const cm = await apiGet(cfg, '/api/v1/namespaces/default/configmaps/kube-root-ca.crt');
    return sa && cm ? true : undefined;
  });
  log(`controllers: default ServiceAccount and kube-root-ca.crt published (${since(t0)})`);
}

/**
 * Brings the control plane up. Components already running are left alone; a fresh start (none running)
 * wipes old state and makes a new PKI. Returns true when everything was already up.
 */
export async function ensureControlPlane(cfg: ClusterConfig): Promise<boolean> {
  const status = await controlPlaneStatus(cfg);
  if (status.ready) return true;
  checkBinaries(controlPlaneBinaries(cfg));
  const missing = CONTROL_PLANE.filter((c) => status[c] === undefined);
  if (missing.length === CONTROL_PLANE.length) {
    if (existsSync(cfg.stateDir)) {
      log(`no control plane process running; removing stale state in ${cfg.stateDir}`);
      await rm(cfg.stateDir, { recursive: true, force: true });
    }
    await checkPortsFree(controlPlanePorts(cfg));
    const t0 = performance.now();
    await generatePki(cfg, statePaths(cfg).pki);
    await writeKubeconfigs(cfg, statePaths(cfg).pki);
    log(`pki: CA, serving and client certificates, service-account keys, kubeconfigs (${since(t0)})`);
  } else {
    const ports = controlPlanePorts(cfg).filter((p) => missing.some((m) => p.who.startsWith(m)));
    await checkPortsFree(ports);
    log(`restarting stopped components: ${missing.join(', ')}`);
  }
  for (const c of CONTROL_PLANE) {
    if (status[c] === undefined) await startComponent(cfg, c);
    if (c === 'etcd' || c === 'kube-apiserver') await waitHealthy(cfg, c);
  }
  await Promise.all([waitHealthy(cfg, 'kube-controller-manager'), waitHealthy(cfg, 'kube-scheduler')]);
  await waitControllersWorking(cfg);
  return false;
}

/** Stops KEDA if a test left it running, then the four components (scheduler first, etcd last). */
export async function stopControlPlane(cfg: ClusterConfig): Promise<void> {
  await stopKeda(cfg);
  for (const c of [...CONTROL_PLANE].reverse()) {
    if (await stopDaemon(cfg, c, c === 'kube-apiserver' ? 5_000 : 15_000)) log(`${c}: stopped`);
  }
}

/**
 * Stops kube-apiserver, keeps it down for `downMs`, starts it again with the same flags and waits for /readyz.
 * Clients see connection refused while it is down, then their watches must resume.
 */
export async function restartApiServer(cfg: ClusterConfig, downMs = 0): Promise<void> {
  if ((await runningPid(cfg, 'etcd')) === undefined) throw new Error('restartApiServer: the control plane is not running');
  const t0 = performance.now();
  // SIGTERM; kube-apiserver 1.34 sometimes lingers after shutting its controllers down, so SIGKILL after 5 s
  await stopDaemon(cfg, 'kube-apiserver', 5_000);
  log(`kube-apiserver: stopped for restart (${since(t0)})`);
  if (downMs > 0) await sleep(downMs);
  await startComponent(cfg, 'kube-apiserver', true);
  await waitHealthy(cfg, 'kube-apiserver');
  log(`kube-apiserver: restarted (${since(t0)} including ${downMs} ms down)`);
}
