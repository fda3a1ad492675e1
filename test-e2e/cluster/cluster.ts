// The whole local cluster: up (control plane, optionally the node), down (everything, then a trace check), locking.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ClusterConfig } from './config.ts';
import { ensureControlPlane, stopControlPlane, CONTROL_PLANE } from './control-plane.ts';
import { runningPid } from './daemons.ts';
import { log, since, sleep } from './exec.ts';
import { leftovers } from './leftovers.ts';
import { ensureNode, NODE_DAEMONS, readNodeState } from './node.ts';
import { mountsUnder, teardownNode } from './node-teardown.ts';

export interface UpOptions {
  /** also start the node (containerd, kubelet, kube-proxy); default false */
  node?: boolean;
  /** run hack/build-binaries.sh first (instant when cached); default true. Missing Debian packages are always installed. */
  build?: boolean;
}

function runScript(cfg: ClusterConfig, script: string, args: string[]): Promise<void> {
  const path = join(cfg.repoDir, 'hack', script);
  return new Promise((resolveRun, reject) => {
    const child = spawn('bash', [path, ...args], { stdio: ['ignore', 'inherit', 'inherit'] });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolveRun() : reject(new Error(`${path} ${args.join(' ')} failed (exit ${code}); see its output above`))));
  });
}

/** Installs missing Debian packages (hack/cluster-deps.sh) and builds or reuses the binaries (hack/build-binaries.sh). */
export async function prepareHost(cfg: ClusterConfig, node: boolean, build: boolean): Promise<void> {
  await runScript(cfg, 'cluster-deps.sh', [node ? 'node' : 'control-plane']);
  if (build) await runScript(cfg, 'build-binaries.sh', ['all']);
}

/** Serialises up/down across processes (a CLI and a test run starting the cluster at once). */
export async function withClusterLock<T>(cfg: ClusterConfig, fn: () => Promise<T>): Promise<T> {
  const lock = join(cfg.cacheDir, 'cluster.lock');
  await mkdir(cfg.cacheDir, { recursive: true });
  for (let waited = 0; ; waited += 200) {
    try {
      const fh = await open(lock, 'wx');
      await fh.writeFile(String(process.pid));
      await fh.close();
      break;
    } catch {
      const holder = Number((await readFile(lock, 'utf8').catch(() => '')) || 0);
      if (holder > 0 && !existsSync(`/proc/${holder}`)) await rm(lock, { force: true });
      else if (waited > 0 && waited % 10_000 === 0) log(`waiting for another cluster operation (pid ${holder}) to finish`);
      await sleep(200);
    }
  }
  try {
    return await fn();
  } finally {
    await rm(lock, { force: true });
  }
}

async function anyRunning(cfg: ClusterConfig, names: readonly string[]): Promise<boolean> {
  return (await Promise.all(names.map((n) => runningPid(cfg, n)))).some((p) => p !== undefined);
}

/** Brings the cluster up; returns true when everything asked for was already running. */
export async function clusterUp(cfg: ClusterConfig, opts: UpOptions = {}): Promise<boolean> {
  await prepareHost(cfg, opts.node === true, opts.build !== false);
  return withClusterLock(cfg, async () => {
    const t0 = performance.now();
    if (!(await anyRunning(cfg, CONTROL_PLANE)) && ((await readNodeState(cfg)) !== undefined || (await anyRunning(cfg, NODE_DAEMONS)))) {
      log('a node from an earlier run is left over without its control plane: removing it first');
      await teardownNode(cfg);
    }
    const cpWasUp = await ensureControlPlane(cfg);
    log(cpWasUp ? 'control plane: already up' : `control plane: up (${since(t0)})`);
    if (!opts.node) return cpWasUp;
    const t1 = performance.now();
    const nodeWasUp = await ensureNode(cfg);
    log(nodeWasUp ? `node ${cfg.nodeName}: already up` : `node ${cfg.nodeName}: up (${since(t1)}; total ${since(t0)})`);
    return cpWasUp && nodeWasUp;
  });
}

/** Stops everything, removes the state dir, and returns whatever is still left (empty = clean). */
export async function clusterDown(cfg: ClusterConfig): Promise<string[]> {
  return withClusterLock(cfg, async () => {
    const before = await readNodeState(cfg);
    await teardownNode(cfg);
    await stopControlPlane(cfg);
    const mounts = mountsUnder(readFileSync('/proc/self/mountinfo', 'utf8'), [cfg.stateDir]);
    if (mounts.length === 0) await rm(cfg.stateDir, { recursive: true, force: true });
    else log(`not removing ${cfg.stateDir}: still mounted: ${mounts.join(', ')}`);
    return leftovers(cfg, before);
  });
}
