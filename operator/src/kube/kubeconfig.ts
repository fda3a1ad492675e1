// Loads the kubeconfig explicitly: a file (flag or KUBECONFIG), in-cluster, or a clear error. Never localhost:8080.
import { existsSync } from 'node:fs';
import type { AgentOptions } from 'node:https';
import { KubeConfig, type RequestContext } from '@kubernetes/client-node';
import { Agent, type Dispatcher } from 'undici';

/** Sockets to the API server at most; further requests wait their turn (watches hold two). */
export const MAX_CONNECTIONS = 24;

/**
 * A KubeConfig whose requests share one HTTP dispatcher per cluster and user, with a bounded connection pool.
 * @kubernetes/client-node 2.0.1 builds a new undici Agent, and so a new TLS connection, for every request:
 * under load that meant a TLS handshake per call and hundreds of MB of sockets and TLS state.
 */
export class SharedConnectionKubeConfig extends KubeConfig {
  private readonly dispatchers = new Map<string, Dispatcher>();

  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    await super.applySecurityAuthentication(context);
    const fresh = context.getDispatcher();
    if (!fresh) return;
    const key = `${this.getCurrentCluster()?.name ?? ''}/${this.getCurrentUser()?.name ?? ''}`;
    let shared = this.dispatchers.get(key);
    if (!shared) {
      shared = await this.pooled(fresh);
      this.dispatchers.set(key, shared);
    }
    context.setDispatcher(shared);
  }

  /** The client's own TLS settings on an Agent with a connection limit (proxies keep the client's dispatcher). */
  private async pooled(fresh: Dispatcher): Promise<Dispatcher> {
    const tls: AgentOptions = {};
    await this.applyToHTTPSOptions(tls);
    const opts = this.createDispatcherOptions(this.getCurrentCluster(), tls);
    if (opts.type !== 'agent') return fresh;
    void fresh.close();
    return new Agent({ connect: opts.connect, connections: MAX_CONNECTIONS });
  }
}

export interface KubeconfigSource {
  /** --kubeconfig, or the first KUBECONFIG entry */
  file?: string;
  /** KUBERNETES_SERVICE_HOST is set (running in a pod) */
  inCluster: boolean;
  /** ~/.kube/config, tried last */
  homeFile?: string;
}

export function loadKubeConfig(source: KubeconfigSource): KubeConfig {
  const kc = new SharedConnectionKubeConfig();
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
