// The reflector's store: objects by namespace/name, changed by a relist or a watch event, each change handed
// to its handler. A handler that throws is logged with the object's key; the store and later events carry on.
import type { KubernetesObject } from '@kubernetes/client-node';
import { errorText, type Logger } from '../log.ts';

export interface Handlers<T> {
  add(obj: T): void;
  update(obj: T, old: T): void;
  delete(obj: T): void;
}

export class Cache<T extends KubernetesObject> {
  private readonly store = new Map<string, T>();
  private readonly handlers: Handlers<T>;
  private readonly log: Logger;
  private readonly resource: string;

  constructor(resource: string, handlers: Handlers<T>, log: Logger) {
    this.resource = resource;
    this.handlers = handlers;
    this.log = log;
  }

  get(key: string): T | undefined {
    return this.store.get(key);
  }

  values(): IterableIterator<T> {
    return this.store.values();
  }

  get size(): number {
    return this.store.size;
  }

  /** Makes the store equal to a full list, firing add/update/delete for the differences. */
  replace(fresh: Map<string, T>): void {
    for (const [key, old] of this.store) if (!fresh.has(key)) { this.store.delete(key); this.dispatch('delete', old); }
    for (const [key, obj] of fresh) {
      const old = this.store.get(key);
      this.store.set(key, obj);
      if (!old) this.dispatch('add', obj);
      else if (old.metadata?.resourceVersion !== obj.metadata?.resourceVersion) this.dispatch('update', obj, old);
    }
  }

  /** Applies one ADDED, MODIFIED or DELETED watch event. */
  apply(type: string, obj: T): void {
    const key = keyOf(obj);
    const old = this.store.get(key);
    if (type === 'DELETED') {
      this.store.delete(key);
      this.dispatch('delete', obj);
    } else {
      this.store.set(key, obj);
      if (old) this.dispatch('update', obj, old);
      else this.dispatch('add', obj);
    }
  }

  private dispatch(event: 'add' | 'update' | 'delete', obj: T, old?: T): void {
    try {
      if (event === 'update') this.handlers.update(obj, old ?? obj);
      else this.handlers[event](obj);
    } catch (err) {
      this.log.error({ resource: this.resource, key: keyOf(obj), event, err: errorText(err) }, 'informer handler failed');
    }
  }
}

export function keyOf(obj: KubernetesObject): string {
  return `${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`;
}
