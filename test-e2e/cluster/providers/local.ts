// The `local` e2e provider: the real control plane and node of this repository (npm run cluster:up).
import { startCluster, stopCluster, importImage, podBroker, clusterConfig } from '../index.ts';
import type { ClusterProvider, E2ECluster } from '../provider.ts';

/** HARE_E2E_HOST_BROKER_URI overrides how the test process reaches RabbitMQ (default guest on loopback). */
export function localProvider(env: NodeJS.ProcessEnv): ClusterProvider {
  return {
    name: 'local',
    async up(): Promise<E2ECluster> {
      const cfg = clusterConfig(env);
      const cluster = await startCluster({ config: cfg });
      return {
        provider: 'local',
        kubeconfig: cluster.kubeconfig,
        hostBrokerUri: env.HARE_E2E_HOST_BROKER_URI ?? 'amqp://guest:guest@127.0.0.1:5672/',
        apiServerToHost: 'localhost', // the API server runs on this host
        async loadImages(tarballs: readonly string[]): Promise<string[]> {
          const names: string[] = [];
          for (const t of tarballs) names.push(...(await importImage(t, cfg)));
          return names;
        },
        podBroker: () => podBroker(cfg),
        down: () => stopCluster(cfg),
      };
    },
  };
}
