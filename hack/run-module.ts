// Runs a consumer module against a broker without a cluster: the pool's topology declared as the operator declares it,
// then the real runtime entrypoint with the HARE_* env the operator's pod builder writes.
// Usage: npm run consumer:local -- --module ./path/to/module.ts --queue orders [--broker amqp://...] [--exchange shop]
//   [--prefetch N] [--queue-type classic|quorum] [--retry-limit N] [--retry-delays 1000,5000] [--drain-timeout S]
//   [--handler-timeout S] [--http-port 8080] [--log-level debug]
// Ctrl-C (or SIGTERM) drains the consumer as a pod's stop does; a second one exits at once.
import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { basename, dirname, extname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { V1EnvVar } from '@kubernetes/client-node';
import { connect } from 'amqplib';
import { ENV } from '../consumer-image/src/contract.ts';
import type { Pool } from '../operator/src/api/pool.ts';
import { desiredPod } from '../operator/src/resources/pod.ts';
import { ensureTopology } from '../operator/src/topology/declare.ts';
import { desiredTopology } from '../operator/src/topology/desired.ts';

export const LOCAL_BROKER = 'amqp://guest:guest@127.0.0.1:5672';
const MAIN = fileURLToPath(new URL('../consumer-image/src/main.ts', import.meta.url));
const MODULE_EXTENSIONS = ['.ts', '.mts', '.js', '.mjs', '.cjs'];
/** Copies of one signal arrive within this window. */
const SAME_SIGNAL_MS = 300;

export interface LocalRun {
  readonly pool: Pool;
  readonly brokerUri: string;
  readonly modulesDir: string;
  readonly httpPort: number;
  readonly logLevel: string | undefined;
}

const OPTIONS = {
  module: { type: 'string' }, queue: { type: 'string' }, broker: { type: 'string', default: LOCAL_BROKER },
  exchange: { type: 'string' }, prefetch: { type: 'string', default: '1' }, 'queue-type': { type: 'string', default: 'classic' },
  'retry-limit': { type: 'string', default: '15' }, 'retry-delays': { type: 'string', default: '10000' },
  'drain-timeout': { type: 'string', default: '30' }, 'handler-timeout': { type: 'string' },
  'http-port': { type: 'string', default: '8080' }, 'log-level': { type: 'string' },
} as const;

/** The pool a local run stands for: the flags, else the CRD's defaults; the module is the file's (or folder's) name. */
export function localRun(argv: readonly string[], isDirectory: (path: string) => boolean): LocalRun {
  const { values: v } = parseArgs({ args: [...argv], options: OPTIONS, strict: true });
  if (v.module === undefined || v.queue === undefined) throw new Error('--module <path> and --queue <name> are required');
  const path = resolve(v.module);
  const ext = extname(path);
  const module = isDirectory(path) || !MODULE_EXTENSIONS.includes(ext) ? basename(path) : basename(path, ext);
  const num = (flag: keyof typeof v): number => {
    const n = Number(v[flag]);
    if (!Number.isFinite(n)) throw new Error(`--${flag}: not a number: ${String(v[flag])}`);
    return n;
  };
  const pool: Pool = {
    apiVersion: 'hare.dev/v1alpha1',
    kind: 'ConsumerPool',
    metadata: { name: module, namespace: 'local', uid: `local-${module}`, generation: 1 },
    spec: {
      runtime: 'hare',
      module,
      image: 'local',
      replicas: 1,
      broker: { uriSecretRef: { name: 'local', key: 'uri' } },
      queue: {
        name: v.queue, exchange: v.exchange, declare: 'operator', prefetch: num('prefetch'), type: v['queue-type'] as 'classic' | 'quorum',
        retry: { limit: num('retry-limit'), delaysMs: v['retry-delays'].split(',').map(Number) },
        ...(v['handler-timeout'] === undefined ? {} : { handlerTimeoutSeconds: num('handler-timeout') }),
      },
      drain: { timeoutSeconds: num('drain-timeout') },
    },
  };
  return { pool, brokerUri: v.broker, modulesDir: dirname(path), httpPort: num('http-port'), logLevel: v['log-level'] };
}

/** The consumer container's env from the operator's pod builder, its references resolved as the kubelet would. */
export function localEnv(run: LocalRun): Record<string, string> {
  const env: Record<string, string> = {};
  for (const e of desiredPod(run.pool).pod.spec!.containers[0]!.env ?? []) env[e.name] = valueOf(e, run);
  env[ENV.modulesDir] = run.modulesDir; // set by the image in a pod
  env[ENV.httpPort] = String(run.httpPort);
  if (run.logLevel !== undefined) env[ENV.logLevel] = run.logLevel;
  return env;
}

function valueOf(e: V1EnvVar, run: LocalRun): string {
  if (e.value !== undefined) return e.value;
  if (e.valueFrom?.secretKeyRef) return run.brokerUri;
  if (e.valueFrom?.fieldRef?.fieldPath === 'metadata.name') return `${run.pool.metadata.name}-local`;
  if (e.valueFrom?.fieldRef?.fieldPath === 'metadata.namespace') return run.pool.metadata.namespace;
  throw new Error(`${e.name}: a reference a local run cannot resolve`);
}

async function main(argv: readonly string[]): Promise<void> {
  const run = localRun(argv, (p) => statSync(p, { throwIfNoEntry: false })?.isDirectory() ?? false);
  const conn = await connect(run.brokerUri, { clientProperties: { connection_name: 'hare-local-topology' } });
  try {
    const outcome = await ensureTopology(conn, desiredTopology(run.pool), []);
    if (!outcome.ok) throw new Error(`topology ${outcome.reason}: ${outcome.message}`);
    console.error(`consumer:local: ${outcome.message}`);
  } finally {
    await conn.close();
  }
  // a process group of its own: a signal reaches it once, from here, not also from the terminal or npm
  const child = spawn(process.execPath, [MAIN], { env: { ...process.env, ...localEnv(run) }, stdio: 'inherit', detached: true });
  let last = -Infinity;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      // one Ctrl-C arrives twice (the terminal's and npm's copy); a second press later forces the exit
      if (performance.now() - last > SAME_SIGNAL_MS) child.kill(signal);
      last = performance.now();
    });
  }
  process.on('exit', () => child.kill('SIGKILL'));
  child.on('exit', (code, signal) => process.exit(code ?? (signal === null ? 1 : 128)));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(`consumer:local: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(2);
  });
}
