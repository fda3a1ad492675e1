// e2e cluster providers: `local` (this repo's real node), `kind` (Docker + kind), `existing` (any KUBECONFIG).
import { execFileSync } from 'node:child_process';
import type { PodBroker } from './rabbitmq.ts';

export type ProviderName = 'local' | 'kind' | 'existing';
export const PROVIDERS: readonly ProviderName[] = ['local', 'kind', 'existing'];

/** A running cluster, as every e2e suite sees it, whatever the provider. */
export interface E2ECluster {
  provider: ProviderName;
  /** admin kubeconfig for kubectl, helm and API clients in the test process */
  kubeconfig: string;
  /** makes docker-archive tarballs runnable by the cluster's nodes; returns the image names */
  loadImages(tarballs: readonly string[]): Promise<string[]>;
  /** how pods reach RabbitMQ (for the Secret a ConsumerPool refers to) */
  podBroker(): Promise<PodBroker>;
  /** how the test process itself reaches the same RabbitMQ (to publish and inspect) */
  hostBrokerUri: string;
  /**
   * The name or address at which the cluster's API server reaches a server on this host's loopback (KEDA's metrics
   * adapter, through the aggregation layer): local `localhost`, kind the broker address that the host forwards to
   * loopback; undefined where nothing forwards (existing).
   */
  apiServerToHost?: string;
  /** tears down what up() created (local: cluster:down; kind: delete the cluster it made; existing: nothing) */
  down(): Promise<void>;
}

export interface ClusterProvider {
  name: ProviderName;
  up(): Promise<E2ECluster>;
}

export class ProviderUnavailableError extends Error {
  override name = 'ProviderUnavailableError';
}

/** True when `cmd args` runs and exits 0 within 20 s. */
export function commandWorks(cmd: string, args: readonly string[]): boolean {
  try {
    execFileSync(cmd, args, { stdio: 'ignore', timeout: 20_000 });
    return true;
  } catch {
    return false;
  }
}

/**
 * HARE_E2E_PROVIDER when set (must be one of PROVIDERS); otherwise `kind` where Docker and kind both work,
 * else `local`. `probe` is injectable for tests.
 */
export function chooseProvider(env: NodeJS.ProcessEnv, probe: (cmd: string, args: readonly string[]) => boolean = commandWorks): ProviderName {
  const asked = env.HARE_E2E_PROVIDER?.trim();
  if (asked) {
    if (!(PROVIDERS as readonly string[]).includes(asked)) {
      throw new ProviderUnavailableError(`HARE_E2E_PROVIDER=${asked} is not one of ${PROVIDERS.join(', ')}`);
    }
    return asked as ProviderName;
  }
  return probe('docker', ['info']) && probe('kind', ['version']) ? 'kind' : 'local';
}

/**
 * The broker pods use on clusters we do not build: HARE_E2E_BROKER_URI (+ HARE_E2E_BROKER_MANAGEMENT_URI, and for the
 * TLS tests HARE_E2E_BROKER_TLS_URI with the CA that signed its certificate in HARE_E2E_BROKER_CA_FILE).
 */
export function brokerFromEnv(env: NodeJS.ProcessEnv, provider: ProviderName): PodBroker {
  const uri = env.HARE_E2E_BROKER_URI;
  if (!uri) {
    throw new ProviderUnavailableError(
      `provider ${provider}: set HARE_E2E_BROKER_URI to an amqp:// URI that pods in the cluster can reach ` +
        '(this machine\'s RabbitMQ listens on loopback only), and HARE_E2E_BROKER_MANAGEMENT_URI for the HTTP API',
    );
  }
  const u = new URL(uri);
  return {
    username: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    uri,
    managementUri: env.HARE_E2E_BROKER_MANAGEMENT_URI ?? '',
    tls: env.HARE_E2E_BROKER_TLS_URI && env.HARE_E2E_BROKER_CA_FILE ? { uri: env.HARE_E2E_BROKER_TLS_URI, caFile: env.HARE_E2E_BROKER_CA_FILE } : undefined,
  };
}

/** Resolves the provider for this run (see chooseProvider) and loads its implementation. */
export async function selectProvider(env: NodeJS.ProcessEnv = process.env): Promise<ClusterProvider> {
  const name = chooseProvider(env);
  switch (name) {
    case 'local':
      return (await import('./providers/local.ts')).localProvider(env);
    case 'kind':
      return (await import('./providers/kind.ts')).kindProvider(env);
    case 'existing':
      return (await import('./providers/existing.ts')).existingProvider(env);
  }
}
