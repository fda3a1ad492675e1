// Command line for the local cluster: up, down, status, import, restart-apiserver (run by hack/cluster.sh).
import { join } from 'node:path';
import { clusterDown, clusterUp, withClusterLock } from './cluster.ts';
import { clusterConfig, statePaths } from './config.ts';
import { controlPlaneStatus, restartApiServer } from './control-plane.ts';
import { runningPid } from './daemons.ts';
import { log, since } from './exec.ts';
import { importImage } from './images.ts';
import { nodeReadyCondition } from './kube.ts';
import { FORWARDED_PORTS, NODE_DAEMONS } from './node.ts';
import { PreflightError } from './preflight.ts';
import { readPodBroker } from './rabbitmq.ts';

const USAGE = `usage: cluster.sh <command>
  up [--control-plane-only] [--no-build]   start (or complete) the cluster; default: control plane + node
  down                                     stop everything and remove all traces; exit 1 if anything is left
  status                                   show what runs
  import <docker-archive.tar>...           import images into the node's containerd (k8s.io namespace)
  restart-apiserver [--down-ms N]          stop kube-apiserver, wait N ms, start it again`;

async function status(): Promise<number> {
  const cfg = clusterConfig();
  const cp = await controlPlaneStatus(cfg);
  const names = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', ...NODE_DAEMONS, ...FORWARDED_PORTS.map((f) => `forward-${f.port}`)];
  for (const n of names) console.log(`${n.padEnd(27)}${(await runningPid(cfg, n)) ?? '-'}`);
  console.log(`${'apiserver /readyz'.padEnd(27)}${cp.ready ? 'ok' : 'not ready'}`);
  if (cp.ready) console.log(`${`node ${cfg.nodeName}`.padEnd(27)}${(await nodeReadyCondition(cfg).catch(() => undefined))?.status ?? 'absent'}`);
  console.log(`${'kubeconfig'.padEnd(27)}${cfg.adminKubeconfig}`);
  return cp.ready ? 0 : 1;
}

async function up(args: string[]): Promise<number> {
  const cfg = clusterConfig();
  const t0 = performance.now();
  const node = !args.includes('--control-plane-only');
  const already = await clusterUp(cfg, { node, build: !args.includes('--no-build') });
  log(already ? 'cluster already up' : `cluster up in ${since(t0)}`);
  console.log(`\nkubeconfig: ${cfg.adminKubeconfig}`);
  console.log(`  export KUBECONFIG=${cfg.adminKubeconfig}`);
  console.log(`  ${join(cfg.binDir, 'kubectl')} get --raw /readyz`);
  const broker = node ? await readPodBroker(cfg) : undefined;
  if (broker) {
    console.log(`pods reach RabbitMQ at ${cfg.nodeIp}:5672 as ${broker.username}: Secret default/rabbitmq, file ${statePaths(cfg).brokerFile}`);
    console.log(`images: save as docker-archive with a localhost/... name, then: bash hack/cluster.sh import <tarball>`);
  }
  return 0;
}

async function down(): Promise<number> {
  const t0 = performance.now();
  const left = await clusterDown(clusterConfig());
  if (left.length > 0) {
    console.error(`cluster down, but these traces are left:\n  ${left.join('\n  ')}`);
    return 1;
  }
  log(`cluster down in ${since(t0)}: no processes, ports, mounts, links, cgroups, iptables chains or state left`);
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const [cmd, ...args] = argv;
  const cfg = clusterConfig();
  switch (cmd) {
    case 'up':
      return up(args);
    case 'down':
      return down();
    case 'status':
      return status();
    case 'import':
      if (args.length === 0) throw new Error('import: give at least one docker-archive tarball');
      for (const t of args) console.log(`imported ${(await importImage(cfg, t)).join(', ')}`);
      return 0;
    case 'restart-apiserver': {
      const i = args.indexOf('--down-ms');
      const downMs = i >= 0 ? Number(args[i + 1]) : 0;
      await withClusterLock(cfg, () => restartApiServer(cfg, downMs));
      return 0;
    }
    default:
      console.error(USAGE);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    const e = err instanceof Error ? err : new Error(String(err));
    console.error(e instanceof PreflightError ? `preflight: ${e.message}` : `cluster: ${e.message}`);
    process.exit(1);
  },
);
