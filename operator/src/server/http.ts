// HTTP endpoints of the operator: /metrics on one port, /healthz and /readyz on another.
import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';

export interface Probes {
  /** Liveness: false only when the process should be restarted. */
  healthy(): boolean;
  /** Readiness: caches synced. */
  ready(): boolean;
}

export async function startMetricsServer(port: number, registry: Registry): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.url !== '/metrics') return void res.writeHead(404).end();
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (err: unknown) => res.writeHead(500).end(String(err)),
    );
  });
  return listen(server, port);
}

export async function startHealthServer(port: number, probes: Probes): Promise<Server> {
  const server = createServer((req, res) => {
    const check = req.url === '/healthz' ? probes.healthy() : req.url === '/readyz' ? probes.ready() : undefined;
    if (check === undefined) return void res.writeHead(404).end();
    res.writeHead(check ? 200 : 503, { 'content-type': 'text/plain' }).end(check ? 'ok' : 'not ok');
  });
  return listen(server, port);
}

function listen(server: Server, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => resolve(server));
  });
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}
