// A real Prometheus (Debian's package) for the e2e tier: its own config and data dir under the cache, on loopback,
// with the pods to scrape written to file_sd target files from the API server.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { dump } from 'js-yaml';

export interface RunningPrometheus {
  readonly url: string;
  stop(): Promise<void>;
  /** What the process wrote (for a failing test). */
  output(): string;
}

export interface PodLike {
  metadata: { name: string; namespace: string; labels?: Record<string, string> };
  spec: { containers: { ports?: { name?: string; containerPort: number }[] }[] };
  status?: { phase?: string; podIP?: string };
}
/** One file_sd target group. */
export interface TargetGroup { targets: string[]; labels: Record<string, string> }

/** The pods Prometheus scrapes: operator pods on port `metrics`, consumer pods on port `http`. */
export const SCRAPED = { 'hare-operator': 'metrics', 'hare-consumer': 'http' } as const;

/**
 * Target groups of the running pods of `app` (app.kubernetes.io/name) on their port named as in SCRAPED, with the
 * pod's namespace and name as labels (what prometheus-operator's monitors give a target).
 */
export function podTargets(pods: readonly PodLike[], app: keyof typeof SCRAPED): TargetGroup[] {
  return pods.flatMap((p) => {
    const port = p.spec.containers.flatMap((c) => c.ports ?? []).find((cp) => cp.name === SCRAPED[app]);
    const ok = p.metadata.labels?.['app.kubernetes.io/name'] === app && p.status?.phase === 'Running' && p.status.podIP && port;
    return ok ? [{ targets: [`${p.status!.podIP}:${port.containerPort}`], labels: { namespace: p.metadata.namespace, pod: p.metadata.name } }] : [];
  });
}

/** Scrape jobs reading target files `<dir>/<app>.json` (Debian's Prometheus has no Kubernetes discovery built in). */
export function fileScrapeJobs(dir: string): object[] {
  return Object.keys(SCRAPED).map((app) => ({
    job_name: app,
    honor_labels: true, // the operator's per-pool series carry their pool's namespace
    file_sd_configs: [{ files: [join(dir, `${app}.json`)], refresh_interval: '5s' }],
  }));
}

/** Writes the target files from `listPods` now and every `everyMs`, until the returned stop() is called. */
export function writePodTargets(dir: string, listPods: () => Promise<PodLike[]>, everyMs = 5000): { ready: Promise<void>; stop(): void } {
  const write = async (): Promise<void> => {
    const pods = await listPods();
    for (const app of Object.keys(SCRAPED) as (keyof typeof SCRAPED)[]) {
      const file = join(dir, `${app}.json`);
      writeFileSync(`${file}.tmp`, JSON.stringify(podTargets(pods, app)));
      renameSync(`${file}.tmp`, file); // Prometheus never reads half a file
    }
  };
  const timer = setInterval(() => void write().catch(() => undefined), everyMs);
  return { ready: write(), stop: () => clearInterval(timer) };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    }).once('error', reject);
  });
}

/** Starts Prometheus with `jobs`, scraping every `interval`; resolves once it answers /-/ready. */
export async function startPrometheus(dir: string, jobs: object[], interval = '5s'): Promise<RunningPrometheus> {
  mkdirSync(join(dir, 'data'), { recursive: true });
  writeFileSync(join(dir, 'prometheus.yml'), dump({ global: { scrape_interval: interval, evaluation_interval: interval }, scrape_configs: jobs }));
  const port = await freePort();
  const child: ChildProcess = spawn('prometheus', [
    `--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`,
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
  let failed: Error | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', (err) => { failed = err; resolve(); });
  });
  const url = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && !failed) child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  for (const deadline = Date.now() + 60_000; Date.now() < deadline;) {
    if (failed) throw new Error(`prometheus could not start (${failed.message}): install Debian's prometheus package (bash hack/cluster-deps.sh)`);
    if (child.exitCode !== null) throw new Error(`prometheus exited:\n${out}`);
    if (await fetch(`${url}/-/ready`).then((r) => r.ok, () => false)) return { url, stop, output: () => out };
    await new Promise((r) => setTimeout(r, 250));
  }
  await stop();
  throw new Error(`prometheus not ready in 60 s:\n${out}`);
}
