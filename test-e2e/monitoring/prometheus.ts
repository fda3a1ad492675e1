// A real Prometheus (Debian's package) for the e2e tier: its own config and data dir under the cache, on loopback.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { dump } from 'js-yaml';

export interface RunningPrometheus {
  readonly url: string;
  stop(): Promise<void>;
  /** What the process wrote (for a failing test). */
  output(): string;
}

/** Scrape jobs for the operator pods (port metrics) and the consumer pods (port http), found through the API server. */
export function podScrapeJobs(kubeconfig: string): object[] {
  const job = (name: string, app: string, port: string): object => ({
    job_name: name,
    honor_labels: true, // the operator's per-pool series carry their pool's namespace
    kubernetes_sd_configs: [{ role: 'pod', kubeconfig_file: kubeconfig }],
    relabel_configs: [
      { source_labels: ['__meta_kubernetes_pod_label_app_kubernetes_io_name', '__meta_kubernetes_pod_container_port_name'], regex: `${app};${port}`, action: 'keep' },
      { source_labels: ['__meta_kubernetes_pod_phase'], regex: 'Running', action: 'keep' },
      { source_labels: ['__meta_kubernetes_namespace'], target_label: 'namespace' },
      { source_labels: ['__meta_kubernetes_pod_name'], target_label: 'pod' },
    ],
  });
  return [job('hare-operator', 'hare-operator', 'metrics'), job('hare-consumers', 'hare-consumer', 'http')];
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
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'data'), { recursive: true });
  writeFileSync(join(dir, 'prometheus.yml'), dump({ global: { scrape_interval: interval, evaluation_interval: interval }, scrape_configs: jobs }));
  const port = await freePort();
  const child: ChildProcess = spawn('prometheus', [
    `--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`,
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  for (const deadline = Date.now() + 60_000; Date.now() < deadline;) {
    if (child.exitCode !== null) throw new Error(`prometheus exited:\n${out}`);
    if (await fetch(`${url}/-/ready`).then((r) => r.ok, () => false)) return { url, stop, output: () => out };
    await new Promise((r) => setTimeout(r, 250));
  }
  await stop();
  throw new Error(`prometheus not ready in 60 s:\n${out}`);
}
