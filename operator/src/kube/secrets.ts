// Reads broker URIs from Secrets named by pools (get only, never list), with a short cache.
import type { SecretKeySelector } from '../api/pool.ts';
import { httpStatus } from '../errors.ts';
import type { KubeApi } from './api.ts';
import { Resources } from './resources.ts';

const TTL_MS = 30_000;

/** A missing Secret or key: the pool's references are wrong, not the broker. */
export class SecretError extends Error {
  override readonly name = 'SecretError';
}

export class SecretReader {
  private readonly api: Resources;
  private readonly cache = new Map<string, { at: number; data: Record<string, string> }>();

  constructor(api: KubeApi) {
    this.api = new Resources(api);
  }

  /** The decoded value of `ref` in `namespace`; throws SecretError naming what is missing. */
  async value(namespace: string, ref: SecretKeySelector): Promise<string> {
    const key = `${namespace}/${ref.name}`;
    let entry = this.cache.get(key);
    if (!entry || Date.now() - entry.at > TTL_MS) {
      try {
        const secret = await this.api.readNamespacedSecret(namespace, ref.name);
        entry = { at: Date.now(), data: secret.data ?? {} };
        this.cache.set(key, entry);
      } catch (err) {
        if (httpStatus(err) === 404) throw new SecretError(`secret ${namespace}/${ref.name} not found`);
        throw err;
      }
    }
    const raw = entry.data[ref.key];
    if (raw === undefined) throw new SecretError(`secret ${namespace}/${ref.name} has no key ${JSON.stringify(ref.key)}`);
    return Buffer.from(raw, 'base64').toString('utf8').trim();
  }

  /** Forget cached values (after a read failure that may come from rotated credentials). */
  forget(namespace: string, name: string): void {
    this.cache.delete(`${namespace}/${name}`);
  }
}
