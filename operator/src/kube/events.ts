// Kubernetes Events on pools (core/v1, shown by kubectl describe): repeats within 10 minutes bump a count.
import type { CoreV1Event } from '@kubernetes/client-node';
import type { Pool } from '../api/pool.ts';
import { API_VERSION, EVENT_SOURCE, KIND, keyOf, type Reason } from '../metadata.ts';
import { httpStatus } from '../errors.ts';
import { errorText, type Logger } from '../log.ts';
import type { EventSink, EventType } from '../reconcile/ports.ts';
import type { KubeApi } from './api.ts';
import type { WriteHook } from './cluster.ts';
import { Resources } from './resources.ts';

const REPEAT_WINDOW_MS = 10 * 60_000;
const MAX_TRACKED = 4096;

interface Seen { name: string; count: number; first: Date; last: number }

export class KubeEventRecorder implements EventSink {
  private readonly api: Resources;
  private readonly seen = new Map<string, Seen>();
  private readonly log: Logger;
  private readonly instance: string;

  private readonly onWrite: WriteHook;

  constructor(api: KubeApi, log: Logger, instance: string, onWrite: WriteHook = () => undefined) {
    this.api = new Resources(api);
    this.log = log;
    this.instance = instance;
    this.onWrite = onWrite;
  }

  emit(pool: Pool, type: EventType, reason: Reason, message: string): void {
    // the log carries what the Events say, so `kubectl logs` alone tells what the operator did
    const key = keyOf(pool.metadata.namespace, pool.metadata.name);
    this.log.info({ pool: key, type, reason }, message);
    this.record(pool, type, reason, message).catch((err: unknown) => {
      this.log.warn({ pool: key, reason, err: errorText(err) }, 'could not record event');
    });
  }

  private async record(pool: Pool, type: EventType, reason: Reason, message: string): Promise<void> {
    const { name, namespace, uid } = pool.metadata;
    const key = `${uid}|${type}|${reason}|${message}`;
    const now = new Date();
    const seen = this.seen.get(key);
    if (seen && now.getTime() - seen.last < REPEAT_WINDOW_MS) {
      seen.count++;
      seen.last = now.getTime();
      try {
        this.onWrite('patch', 'events');
        await this.api.patchNamespacedEvent(namespace, seen.name, { count: seen.count, lastTimestamp: now });
        return;
      } catch (err) {
        if (httpStatus(err) !== 404) throw err; // the event expired: record a new one
      }
    }
    const event: CoreV1Event = {
      metadata: { name: `${name}.${now.getTime().toString(16)}${Math.random().toString(16).slice(2, 8)}`, namespace },
      involvedObject: { apiVersion: API_VERSION, kind: KIND, name, namespace, uid },
      type, reason, message: message.slice(0, 1024),
      source: { component: EVENT_SOURCE },
      reportingComponent: EVENT_SOURCE,
      reportingInstance: this.instance,
      firstTimestamp: now, lastTimestamp: now, count: 1,
    };
    this.onWrite('create', 'events');
    const created = await this.api.createNamespacedEvent(namespace, event);
    this.remember(key, { name: created.metadata?.name ?? '', count: 1, first: now, last: now.getTime() });
  }

  private remember(key: string, seen: Seen): void {
    if (this.seen.size >= MAX_TRACKED) {
      const oldest = this.seen.keys().next().value;
      if (oldest !== undefined) this.seen.delete(oldest);
    }
    this.seen.set(key, seen);
  }
}
