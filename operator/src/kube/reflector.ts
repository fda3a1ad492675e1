// A list+watch cache for one resource: paginated LIST, WATCH from its resourceVersion with bookmarks,
// relist on 410 Gone, restart on every other error with jittered backoff. Handlers only enqueue.
import type { KubernetesObject, Watch } from '@kubernetes/client-node';
import { httpStatus } from '../errors.ts';
import { errorText, type Logger } from '../log.ts';

export interface Page<T> {
  items: T[];
  metadata?: { resourceVersion?: string; _continue?: string };
}

export interface Handlers<T> {
  add(obj: T): void;
  update(obj: T, old: T): void;
  delete(obj: T): void;
}

export interface ReflectorOptions<T> {
  /** Short name for logs and metrics. */
  name: string;
  /** Watch path, e.g. /api/v1/pods. */
  path: string;
  labelSelector?: string;
  list(page: { limit: number; continue?: string; labelSelector?: string }): Promise<Page<T>>;
  watch: Watch;
  log: Logger;
  handlers: Handlers<T>;
  /** Called for every successful relist and every watch (re)connect, for metrics. */
  onRelist?(): void;
  /** Server-side watch timeout range in seconds (the client aborts after 30 s of silence). */
  watchSeconds?: [number, number];
  /** Keeps only what the operator reads (client-go's TransformFunc); default: drop managedFields. */
  transform?: (obj: T) => T;
}

const MAX_BACKOFF_MS = 30_000;

export class Reflector<T extends KubernetesObject> {
  private readonly store = new Map<string, T>();
  private resourceVersion = '';
  private abort: AbortController | undefined;
  private stopped = false;
  private failures = 0;
  private readonly opts: ReflectorOptions<T>;
  /** True once the first LIST has filled the store. */
  synced = false;
  /** Time of the last successful list, watch connect or event (ms since epoch). */
  lastContact = 0;

  private readonly transform: (obj: T) => T;

  constructor(opts: ReflectorOptions<T>) {
    this.opts = opts;
    this.transform = opts.transform ?? trim;
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

  /** Resolves after the first successful LIST; keeps watching in the background until stop(). */
  async start(): Promise<void> {
    while (!this.stopped && !this.synced) {
      try {
        await this.relist();
        this.synced = true;
      } catch (err) {
        await this.pause(err, 'initial list failed');
      }
    }
    void this.run();
  }

  stop(): void {
    this.stopped = true;
    this.abort?.abort();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        if (this.resourceVersion === '') await this.relist();
        await this.watchOnce();
      } catch (err) {
        if (this.stopped) return;
        if (httpStatus(err) === 410) {
          // our resourceVersion is too old (e.g. after an API server restart): relist now, no backoff
          this.opts.log.info({ resource: this.opts.name }, 'watch expired; relisting');
          this.resourceVersion = '';
          continue;
        }
        await this.pause(err, 'watch failed');
      }
    }
  }

  private async pause(err: unknown, what: string): Promise<void> {
    const delay = Math.min(1000 * 2 ** this.failures, MAX_BACKOFF_MS) * (0.5 + Math.random() / 2);
    this.failures++;
    this.opts.log.warn({ resource: this.opts.name, err: errorText(err), retryInMs: Math.round(delay) }, what);
    await new Promise((r) => setTimeout(r, delay));
  }

  /** LISTs everything (paginated) and reconciles the store, firing add/update/delete for differences. */
  private async relist(): Promise<void> {
    const { items: fresh, resourceVersion } = await this.listAll();
    const { handlers } = this.opts;
    for (const [key, old] of this.store) if (!fresh.has(key)) { this.store.delete(key); handlers.delete(old); }
    for (const [key, obj] of fresh) {
      const old = this.store.get(key);
      this.store.set(key, obj);
      if (!old) handlers.add(obj);
      else if (old.metadata?.resourceVersion !== obj.metadata?.resourceVersion) handlers.update(obj, old);
    }
    this.resourceVersion = resourceVersion;
    this.lastContact = Date.now();
    this.failures = 0;
    this.opts.onRelist?.();
  }

  /** Every object, page by page, and the resourceVersion of the list. */
  private async listAll(): Promise<{ items: Map<string, T>; resourceVersion: string }> {
    const items = new Map<string, T>();
    let cont: string | undefined;
    let resourceVersion = '';
    do {
      const page = await this.opts.list({ limit: 500, labelSelector: this.opts.labelSelector, ...(cont ? { continue: cont } : {}) });
      for (const item of page.items) items.set(keyOf(item), this.transform(item));
      cont = page.metadata?._continue || undefined;
      resourceVersion = page.metadata?.resourceVersion ?? resourceVersion;
    } while (cont);
    return { items, resourceVersion };
  }

  /** One WATCH request; resolves when the server ends it, rejects on errors (410 included). */
  private watchOnce(): Promise<void> {
    const [lo, hi] = this.opts.watchSeconds ?? [20, 28];
    const query = {
      resourceVersion: this.resourceVersion,
      allowWatchBookmarks: true,
      timeoutSeconds: lo + Math.floor(Math.random() * (hi - lo + 1)),
      labelSelector: this.opts.labelSelector,
    };
    return new Promise<void>((resolve, reject) => {
      let gone = false;
      const onEvent = (type: string, obj: unknown): void => {
        this.lastContact = Date.now();
        if (type === 'ERROR') {
          if ((obj as { code?: number }).code === 410) gone = true;
          return;
        }
        this.apply(type, obj as T);
      };
      const onDone = (err: unknown): void => {
        if (gone) reject(Object.assign(new Error('watch expired (410 Gone)'), { statusCode: 410 }));
        else if (err) reject(err instanceof Error ? err : new Error('watch failed', { cause: err }));
        else resolve();
      };
      this.opts.watch.watch(this.opts.path, query, onEvent, onDone).then(
        (abort) => {
          this.abort = abort;
          this.lastContact = Date.now();
          this.failures = 0; // connected: the next failure starts from the shortest backoff
        },
        reject,
      );
    });
  }

  private apply(type: string, raw: T): void {
    const rv = raw.metadata?.resourceVersion;
    if (rv) this.resourceVersion = rv;
    if (type === 'BOOKMARK') return;
    const obj = this.transform(raw);
    const key = keyOf(obj);
    const old = this.store.get(key);
    const { handlers } = this.opts;
    if (type === 'DELETED') {
      this.store.delete(key);
      handlers.delete(obj);
    } else if (old) {
      this.store.set(key, obj);
      handlers.update(obj, old);
    } else {
      this.store.set(key, obj);
      handlers.add(obj);
    }
  }
}

export function keyOf(obj: KubernetesObject): string {
  return `${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`;
}

/** Drops managedFields: large, and never read by the operator. */
function trim<T extends KubernetesObject>(obj: T): T {
  if (obj.metadata?.managedFields) delete obj.metadata.managedFields;
  return obj;
}
