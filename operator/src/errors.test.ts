import { describe, expect, it } from 'vitest';
import { classifyWriteError, InvalidSpecError, TransientError } from './errors.ts';

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
  ])('retries a refusal that passes by itself with backoff: %s', (message) => {
    expect(classifyWriteError(apiError(403, message), 'create pod')).toBeInstanceOf(TransientError);
  });

  it('retries server errors and conflicts', () => {
    expect(classifyWriteError(apiError(500, 'etcdserver: request timed out'), 'create pod')).toBeInstanceOf(TransientError);
    expect(classifyWriteError(apiError(409, 'the object has been modified'), 'patch pool')).toBeInstanceOf(TransientError);
  });
});
