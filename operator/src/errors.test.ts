import { describe, expect, it } from 'vitest';
import { classifyWriteError, CONNECT_TIMEOUT, InvalidSpecError, TransientError, writeMayHaveHappened } from './errors.ts';

/** An ApiException as @kubernetes/client-node throws it: the HTTP code and the Status body as text. */
const apiError = (code: number, message: string): Error =>
  Object.assign(new Error(`HTTP-Code: ${code}`), { code, body: JSON.stringify({ kind: 'Status', message }) });

describe('classifyWriteError', () => {
  it('calls a pod the API server refuses on its merits an invalid spec, naming the pod without its random suffix', () => {
    const e = classifyWriteError(apiError(422, 'Pod "orders-x7k2p" is invalid: spec.containers[0].image: Required value'), 'create pod', 'orders-');
    expect(e).toBeInstanceOf(InvalidSpecError);
    expect(e.message).toBe('create pod: Pod "orders-*" is invalid: spec.containers[0].image: Required value');
    expect(classifyWriteError(apiError(403, 'pods "orders-" is forbidden: violates PodSecurity "restricted:latest"'), 'create pod')).toBeInstanceOf(InvalidSpecError);
  });

  it.each([
    'pods "orders-" is forbidden: error looking up service account shop/default: serviceaccount "default" not found',
    'pods "orders-" is forbidden: unable to create new content in namespace shop because it is being terminated',
    'pods "orders-x" is forbidden: exceeded quota: pods, requested: pods=1, used: pods=10, limited: pods=10',
    'pods "orders-*" is forbidden: cannot set blockOwnerDeletion in this case because cannot find RESTMapping for APIVersion hare.dev/v1alpha1 Kind ConsumerPool: no matches for kind "ConsumerPool" in version "hare.dev/v1alpha1"',
  ])('retries a refusal that passes by itself with backoff: %s', (message) => {
    expect(classifyWriteError(apiError(403, message), 'create pod')).toBeInstanceOf(TransientError);
  });

  it('retries server errors and conflicts', () => {
    expect(classifyWriteError(apiError(500, 'etcdserver: request timed out'), 'create pod')).toBeInstanceOf(TransientError);
    expect(classifyWriteError(apiError(409, 'the object has been modified'), 'patch pool')).toBeInstanceOf(TransientError);
  });
});

/** A failed fetch as undici raises it: a TypeError whose cause is the socket error. */
const fetchFailed = (code: string, message: string): Error => new TypeError('fetch failed', { cause: Object.assign(new Error(message), { code }) });

describe('writeMayHaveHappened', () => {
  it.each([
    ['a reset after the request was sent', fetchFailed('ECONNRESET', 'read ECONNRESET')],
    ['a connection closed before the answer', fetchFailed('UND_ERR_SOCKET', 'other side closed')],
    ['a wait that ran out', new DOMException('The operation was aborted due to timeout', 'TimeoutError')],
    ['an aborted request', new DOMException('This operation was aborted', 'AbortError')],
    ["the API server's own timeout (504)", apiError(504, 'Timeout: request did not complete within requested timeout')],
  ])('is true for %s', (_what, err) => {
    expect(writeMayHaveHappened(err)).toBe(true);
  });

  it.each([
    ['a refused connection', fetchFailed('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:6443')],
    ['an unknown host', fetchFailed('ENOTFOUND', 'getaddrinfo ENOTFOUND api')],
    ['a connect timeout', Object.assign(new Error('no connection to 10.0.0.1:443 within 10 s'), { code: CONNECT_TIMEOUT })],
    ['a TLS handshake cut short', fetchFailed('ECONNRESET', 'Client network socket disconnected before secure TLS connection was established')],
    ['a refusal', apiError(422, 'Pod "orders-x" is invalid')],
    ['a server error answered', apiError(500, 'Internal error occurred: failed calling webhook')],
    ['a conflict', apiError(409, 'already exists')],
  ])('is false for %s', (_what, err) => {
    expect(writeMayHaveHappened(err)).toBe(false);
  });
});
