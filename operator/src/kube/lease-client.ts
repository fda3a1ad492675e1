// The Lease calls of leader election: each one aborted by its caller's signal, on a connection pool of its own.
import type { V1Lease, V1LeaseSpec } from '@kubernetes/client-node';
import { httpStatus } from '../errors.ts';
import type { KubeApi } from './api.ts';
import { Resources } from './resources.ts';

/** What the leader loop needs of the API server; a fake in unit tests. */
export interface LeaseClient {
  /** The lease, or undefined when there is none. */
  read(signal: AbortSignal): Promise<V1Lease | undefined>;
  create(spec: V1LeaseSpec, signal: AbortSignal): Promise<void>;
  /** Writes `lease` with its metadata.resourceVersion: a 409 means another candidate wrote first. */
  replace(lease: V1Lease, signal: AbortSignal): Promise<void>;
}

export class KubeLeaseClient implements LeaseClient {
  private readonly api: Resources;
  private readonly lease: { namespace: string; name: string };

  /** `api` should have a pool of its own (LEASE_CONNECTIONS), so renewals never queue behind bulk writes. */
  constructor(api: KubeApi, lease: { namespace: string; name: string }) {
    this.api = new Resources(api);
    this.lease = lease;
  }

  async read(signal: AbortSignal): Promise<V1Lease | undefined> {
    try {
      return await this.api.readNamespacedLease(this.lease.namespace, this.lease.name, signal);
    } catch (err) {
      if (httpStatus(err) === 404) return undefined;
      throw err;
    }
  }

  async create(spec: V1LeaseSpec, signal: AbortSignal): Promise<void> {
    await this.api.createNamespacedLease(this.lease.namespace, { metadata: { ...this.lease }, spec: micro(spec) }, signal);
  }

  async replace(lease: V1Lease, signal: AbortSignal): Promise<void> {
    const body = { ...lease, spec: lease.spec && micro(lease.spec) };
    await this.api.replaceNamespacedLease(this.lease.namespace, this.lease.name, body, signal);
  }
}

/** Lease times are MicroTime on the wire: RFC 3339 with exactly six fractional digits. */
function micro(spec: V1LeaseSpec): V1LeaseSpec {
  const m = (d: unknown): unknown => (d instanceof Date ? d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z') : d);
  return { ...spec, acquireTime: m(spec.acquireTime), renewTime: m(spec.renewTime) } as V1LeaseSpec;
}
