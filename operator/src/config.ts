// Operator configuration: parsed once from flags and a few standard environment variables, then passed down.
import { hostname } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { KubeconfigSource } from './kube/kubeconfig.ts';

export interface OperatorConfig {
  kube: KubeconfigSource;
  /** Namespace to watch; undefined = all namespaces. */
  namespace: string | undefined;
  metricsPort: number;
  healthPort: number;
  leaderElect: boolean;
  lease: { namespace: string; name: string };
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  identity: string;
  workers: number;
  resyncMs: number;
  /** /healthz fails once no list or watch has had an answer from the API server for this long. */
  staleWatchMs: number;
  logLevel: string;
  autoscaler: boolean;
  /** Dead messages a replay moves per second at most. */
  replayRate: number;
}

export const USAGE = `hare-operator: runs RabbitMQ consumer pools (ConsumerPool) as pods

  --kubeconfig PATH             kubeconfig file (default: $KUBECONFIG, in-cluster, ~/.kube/config)
  --namespace NS                watch one namespace (default: all)
  --metrics-port N              /metrics (default 8080)
  --health-port N               /healthz and /readyz (default 8081)
  --leader-elect                run only while holding the Lease (default off)
  --leader-election-namespace   namespace of the Lease (default: $POD_NAMESPACE or default)
  --leader-election-id NAME     Lease name (default hare-operator-leader)
  --lease-duration S            seconds (default 15); --renew-deadline S (10); --retry-period S (2)
  --workers N                   concurrent reconciles (default 4)
  --resync S                    re-reconcile every pool every S seconds (default 300)
  --stale-watch S               /healthz fails after S seconds without an answer to a list or watch (default 300)
  --log-level LEVEL             trace|debug|info|warn|error|fatal (default info)
  --no-autoscaler               do not run the queue-depth autoscaler
  --replay-rate N               dead-letter replays move at most N messages a second (default 500)
`;

/** Thrown for unusable flags; main prints it with the usage text and exits 2. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export function parseConfig(argv: string[], env: Record<string, string | undefined>): OperatorConfig {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      kubeconfig: { type: 'string' }, namespace: { type: 'string' },
      'metrics-port': { type: 'string' }, 'health-port': { type: 'string' },
      'leader-elect': { type: 'boolean' }, 'leader-election-namespace': { type: 'string' }, 'leader-election-id': { type: 'string' },
      'lease-duration': { type: 'string' }, 'renew-deadline': { type: 'string' }, 'retry-period': { type: 'string' },
      workers: { type: 'string' }, resync: { type: 'string' }, 'stale-watch': { type: 'string' }, 'log-level': { type: 'string' },
      'no-autoscaler': { type: 'boolean' }, 'replay-rate': { type: 'string' }, help: { type: 'boolean' },
    },
  });
  if (values.help) throw new ConfigError('help requested');
  const int = (flag: keyof typeof values, fallback: number, min: number): number => {
    const raw = values[flag];
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min) throw new ConfigError(`--${flag} must be an integer >= ${min}, got ${JSON.stringify(raw)}`);
    return n;
  };
  const leaseDurationMs = int('lease-duration', 15, 2) * 1000;
  const renewDeadlineMs = int('renew-deadline', 10, 1) * 1000;
  const retryPeriodMs = int('retry-period', 2, 1) * 1000;
  if (!(retryPeriodMs < renewDeadlineMs && renewDeadlineMs < leaseDurationMs)) {
    throw new ConfigError('leader election needs retry-period < renew-deadline < lease-duration');
  }
  const level = values['log-level'] ?? 'info';
  if (!['trace', 'debug', 'info', 'warn', 'error', 'fatal'].includes(level)) throw new ConfigError(`--log-level ${level} is not a level`);
  return {
    kube: kubeconfigSource(values.kubeconfig, env),
    namespace: values.namespace,
    metricsPort: int('metrics-port', 8080, 0),
    healthPort: int('health-port', 8081, 0),
    leaderElect: values['leader-elect'] ?? false,
    lease: leaseOf(values['leader-election-namespace'], values['leader-election-id'], env),
    leaseDurationMs, renewDeadlineMs, retryPeriodMs,
    identity: env.POD_NAME ?? `${hostname()}-${process.pid}`,
    workers: int('workers', 4, 1),
    resyncMs: int('resync', 300, 1) * 1000,
    staleWatchMs: int('stale-watch', 300, 1) * 1000,
    logLevel: level,
    autoscaler: !values['no-autoscaler'],
    replayRate: int('replay-rate', 500, 1),
  };
}

function kubeconfigSource(flag: string | undefined, env: Record<string, string | undefined>): KubeconfigSource {
  return {
    file: flag ?? env.KUBECONFIG?.split(':').find((f) => f !== ''),
    inCluster: Boolean(env.KUBERNETES_SERVICE_HOST),
    env: { KUBERNETES_SERVICE_HOST: env.KUBERNETES_SERVICE_HOST, KUBERNETES_SERVICE_PORT: env.KUBERNETES_SERVICE_PORT },
    homeFile: env.HOME ? join(env.HOME, '.kube', 'config') : undefined,
  };
}

function leaseOf(namespace: string | undefined, name: string | undefined, env: Record<string, string | undefined>): OperatorConfig['lease'] {
  return { namespace: namespace ?? env.POD_NAMESPACE ?? 'default', name: name ?? 'hare-operator-leader' };
}
