// The `kind` e2e provider: creates (or reuses) a kind cluster with Docker and loads image tarballs into it.
import { join } from 'node:path';
import { clusterConfig } from '../config.ts';
import { run } from '../exec.ts';
import { brokerFromEnv, commandWorks, ProviderUnavailableError } from '../provider.ts';
import type { ClusterProvider, E2ECluster } from '../provider.ts';

/** Command lines the provider runs (pure, unit-tested). */
export function kindCommands(name: string, kubeconfig: string): Record<'create' | 'exportKubeconfig' | 'delete' | 'list', string[]> {
  return {
    list: ['get', 'clusters'],
    create: ['create', 'cluster', '--name', name, '--kubeconfig', kubeconfig, '--wait', '180s'],
    exportKubeconfig: ['export', 'kubeconfig', '--name', name, '--kubeconfig', kubeconfig],
    delete: ['delete', 'cluster', '--name', name, '--kubeconfig', kubeconfig],
  };
}

/** HARE_E2E_KIND_CLUSTER names the cluster (default hare-e2e); HARE_E2E_KEEP_CLUSTER=1 keeps a created one on down(). */
export function kindProvider(env: NodeJS.ProcessEnv): ClusterProvider {
  return {
    name: 'kind',
    async up(): Promise<E2ECluster> {
      const probes: Array<[string, string[]]> = [['docker', ['info']], ['kind', ['version']]];
      const missing = probes.filter(([c, a]) => !commandWorks(c, a)).map(([c]) => c);
      if (missing.length > 0) {
        throw new ProviderUnavailableError(
          `provider kind needs working ${missing.join(' and ')} (\`docker info\` and \`kind version\` must succeed); ` +
            'on machines without Docker use HARE_E2E_PROVIDER=local',
        );
      }
      const broker = brokerFromEnv(env, 'kind');
      const name = env.HARE_E2E_KIND_CLUSTER ?? 'hare-e2e';
      const kubeconfig = join(clusterConfig(env).cacheDir, `kind-${name}.kubeconfig`);
      const cmd = kindCommands(name, kubeconfig);
      const existing = (await run('kind', cmd.list)).stdout.split('\n').map((l) => l.trim());
      const created = !existing.includes(name);
      await run('kind', created ? cmd.create : cmd.exportKubeconfig, { timeoutMs: 600_000 });
      return {
        provider: 'kind',
        kubeconfig,
        hostBrokerUri: env.HARE_E2E_HOST_BROKER_URI ?? 'amqp://guest:guest@127.0.0.1:5672/',
        async loadImages(tarballs: readonly string[]): Promise<string[]> {
          const { archiveTags } = await import('../images.ts');
          const names: string[] = [];
          for (const t of tarballs) {
            await run('kind', ['load', 'image-archive', t, '--name', name], { timeoutMs: 600_000 });
            names.push(...(await archiveTags(t)));
          }
          return names;
        },
        podBroker: () => Promise.resolve(broker),
        async down(): Promise<void> {
          if (created && env.HARE_E2E_KEEP_CLUSTER !== '1') await run('kind', cmd.delete, { timeoutMs: 300_000 });
        },
      };
    },
  };
}
