// ConsumerPool manifests for the integration tier.
import { API_VERSION, KIND } from '../../src/metadata.ts';

export interface PoolOptions {
  replicas?: number;
  image?: string;
  drainTimeoutSeconds?: number;
  extra?: Record<string, unknown>;
}

/**
 * Keeps pods off every node: this tier has no kubelet, and when a developer's node is up its kubelet
 * must not fight the test that plays the kubelet.
 */
export const NO_NODE = { template: { spec: { nodeSelector: { 'hare.dev/integration': 'no-such-node' } } } };

/** A minimal valid pool (the API server fills the defaults), never scheduled. */
export function poolManifest(name: string, opts: PoolOptions = {}): Record<string, unknown> {
  return {
    apiVersion: API_VERSION,
    kind: KIND,
    metadata: { name },
    spec: {
      module: 'orders',
      image: opts.image ?? 'localhost/hare/examples:0.1.0',
      ...(opts.replicas !== undefined ? { replicas: opts.replicas } : {}),
      broker: { uriSecretRef: { name: 'rabbitmq', key: 'uri' } },
      queue: { name },
      ...(opts.drainTimeoutSeconds !== undefined ? { drain: { timeoutSeconds: opts.drainTimeoutSeconds } } : {}),
      ...NO_NODE,
      ...opts.extra,
    },
  };
}
