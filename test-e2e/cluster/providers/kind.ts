// The `kind` e2e provider: our dockerd, the offline node image, a kind cluster on network hare-kind, the host's broker for pods.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { clusterConfig } from '../config.ts';
import { log, run, since } from '../exec.ts';
import { stopKeda } from '../keda.ts';
import { addKindBrokerNet, dockerDown, dockerUp, ensureKindBinary, ensureNodeImage, kindLeftovers, nodeAddress, removeKindBrokerNet } from '../kind-host.ts';
import { cniRoutes, KIND_BROKER_USER, kindClusterConfig, kindCommands, kindEnv, kindLayout } from '../kind-plan.ts';
import { brokerFromEnv } from '../provider.ts';
import type { ClusterProvider, E2ECluster } from '../provider.ts';
import { deleteBrokerUser, ensureBrokerUser } from '../rabbitmq.ts';

/**
 * Everything is made on demand: dockerd (hack/docker.sh), kind (go install), the node image (hack/kind/node-image.sh).
 * HARE_E2E_KIND_CLUSTER names the cluster (default hare-e2e); HARE_E2E_KIND_IMAGE uses another node image;
 * HARE_E2E_KEEP_CLUSTER=1 keeps a created cluster (and dockerd) on down(); HARE_E2E_BROKER_URI (+ _MANAGEMENT_URI)
 * replaces the host's broker, which pods otherwise reach at 10.244.0.1 as user hare-kind-pods.
 */
export function kindProvider(env: NodeJS.ProcessEnv): ClusterProvider {
  return {
    name: 'kind',
    async up(): Promise<E2ECluster> {
      const t0 = performance.now();
      const cfg = clusterConfig(env);
      const l = kindLayout(cfg.cacheDir, env.HARE_E2E_KIND_CLUSTER ?? 'hare-e2e');
      const docker = await dockerUp(cfg);
      const kind = await ensureKindBinary(cfg);
      const image = env.HARE_E2E_KIND_IMAGE ?? (await ensureNodeImage(cfg, docker.dockerHost));
      const kenv = { ...process.env, ...kindEnv(l, docker.dockerHost) };
      await mkdir(l.stateDir, { recursive: true });
      const configFile = join(l.stateDir, 'kind-config.yaml');
      await writeFile(configFile, kindClusterConfig(l));
      await writeFile(l.cniRoutesFile, cniRoutes(l));
      const cmd = kindCommands(l, image, configFile);
      const existing = (await run(kind, cmd.list, { env: kenv })).stdout.split('\n').map((s) => s.trim());
      const created = !existing.includes(l.name);
      log(created ? `kind: creating cluster ${l.name} from ${image}` : `kind: reusing cluster ${l.name}`);
      await run(kind, created ? cmd.create : cmd.exportKubeconfig, { env: kenv, timeoutMs: 600_000 });
      await addKindBrokerNet(l, await nodeAddress(l, kenv));
      const broker = env.HARE_E2E_BROKER_URI
        ? brokerFromEnv(env, 'kind')
        : await ensureBrokerUser({ user: KIND_BROKER_USER, file: join(l.stateDir, 'rabbitmq-pods.json'), host: l.brokerIp });
      log(`kind: cluster ${l.name} ready (${since(t0)})`);
      return {
        provider: 'kind',
        kubeconfig: l.kubeconfig,
        hostBrokerUri: env.HARE_E2E_HOST_BROKER_URI ?? 'amqp://guest:guest@127.0.0.1:5672/',
        apiServerToHost: l.brokerIp, // HAREKIND-BROKER forwards its loopback ports, KEDA's adapter among them
        async loadImages(tarballs: readonly string[]): Promise<string[]> {
          const { archiveTags, normalizeImageRef } = await import('../images.ts');
          const names: string[] = [];
          for (const t of tarballs) {
            await run(kind, ['load', 'image-archive', t, '--name', l.name], { env: kenv, timeoutMs: 600_000 });
            names.push(...(await archiveTags(t)).map(normalizeImageRef));
          }
          return names;
        },
        podBroker: () => Promise.resolve(broker),
        async down(): Promise<void> {
          if (!created || env.HARE_E2E_KEEP_CLUSTER === '1') return;
          await stopKeda(cfg); // an interrupted keda.e2e leaves its processes pointed at this cluster
          await run(kind, cmd.delete, { env: kenv, timeoutMs: 300_000 });
          await removeKindBrokerNet(l);
          if (!env.HARE_E2E_BROKER_URI) await deleteBrokerUser(KIND_BROKER_USER);
          const left = await kindLeftovers(l, kenv);
          await rm(l.stateDir, { recursive: true, force: true });
          if (docker.started) await dockerDown(cfg, kenv);
          if (left.length > 0) throw new Error(`kind: deleting cluster ${l.name} left ${left.join('; ')}`);
        },
      };
    },
  };
}
