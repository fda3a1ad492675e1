// The Lease calls of leader election: each one aborted by its caller's signal, on a connection pool of its own.
import {
  CoordinationV1Api, Observable, type ConfigurationOptions, type KubeConfig, type V1Lease, type V1LeaseSpec,
} from '@kubernetes/client-node';
import { httpStatus } from '../errors.ts';

/** What the leader loop needs of the API server; a fake in unit tests. */
export interface LeaseClient {
  /** The lease, or undefined when there is none. */
  read(signal: AbortSignal): Promise<V1Lease | undefined>;
  create(spec: V1LeaseSpec, signal: AbortSignal): Promise<void>;
  /** Writes `lease` with its metadata.resourceVersion: a 409 means another candidate wrote first. */
  replace(lease: V1Lease, signal: AbortSignal): Promise<void>;
}

export class KubeLeaseClient implements LeaseClient {
  private readonly api: CoordinationV1Api;
  private readonly lease: { namespace: string; name: string };

  /** `kc` should have a pool of its own (kubeconfig.ts ownConnections), so renewals never queue behind bulk writes. */
  constructor(kc: KubeConfig, lease: { namespace: string; name: string }) {
    this.api = kc.makeApiClient(CoordinationV1Api);
    this.lease = lease;
  }

  async read(signal: AbortSignal): Promise<V1Lease | undefined> {
    try {
      return await this.api.readNamespacedLease(this.lease, abortedBy(signal));
    } catch (err) {
      if (httpStatus(err) === 404) return undefined;
      throw err;
    }
  }

  async create(spec: V1LeaseSpec, signal: AbortSignal): Promise<void> {
    await this.api.createNamespacedLease({ namespace: this.lease.namespace, body: { metadata: { ...this.lease }, spec } }, abortedBy(signal));
  }

  async replace(lease: V1Lease, signal: AbortSignal): Promise<void> {
    await this.api.replaceNamespacedLease({ ...this.lease, body: lease }, abortedBy(signal));
  }
}

/**
 * Per-request options that hand `signal` to fetch: connecting, sending and waiting for the answer all end when it
 * fires. client-node 2.x takes middleware per call; it runs after authentication has set the dispatcher.
 */
export function abortedBy(signal: AbortSignal): ConfigurationOptions {
  return {
    middleware: [{
      pre: (context) => {
        context.setSignal(signal);
        return new Observable(Promise.resolve(context));
      },
      post: (response) => new Observable(Promise.resolve(response)),
    }],
    middlewareMergeStrategy: 'append',
  };
}
