// A list+watch cache for one resource: paginated LIST, WATCH from its resourceVersion with bookmarks, relist on
// 410 Gone. Every failed list or watch backs off (list-watch-backoff.ts); only real answers count as contact.
import type { KubernetesObject } from '@kubernetes/client-node';
import { setTimeout as delay } from 'node:timers/promises';
import { errorText, type Logger } from '../log.ts';
import { Cache, keyOf, type Handlers } from './cache.ts';
import { ListWatchBackoff, type ListWatchBackoffOptions } from './list-watch-backoff.ts';
import { watchOnce, type WatchClient, type WatchEnd } from './watch-once.ts';

export type { Handlers } from './cache.ts';

/** What one LIST request asks for. */
export interface PageQuery {
  limit: number;
  continue?: string;
  labelSelector?: string;
}

export interface Page<T> {
  items: T[];
  metadata?: { resourceVersion?: string; continue?: string };
}

/** Monotonic time and a sleep that stop() cuts short; fakes in unit tests. */
export interface ReflectorClock {
  now(): number;
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export interface ReflectorOptions<T> {
  /** Short name for logs and metrics. */
  name: string;
  /** Watch path, e.g. /api/v1/pods. */
  path: string;
  labelSelector?: string;
  list(page: PageQuery): Promise<Page<T>>;
  watch: WatchClient;
  log: Logger;
  handlers: Handlers<T>;
  /** Called for every successful relist, for metrics. */
  onRelist?(): void;
  /** Server-side watch timeout range in seconds (the client aborts after 30 s of silence). */
  watchSeconds?: [number, number];
  /** Keeps only what the operator reads (client-go's TransformFunc); default: drop managedFields. */
  transform?: (obj: T) => T;
  clock?: ReflectorClock;
  random?: () => number;
  backoff?: ListWatchBackoffOptions;
}

/** A watch that ends cleanly sooner than this without an event is a failure (client-go's "very short watch"). */
const SHORT_WATCH_MS = 1000;

const realClock: ReflectorClock = {
  now: () => performance.now(),
  sleep: (ms, signal) => delay(ms, undefined, { signal }).catch(() => undefined),
};

export class Reflector<T extends KubernetesObject> {
  private readonly cache: Cache<T>;
  private resourceVersion = '';
  private abort: AbortController | undefined;
  private readonly stopping = new AbortController();
  private readonly firstSync = Promise.withResolvers<void>();
  private readonly opts: ReflectorOptions<T>;
  private readonly transform: (obj: T) => T;
  private readonly clock: ReflectorClock;
  private readonly random: () => number;
  private readonly backoff: ListWatchBackoff;
  private contactAt: number;
  /** A watch is open: the server answered 200 and has not ended it (KubeApi aborts after 30 s of silence). */
  private watching = false;
  /** True once the first LIST has filled the store. */
  synced = false;

  constructor(opts: ReflectorOptions<T>) {
    this.opts = opts;
    this.transform = opts.transform ?? trim;
    this.clock = opts.clock ?? realClock;
    this.random = opts.random ?? Math.random;
    this.backoff = new ListWatchBackoff(opts.backoff);
    this.contactAt = this.clock.now();
    this.cache = new Cache(opts.name, opts.handlers, opts.log);
  }

  get(key: string): T | undefined {
    return this.cache.get(key);
  }

  values(): IterableIterator<T> {
    return this.cache.values();
  }

  get size(): number {
    return this.cache.size;
  }

  /** False once no list or watch has had an answer from the API server for `limitMs` (since start, if never). */
  inContact(limitMs: number): boolean {
    return this.watching || this.clock.now() - this.contactAt < limitMs;
  }

  /** Resolves after the first successful LIST (or on stop()); keeps watching in the background until stop(). */
  async start(): Promise<void> {
    this.contactAt = this.clock.now();
    void this.run();
    await this.firstSync.promise;
  }

  stop(): void {
    this.stopping.abort();
    this.abort?.abort();
    this.firstSync.resolve();
  }

  private get stopped(): boolean {
    return this.stopping.signal.aborted;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const failure = await this.cycle();
      if (this.stopped) return;
      if (failure === undefined) continue;
      const retryInMs = this.backoff.failed(this.clock.now(), this.random);
      const { err, what } = failure;
      this.opts.log.warn({ resource: this.opts.name, err: errorText(err), failures: this.backoff.attempts, retryInMs }, what);
      await this.clock.sleep(retryInMs, this.stopping.signal);
    }
  }

  /** A list if needed, then one watch; the failure, if any. */
  private async cycle(): Promise<{ err: unknown; what: string } | undefined> {
    if (this.resourceVersion === '') {
      try {
        await this.relist();
      } catch (err) {
        return { err, what: this.synced ? 'list failed' : 'initial list failed' };
      }
    }
    const startedAt = this.clock.now();
    const end = await this.watch(startedAt);
    if (end.expired) {
      this.resourceVersion = ''; // too old (e.g. after an API server restart): list again, after the backoff
      return { err: end.err, what: 'watch expired; relisting' };
    }
    if (end.err !== undefined) return { err: end.err, what: 'watch failed' };
    if (end.events === 0 && this.clock.now() - startedAt < SHORT_WATCH_MS) return { err: new Error('very short watch: closed at once with no event'), what: 'watch failed' };
    this.touch();
    this.backoff.healthy(startedAt);
    return undefined;
  }

  private touch(): void {
    this.contactAt = this.clock.now();
  }

  /** LISTs everything (paginated) and reconciles the store, firing add/update/delete for differences. */
  private async relist(): Promise<void> {
    const { items, resourceVersion } = await this.listAll();
    this.cache.replace(items);
    this.resourceVersion = resourceVersion;
    this.synced = true;
    this.firstSync.resolve();
    this.touch();
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
      cont = page.metadata?.continue || undefined;
      resourceVersion = page.metadata?.resourceVersion ?? resourceVersion;
    } while (cont);
    return { items, resourceVersion };
  }

  /** One WATCH request from the current resourceVersion, applying its events as they come. */
  private watch(startedAt: number): Promise<WatchEnd> {
    const [lo, hi] = this.opts.watchSeconds ?? [20, 28];
    const query = {
      resourceVersion: this.resourceVersion,
      allowWatchBookmarks: true,
      timeoutSeconds: lo + Math.floor(this.random() * (hi - lo + 1)),
      labelSelector: this.opts.labelSelector,
    };
    return watchOnce(this.opts.watch, {
      path: this.opts.path,
      query,
      onEvent: (type, obj) => {
        this.touch();
        this.backoff.healthy(startedAt);
        this.apply(type, obj as T);
      },
      onResponse: (abort, open) => {
        this.abort = abort;
        if (this.stopped) abort.abort(); // stop() came before the client handed out the handle
        if (!open) return;
        this.watching = true;
        this.touch();
        this.backoff.healthy(startedAt);
      },
    }).finally(() => {
      this.watching = false;
    });
  }

  /** What escapes here would end the watch, so each event's failure is logged and the watch goes on. */
  private apply(type: string, raw: T): void {
    try {
      const rv = raw.metadata?.resourceVersion;
      if (rv) this.resourceVersion = rv;
      if (type !== 'BOOKMARK') this.cache.apply(type, this.transform(raw));
    } catch (err) {
      this.opts.log.error({ resource: this.opts.name, key: keyOf(raw), event: type, err: errorText(err) }, 'watch event not applied');
    }
  }
}

/** Drops managedFields: large, and never read by the operator. */
function trim<T extends KubernetesObject>(obj: T): T {
  if (obj.metadata?.managedFields) delete obj.metadata.managedFields;
  return obj;
}
