// The `existing` e2e provider: any cluster named by KUBECONFIG; images must already be pullable by its nodes.
import { existsSync } from 'node:fs';
import { run } from '../exec.ts';
import { brokerFromEnv, ProviderUnavailableError } from '../provider.ts';
import type { ClusterProvider, E2ECluster } from '../provider.ts';

export function existingProvider(env: NodeJS.ProcessEnv): ClusterProvider {
  return {
    name: 'existing',
    async up(): Promise<E2ECluster> {
      const kubeconfig = env.KUBECONFIG?.split(':')[0];
      if (!kubeconfig || !existsSync(kubeconfig)) {
        throw new ProviderUnavailableError(`provider existing: KUBECONFIG must name a kubeconfig file (got ${JSON.stringify(env.KUBECONFIG ?? '')})`);
      }
      await run('kubectl', ['--kubeconfig', kubeconfig, 'get', '--raw', '/readyz'], { timeoutMs: 20_000 }).catch((e: unknown) => {
        throw new ProviderUnavailableError(`provider existing: the cluster in ${kubeconfig} is not ready: ${String(e)}`, { cause: e });
      });
      const broker = brokerFromEnv(env, 'existing');
      return {
        provider: 'existing',
        kubeconfig,
        hostBrokerUri: env.HARE_E2E_HOST_BROKER_URI ?? broker.uri,
        loadImages(tarballs: readonly string[]): Promise<string[]> {
          if (env.HARE_E2E_IMAGES_PRELOADED !== '1') {
            throw new ProviderUnavailableError(
              `provider existing cannot load ${tarballs.length} image tarball(s) into an arbitrary cluster: push the images to a ` +
                'registry its nodes pull from (same names), then set HARE_E2E_IMAGES_PRELOADED=1',
            );
          }
          return Promise.resolve([]);
        },
        podBroker: () => Promise.resolve(broker),
        // never tear down a cluster we did not create
        down: () => Promise.resolve(),
      };
    },
  };
}
