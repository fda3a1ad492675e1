// One WATCH request, reported by how it ended. KubeApi.watch() resolves even when the request failed (the error
// goes to `done`), so only `done` and the events tell whether the server was reached.
import { httpStatus } from '../errors.ts';
import type { KubeApi } from './api.ts';

/** What the reflector needs of KubeApi (a fake in unit tests). */
export type WatchClient = Pick<KubeApi, 'watch'>;

export interface WatchRequest {
  path: string;
  query: Record<string, string | number | boolean | undefined>;
  /** ADDED, MODIFIED, DELETED or BOOKMARK with its object; ERROR events end the watch instead. */
  onEvent(type: string, obj: unknown): void;
  /** The request's abort handle, once the client hands it out; `open`: the server answered 200 and streams. */
  onResponse(abort: AbortController, open: boolean): void;
}

export interface WatchEnd {
  /** Why it ended; undefined when the server closed a 200 response cleanly. */
  err?: unknown;
  /** 410 Gone (as a status or an ERROR event): the resourceVersion is too old, list again. */
  expired: boolean;
  /** Events delivered (ERROR events not counted). */
  events: number;
}

export function watchOnce(client: WatchClient, req: WatchRequest): Promise<WatchEnd> {
  return new Promise((resolve) => {
    let events = 0;
    let ended = false;
    let failure: Error | undefined;
    const onEvent = (type: string, obj: unknown): void => {
      if (type === 'ERROR') {
        const status = obj as { code?: number; message?: string };
        failure = Object.assign(new Error(`watch error event: ${status.message ?? 'no message'}`), { statusCode: status.code });
        return;
      }
      events++;
      req.onEvent(type, obj);
    };
    const done = (err: unknown): void => {
      ended = true;
      const cause = err ?? failure;
      resolve({ err: cause ?? undefined, expired: httpStatus(cause) === 410, events });
    };
    // the client resolves once the response headers are in, or after calling done() for a failed request
    client.watch(req.path, req.query, onEvent, done).then((abort) => req.onResponse(abort, !ended), (err: unknown) => done(err ?? new Error('watch request failed')));
  });
}
