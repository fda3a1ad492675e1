// Loads the kubeconfig explicitly: a file (flag or KUBECONFIG), in-cluster, or a clear error. Never localhost:8080.
import { existsSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';

export interface KubeconfigSource {
  /** --kubeconfig, or the first KUBECONFIG entry */
  file?: string;
  /** KUBERNETES_SERVICE_HOST is set (running in a pod) */
  inCluster: boolean;
  /** ~/.kube/config, tried last */
  homeFile?: string;
}

export function loadKubeConfig(source: KubeconfigSource): KubeConfig {
  const kc = new KubeConfig();
  if (source.file) {
    if (!existsSync(source.file)) throw new Error(`kubeconfig ${source.file} does not exist`);
    kc.loadFromFile(source.file);
  } else if (source.inCluster) {
    kc.loadFromCluster();
  } else if (source.homeFile && existsSync(source.homeFile)) {
    kc.loadFromFile(source.homeFile);
  } else {
    throw new Error('no cluster configured: pass --kubeconfig, set KUBECONFIG, or run inside a cluster');
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('the kubeconfig has no current cluster (check current-context)');
  return kc;
}
