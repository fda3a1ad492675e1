// An HTTP GET bounded in time and in size, for endpoints the operator does not control (pods, plugins).
import { DepthReadError, httpFailureKind, messageOf } from './read-error.ts';

/** The part of fetch this needs; the runtime's fetch by default, a fake in unit tests. */
export type Fetch = (url: string, init: { signal: AbortSignal; headers?: Record<string, string> }) => Promise<Pick<Response, 'ok' | 'status' | 'body'>>;

export interface Bounds {
  /** Aborts the request (connect, headers and body) when it fires. */
  readonly signal: AbortSignal;
  /** The body is refused past this many bytes (read no further than that). */
  readonly maxBytes: number;
  readonly headers?: Record<string, string> | undefined;
}

/**
 * The body as text, or a DepthReadError: `timeout` when the signal fired, `unreachable` when no answer came,
 * the status's kind for an HTTP error, `protocol` for a body larger than maxBytes (cancelled as soon as it passes the bound).
 * Messages name no URL: the caller says what it asked.
 */
export async function boundedText(fetch: Fetch, url: string, bounds: Bounds): Promise<string> {
  let res: Pick<Response, 'ok' | 'status' | 'body'>;
  try {
    res = await fetch(url, { signal: bounds.signal, ...(bounds.headers ? { headers: bounds.headers } : {}) });
  } catch (err) {
    throw failure(err, bounds.signal);
  }
  if (!res.ok) {
    await res.body?.cancel().catch(() => undefined);
    throw new DepthReadError(httpFailureKind(res.status), `HTTP ${res.status}`);
  }
  if (res.body === null) return '';
  const reader: ReadableStreamDefaultReader<Uint8Array> = (res.body as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > bounds.maxBytes) throw new DepthReadError('protocol', `answer larger than ${bounds.maxBytes} bytes`);
      chunks.push(value);
    }
  } catch (err) {
    await reader.cancel().catch(() => undefined);
    throw failure(err, bounds.signal);
  }
  return new TextDecoder().decode(Buffer.concat(chunks));
}

function failure(err: unknown, signal: AbortSignal): DepthReadError {
  if (err instanceof DepthReadError) return err;
  if (signal.aborted) return new DepthReadError('timeout', 'no answer in time', { cause: err });
  return new DepthReadError('unreachable', messageOf(err), { cause: err });
}
