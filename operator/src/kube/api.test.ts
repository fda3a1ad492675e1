// KubeApi against a loopback HTTP server: errors as the reconcile reads them, 401 renewal, watches and their ends.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { CONNECT_TIMEOUT, httpStatus, statusMessage, writeMayHaveHappened } from '../errors.ts';
import type { CredentialSource } from './kubeconfig.ts';
import { ApiError, KubeApi } from './api.ts';

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;
const servers: { close(): void }[] = [];
afterEach(() => { for (const s of servers.splice(0)) s.close(); });

async function serve(handler: Handler): Promise<string> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => { body += c.toString(); });
    req.on('end', () => handler(req, res, body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push({ close: () => { server.closeAllConnections(); server.close(); } });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function tokens(server: string, ...values: string[]): CredentialSource & { renewals: number } {
  let i = 0;
  const creds = values.map((v) => ({ server, authorization: `Bearer ${v}` }));
  const source = {
    renewals: 0,
    current: () => creds[i]!,
    renew: () => {
      source.renewals++;
      if (i + 1 >= values.length) return Promise.resolve(false);
      i++;
      return Promise.resolve(true);
    },
  };
  return source;
}

const status = (res: ServerResponse, code: number, message: string): void => {
  res.writeHead(code, { 'content-type': 'application/json' }).end(JSON.stringify({ kind: 'Status', code, message }));
};

describe('KubeApi', () => {
  it('sends JSON with the credentials and the query, and parses the answer', async () => {
    const seen: string[] = [];
    const url = await serve((req, res, body) => {
      seen.push(`${req.method} ${req.url} ${req.headers.authorization} ${req.headers['content-type']} ${body}`);
      res.writeHead(201, { 'content-type': 'application/json' }).end('{"metadata":{"name":"p1"}}');
    });
    const api = new KubeApi(tokens(url, 't'), { connections: 2 });
    const created = await api.post<{ metadata: { name: string } }>('/api/v1/namespaces/shop/pods', { kind: 'Pod' }, { query: { fieldManager: 'hare', dryRun: undefined } });
    expect(created.metadata.name).toBe('p1');
    expect(seen).toEqual(['POST /api/v1/namespaces/shop/pods?fieldManager=hare Bearer t application/json {"kind":"Pod"}']);
    api.close();
  });

  it('throws an ApiError that errors.ts reads as client-node\'s ApiException: status code and the Status message', async () => {
    const url = await serve((_req, res) => status(res, 422, 'Pod "x" is invalid: spec.containers: Required value'));
    const api = new KubeApi(tokens(url, 't'), { connections: 1 });
    const err = await api.get('/api/v1/namespaces/shop/pods/x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(httpStatus(err)).toBe(422);
    expect(statusMessage(err)).toBe('Pod "x" is invalid: spec.containers: Required value');
    expect(writeMayHaveHappened(err)).toBe(false);
    api.close();
  });

  it('renews the credentials once on a 401 and repeats the request with the new ones', async () => {
    const url = await serve((req, res) => (req.headers.authorization === 'Bearer new' ? res.end('{}') : status(res, 401, 'Unauthorized')));
    const source = tokens(url, 'old', 'new');
    const api = new KubeApi(source, { connections: 1 });
    await expect(api.get('/api')).resolves.toEqual({});
    expect(source.renewals).toBe(1);
    // no newer credentials: the 401 is the answer
    const stale = new KubeApi(tokens(url, 'old'), { connections: 1 });
    expect(httpStatus(await stale.get('/api').catch((e: unknown) => e))).toBe(401);
    api.close();
    stale.close();
  });

  it('shares one renewal among requests that met a 401 together', async () => {
    const url = await serve((req, res) => setTimeout(() => (req.headers.authorization === 'Bearer new' ? res.end('{}') : status(res, 401, 'Unauthorized')), 20));
    const source = tokens(url, 'old', 'new');
    const api = new KubeApi(source, { connections: 4 });
    await expect(Promise.all([api.get('/a'), api.get('/b'), api.get('/c')])).resolves.toEqual([{}, {}, {}]);
    expect(source.renewals).toBe(1); // the other two saw the new credentials and only tried again
    api.close();
  });

  it('fails a connection that does not open in time as not sent (a TLS server that never answers the handshake)', async () => {
    const silent = createNetServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    servers.push({ close: () => silent.close() });
    const server = `https://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    const api = new KubeApi(tokens(server, 't'), { connections: 1, connectTimeoutMs: 200 });
    const err = await api.post('/api/v1/namespaces/shop/pods', {}).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: CONNECT_TIMEOUT, message: expect.stringContaining('no connection to 127.0.0.1:') as unknown });
    expect(writeMayHaveHappened(err)).toBe(false);
    api.close();
  });

  it('ends a request at its signal, as a failure that may have been made', async () => {
    const url = await serve(() => undefined); // never answers
    const api = new KubeApi(tokens(url, 't'), { connections: 1 });
    const err = await api.get('/api', { signal: AbortSignal.timeout(100) }).catch((e: unknown) => e);
    expect((err as Error).name).toBe('TimeoutError');
    expect(writeMayHaveHappened(err)).toBe(true);
    api.close();
  });

  it('streams watch events, and ends with no error when the server closes the answer', async () => {
    const url = await serve((req, res) => {
      expect(req.url).toBe('/api/v1/pods?resourceVersion=5&watch=true');
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"type":"ADDED","object":{"metadata":{"name":"a"}}}\n{"type":"MODI');
      setTimeout(() => res.end('FIED","object":{"metadata":{"name":"a"}}}\n'), 20);
    });
    const api = new KubeApi(tokens(url, 't'), { connections: 1 });
    const events: string[] = [];
    const done = Promise.withResolvers<unknown>();
    await api.watch('/api/v1/pods', { resourceVersion: '5' }, (type, obj) => events.push(`${type} ${(obj as { metadata: { name: string } }).metadata.name}`), done.resolve);
    expect(await done.promise).toBeNull();
    expect(events).toEqual(['ADDED a', 'MODIFIED a']);
    api.close();
  });

  it('ends a watch refused with 410 Gone with an error that carries the status', async () => {
    const url = await serve((_req, res) => status(res, 410, 'too old resource version'));
    const api = new KubeApi(tokens(url, 't'), { connections: 1 });
    const done = Promise.withResolvers<unknown>();
    await api.watch('/api/v1/pods', { resourceVersion: '1' }, () => undefined, done.resolve);
    const err = await done.promise;
    expect(httpStatus(err)).toBe(410);
    expect(statusMessage(err)).toBe('too old resource version');
    api.close();
  });

  it('ends a watch whose handler throws with that error, instead of dropping it', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200);
      res.write('{"type":"ADDED","object":{}}\n');
    });
    const api = new KubeApi(tokens(url, 't'), { connections: 1 });
    const done = Promise.withResolvers<unknown>();
    await api.watch('/api/v1/pods', {}, () => { throw new Error('handler broke'); }, done.resolve);
    expect(await done.promise).toMatchObject({ message: 'handler broke' });
    api.close();
  });
});
