// The two error kinds of the reconcile loop: transient (requeue with backoff) and invalid spec (condition + Event).

/** A failure that may pass: API hiccups, conflicts, broker outages. Requeued with capped backoff. */
export class TransientError extends Error {
  override readonly name = 'TransientError';
  /** Optional earliest retry, overriding the backoff. */
  readonly retryAfterMs: number | undefined;
  constructor(message: string, options?: { cause?: unknown; retryAfterMs?: number }) {
    super(message, { cause: options?.cause });
    this.retryAfterMs = options?.retryAfterMs;
  }
}

/** A spec the API server accepted but that cannot work (e.g. the pod it implies is rejected). No hot requeue. */
export class InvalidSpecError extends Error {
  override readonly name = 'InvalidSpecError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, { cause: options?.cause });
  }
}

/** HTTP status of a Kubernetes API error (ApiException.code), if any. */
export function httpStatus(err: unknown): number | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'number') return err.code;
  if (typeof err === 'object' && err !== null && 'statusCode' in err && typeof err.statusCode === 'number') {
    return err.statusCode;
  }
  return undefined;
}

/** The code of an API connection that did not open in time (kube/api.ts): the request was never sent. */
export const CONNECT_TIMEOUT = 'HARE_CONNECT_TIMEOUT';

/** Network errors raised before a request could reach the API server: a write that failed so was not made. */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', CONNECT_TIMEOUT]);

/**
 * True when a failed write may still have been made: the API server's own timeout (504, which the Job and
 * ReplicaSet controllers treat so), or a connection that broke, or a wait that ran out, after the request may
 * have reached the server. False for an answer (any other status) and for a connection that never opened.
 */
export function writeMayHaveHappened(err: unknown): boolean {
  if (err instanceof DOMException) return err.name === 'TimeoutError' || err.name === 'AbortError'; // its code is no HTTP status
  const status = httpStatus(err);
  if (status !== undefined) return status === 504;
  for (let e: unknown = err; typeof e === 'object' && e !== null; e = (e as { cause?: unknown }).cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && NOT_SENT.has(code)) return false;
    if (e instanceof Error && e.message.includes('before secure TLS connection was established')) return false;
  }
  return true;
}

/**
 * 403 refusals that pass by themselves, whatever the spec: the namespace's default ServiceAccount is not made
 * yet (a namespace created a moment ago), the namespace is going away, its quota is used up for now, or the
 * OwnerReferencesPermissionEnforcement admission plugin has not discovered the ConsumerPool kind yet (a CRD
 * installed a moment ago, as `helm install` does). Kubernetes' own controllers retry these with backoff, and so do we.
 */
const PASSING_REFUSALS = [/error looking up service account /, /because it is being terminated/, /exceeded quota: /, /cannot find RESTMapping for /];

/**
 * Classifies an error from a write the reconcile made: 4xx validation failures mean the spec is unusable.
 * With `generateName`, the server's random suffix is elided so repeated failures read (and aggregate) the same.
 */
export function classifyWriteError(err: unknown, what: string, generateName?: string): TransientError | InvalidSpecError {
  const status = httpStatus(err);
  let text = statusMessage(err);
  if (generateName) text = text.replace(new RegExp(`${escapeRegExp(generateName)}[a-z0-9]{5}\\b`, 'g'), `${generateName}*`);
  const passing = status === 403 && PASSING_REFUSALS.some((r) => r.test(text));
  if ((status === 422 || status === 400 || status === 403) && !passing) return new InvalidSpecError(`${what}: ${text}`, { cause: err });
  return new TransientError(`${what}: ${text}`, { cause: err });
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The human message of a Kubernetes Status body carried by an ApiException, or the error's own message. */
export function statusMessage(err: unknown): string {
  if (typeof err === 'object' && err !== null && 'body' in err) {
    const body: unknown = err.body;
    const parsed: unknown = typeof body === 'string' ? safeParse(body) : body;
    if (typeof parsed === 'object' && parsed !== null && 'message' in parsed && typeof parsed.message === 'string') {
      return parsed.message;
    }
  }
  return err instanceof Error ? err.message : String(err);
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
