// The http port of the pod contract: /healthz, /readyz, /metrics and /drain (the preStop hook).
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PATHS } from './contract.ts';
import type { Logger } from './logger.ts';
import type { Registry } from 'prom-client';
import type { DrainResult, RuntimeState } from './runtime.ts';

export interface HttpDeps {
  readonly state: () => RuntimeState;
  readonly ready: () => boolean;
  readonly registry: Registry;
  /** Starts (or joins) the drain; resolves when it has finished or timed out. */
  readonly drain: () => Promise<DrainResult>;
  readonly logger: Logger;
}

export interface HttpServer {
  readonly port: number;
  /** Resolves once every /drain response has been written out. */
  flushed(): Promise<void>;
  close(): Promise<void>;
}

/** Listens on all interfaces (the kubelet probes the pod IP). */
export async function startHttp(port: number, deps: HttpDeps): Promise<HttpServer> {
  const writes = new Set<Promise<void>>();
  const server = createServer((req, res) => {
    route(req, res, deps, writes).catch((err: unknown) => {
      deps.logger.error({ err, path: req.url }, 'http handler failed');
      if (!res.headersSent) send(res, 500, { error: 'internal error' });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    flushed: async () => void (await Promise.all([...writes])),
    close: () => closeServer(server),
  };
}

async function route(req: IncomingMessage, res: ServerResponse, deps: HttpDeps, writes: Set<Promise<void>>): Promise<void> {
  const path = (req.url ?? '/').split('?', 1)[0];
  const method = req.method ?? 'GET';
  if (path === PATHS.drain && (method === 'GET' || method === 'POST')) {
    deps.logger.info({ method }, 'drain requested over http');
    const result = await deps.drain();
    const written = new Promise<void>((resolve) => res.once('close', resolve).once('finish', resolve));
    writes.add(written);
    send(res, 200, result);
    return written;
  }
  if (method !== 'GET' && method !== 'HEAD') return send(res, 405, { error: 'method not allowed' });
  switch (path) {
    case PATHS.healthz:
      return send(res, 200, { status: 'ok', state: deps.state() });
    case PATHS.readyz:
      return send(res, deps.ready() ? 200 : 503, { ready: deps.ready(), state: deps.state() });
    case PATHS.metrics: {
      const body = await deps.registry.metrics();
      res.writeHead(200, { 'content-type': deps.registry.contentType }).end(body);
      return;
    }
    default:
      return send(res, 404, { error: 'not found' });
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), connection: 'close' }).end(text);
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}
