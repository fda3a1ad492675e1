// The kind provider's side of this host: our dockerd, the kind binary, the node image, the broker's DNAT and the pod route.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClusterConfig } from './config.ts';
import { log, run, runWithProgress, since, tryRun } from './exec.ts';
import type { KindLayout } from './kind-plan.ts';
import { KIND_BROKER_CHAIN, kindBrokerDnatRules, kindBrokerJump, podRoute } from './kind-plan.ts';

export const KIND_VERSION = 'v0.33.0';

const lastLine = (s: string): string => s.trim().split('\n').pop() ?? '';

/** Starts the project's dockerd (hack/docker.sh) unless it runs; `started` says whether this call started it. */
export async function dockerUp(cfg: ClusterConfig): Promise<{ dockerHost: string; started: boolean }> {
  const script = join(cfg.repoDir, 'hack/docker.sh');
  const started = !(await tryRun('bash', [script, 'status']));
  const dockerHost = lastLine(await runWithProgress('bash', [script, 'up'], { timeoutMs: 900_000 }));
  return { dockerHost, started };
}

/**
 * hack/docker.sh down (every container and network gone, the daemon stopped, its own trace check passed), unless
 * containers that are not ours run on it (another cluster, e.g. the demo's): then the daemon stays, and we say so.
 */
export async function dockerDown(cfg: ClusterConfig, env: NodeJS.ProcessEnv): Promise<void> {
  const others = (await tryRun('docker', ['ps', '-aq'], { env }))?.stdout.trim();
  if (others) {
    log(`docker: ${others.split('\n').length} other container(s) on our dockerd: leaving it running`);
    return;
  }
  await runWithProgress('bash', [join(cfg.repoDir, 'hack/docker.sh'), 'down'], { timeoutMs: 300_000 });
}

/** kind from the Go module proxy, cached in $HARE_CACHE/kind/bin. */
export async function ensureKindBinary(cfg: ClusterConfig): Promise<string> {
  const gobin = join(cfg.cacheDir, 'kind', 'bin');
  const kind = join(gobin, 'kind');
  if (existsSync(kind) && (await tryRun(kind, ['version']))?.stdout.startsWith(`kind ${KIND_VERSION} `)) return kind;
  const t0 = performance.now();
  log(`kind ${KIND_VERSION}: go install from the module proxy`);
  await run('go', ['install', `sigs.k8s.io/kind@${KIND_VERSION}`], {
    timeoutMs: 900_000,
    env: { ...process.env, GOBIN: gobin, CGO_ENABLED: '0', GOTOOLCHAIN: 'local', GOFLAGS: '-trimpath' },
  });
  log(`kind ${KIND_VERSION}: built (${since(t0)})`);
  return kind;
}

/** The node image (hack/kind/node-image.sh: cached per input stamp, loaded into our dockerd); returns its name. */
export async function ensureNodeImage(cfg: ClusterConfig, dockerHost: string): Promise<string> {
  const out = await runWithProgress('bash', [join(cfg.repoDir, 'hack/kind/node-image.sh')], { env: { ...process.env, DOCKER_HOST: dockerHost } });
  return lastLine(out);
}

/** The node container's address on our network. */
export async function nodeAddress(l: KindLayout, env: NodeJS.ProcessEnv): Promise<string> {
  const format = `{{ (index .NetworkSettings.Networks "${l.network}").IPAddress }}`;
  const ip = (await run('docker', ['inspect', '-f', format, `${l.name}-control-plane`], { env })).stdout.trim();
  if (!/^\d+\.\d+\.\d+\.\d+$/.test(ip)) throw new Error(`kind node ${l.name}-control-plane has no address on network ${l.network} (got ${JSON.stringify(ip)})`);
  return ip;
}

const routeLocalnet = (l: KindLayout): string => `/proc/sys/net/ipv4/conf/${l.bridge}/route_localnet`;

/**
 * Pods' broker traffic to the loopback-only RabbitMQ: route_localnet on the bridge, nat chain HAREKIND-BROKER from
 * PREROUTING on it, and the route back to the pods through the node. Idempotent.
 */
export async function addKindBrokerNet(l: KindLayout, nodeIp: string): Promise<void> {
  writeFileSync(routeLocalnet(l), '1');
  if (await tryRun('iptables', ['-w', '-t', 'nat', '-n', '-L', KIND_BROKER_CHAIN])) await run('iptables', ['-w', '-t', 'nat', '-F', KIND_BROKER_CHAIN]);
  else await run('iptables', ['-w', '-t', 'nat', '-N', KIND_BROKER_CHAIN]);
  if (!(await tryRun('iptables', ['-w', ...kindBrokerJump(l, '-C')]))) await run('iptables', ['-w', ...kindBrokerJump(l, '-I')]);
  for (const r of kindBrokerDnatRules(l)) await run('iptables', ['-w', ...r]);
  await run('ip', podRoute(l, nodeIp, 'replace'));
}

/** Undoes addKindBrokerNet; each part is removed if present. */
export async function removeKindBrokerNet(l: KindLayout): Promise<void> {
  while (await tryRun('iptables', ['-w', ...kindBrokerJump(l, '-D')])) { /* every copy of the jump */ }
  if (await tryRun('iptables', ['-w', '-t', 'nat', '-n', '-L', KIND_BROKER_CHAIN])) {
    await run('iptables', ['-w', '-t', 'nat', '-F', KIND_BROKER_CHAIN]);
    await run('iptables', ['-w', '-t', 'nat', '-X', KIND_BROKER_CHAIN]);
  }
  if ((await run('ip', ['route', 'show', l.podSubnet])).stdout.trim()) await run('ip', podRoute(l, '', 'del'));
  if (existsSync(routeLocalnet(l)) && readFileSync(routeLocalnet(l), 'utf8').trim() !== '0') writeFileSync(routeLocalnet(l), '0');
}

/** What deleting the cluster must have removed that is still there; empty means clean. */
export async function kindLeftovers(l: KindLayout, env: NodeJS.ProcessEnv): Promise<string[]> {
  const out: string[] = [];
  const ps = await tryRun('docker', ['ps', '-a', '--filter', `label=io.x-k8s.kind.cluster=${l.name}`, '--format', '{{.Names}}'], { env });
  for (const n of ps?.stdout.split('\n').filter(Boolean) ?? []) out.push(`container ${n}`);
  if (await tryRun('iptables', ['-w', '-t', 'nat', '-n', '-L', KIND_BROKER_CHAIN])) out.push(`iptables chain nat/${KIND_BROKER_CHAIN}`);
  const route = (await tryRun('ip', ['route', 'show', l.podSubnet]))?.stdout.trim();
  if (route) out.push(`route ${route}`);
  return out;
}
