// The one error type of the depth sources, and how client errors map onto read-failure kinds.
import type { ReadFailureKind } from './types.ts';

/** A failed depth read. Messages never carry credentials (callers scrub them first). */
export class DepthReadError extends Error {
  override readonly name = 'DepthReadError';
  readonly kind: ReadFailureKind;
  constructor(kind: ReadFailureKind, message: string, options?: { cause?: unknown }) {
    super(message, { cause: options?.cause });
    this.kind = kind;
  }
}

/** The AMQP reply code (404, 403, 406...) an amqplib error carries when the server closed the channel or connection. */
export function replyCode(err: unknown): number | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'number') return err.code;
  return undefined;
}

/** Kind of an AMQP failure: reply codes first, then socket errors; handshake refusals count as unreachable. */
export function amqpFailureKind(err: unknown): ReadFailureKind {
  if (err instanceof DepthReadError) return err.kind;
  const code = replyCode(err);
  if (code === 404) return 'notFound';
  if (code === 403) return 'accessRefused';
  if (code !== undefined) return 'protocol';
  return 'unreachable';
}

/** Kind of an HTTP status from the management API. */
export function httpFailureKind(status: number): ReadFailureKind {
  if (status === 401 || status === 403) return 'accessRefused';
  if (status === 404) return 'notFound';
  if (status === 502 || status === 503 || status === 504) return 'unreachable';
  return 'protocol';
}

/** The message of an error and its causes ("fetch failed: connect ECONNREFUSED 127.0.0.1:1"). */
export function messageOf(err: unknown): string {
  const parts: string[] = [];
  let e: unknown = err;
  for (let depth = 0; e !== undefined && depth < 4; depth++) {
    const text = e instanceof Error ? e.message : typeof e === 'string' ? e : JSON.stringify(e);
    if (parts.at(-1) !== text) parts.push(text);
    e = e instanceof Error ? e.cause : undefined;
  }
  return parts.join(': ');
}

/**
 * Races a promise against a timer; the loser's rejection is swallowed so nothing goes unhandled. A value that
 * arrives after the timeout goes to `late` (to close a connection or channel nobody will use), never nowhere.
 */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string, late?: (value: T) => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  let timedOut = false;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      timedOut = true;
      reject(new DepthReadError('timeout', `${what}: no answer within ${ms} ms`));
    }, ms);
  });
  promise.then((value) => { if (timedOut) late?.(value); }, () => undefined);
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
