// Loads the kubeconfig explicitly: a file (flag or KUBECONFIG), in-cluster, or a clear error. Never localhost:8080.
import { existsSync } from 'node:fs';
import type { AgentOptions } from 'node:https';
import { KubeConfig, type RequestContext } from '@kubernetes/client-node';
import { Agent, type Dispatcher } from 'undici';

/** Connections to the API server at most (undici negotiates HTTP/2 and multiplexes on one; over HTTP/1.1, sockets). */
export const MAX_CONNECTIONS = 24;

/**
 * The lease's own pool: one HTTP/1.1 socket. undici speaks HTTP/2 to the API server by default, multiplexing every
 * request on one connection, and an aborted HTTP/2 request leaves its dead connection in place for the next one.
 * An aborted HTTP/1.1 request closes its socket, so the next renewal dials afresh.
 */
export const LEASE_POOL: Pool = { connections: 1, http2: false };

export interface Pool {
  connections: number;
  http2: boolean;
}

/**
 * A KubeConfig whose requests share one HTTP dispatcher per cluster and user, with a bounded connection pool.
 * @kubernetes/client-node 2.0.1 builds a new undici Agent, and so a new TLS connection, for every request:
 * under load that meant a TLS handshake per call and hundreds of MB of sockets and TLS state.
 */
export class SharedConnectionKubeConfig extends KubeConfig {
  /** Promises, so that concurrent first requests share one pool too (a burst at start-up made one Agent each). */
  private readonly dispatchers = new Map<string, Promise<Dispatcher>>();
  private readonly pool: Pool;

  constructor(pool: Pool = { connections: MAX_CONNECTIONS, http2: true }) {
    super();
    this.pool = pool;
  }

  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    await super.applySecurityAuthentication(context);
    const fresh = context.getDispatcher();
    if (!fresh) return;
    const key = `${this.getCurrentCluster()?.name ?? ''}/${this.getCurrentUser()?.name ?? ''}`;
    let shared = this.dispatchers.get(key);
    if (!shared) {
      shared = this.pooled(fresh);
      this.dispatchers.set(key, shared);
    }
    context.setDispatcher(await shared);
  }

  /** The client's own TLS settings on an Agent with a connection limit (proxies keep the client's dispatcher). */
  private async pooled(fresh: Dispatcher): Promise<Dispatcher> {
    const tls: AgentOptions = {};
    await this.applyToHTTPSOptions(tls);
    const opts = this.createDispatcherOptions(this.getCurrentCluster(), tls);
    if (opts.type !== 'agent') return fresh;
    void fresh.close();
    return new Agent({ connect: opts.connect, connections: this.pool.connections, allowH2: this.pool.http2 });
  }
}

/** The same cluster and credentials on a connection pool of its own (for lease traffic). */
export function ownConnections(kc: KubeConfig, pool = LEASE_POOL): KubeConfig {
  const own = new SharedConnectionKubeConfig(pool);
  own.loadFromOptions({ clusters: kc.clusters, users: kc.users, contexts: kc.contexts, currentContext: kc.currentContext });
  return own;
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
